import { afterEach, describe, expect, it } from "vitest";
import type { Change, DesiredState, Rollout } from "../../src/control/api-types.js";
import { DEFAULT_ALERT_RULES } from "../../src/monitor/alert-config.js";
import { clusterRow } from "../../src/control/clusters.js";
import { startAlertEvaluator } from "../../src/monitor/alert-evaluator.js";
import type { ClusterView } from "../../src/monitor/cluster-view.js";
import { expectedSharesByNode } from "../../src/monitor/node-expected-shares.js";
import type { Alert, MetricSample } from "../../src/monitor/types.js";
import { metricSample, rowSample } from "../monitor/sample-builders.js";
import { DIALECTS } from "../store/test-stores.js";
import { BEFORE_CFG, INVENTORY, openTestServer, type TestServer } from "./test-server.js";
import { approvedChange, heartbeat } from "./vrrp-fixtures.js";

/** BEFORE_CFG with web-03 joining the pool at the same weight: each server's share goes from a half to a third. */
const WITH_WEB_03 = BEFORE_CFG.replace(
  "    server web-02 127.0.10.2:8080 weight 10 check inter 1s fall 2 rise 2\n",
  "    server web-02 127.0.10.2:8080 weight 10 check inter 1s fall 2 rise 2\n" +
    "    server web-03 127.0.10.3:8080 weight 10 check inter 1s fall 2 rise 2\n",
);
const T0 = Date.parse("2025-03-01T10:00:00.000Z");

/** 20 one-second samples ending at `untilMs`, each with these picks per server of backend web. */
function samples(node: string, untilMs: number, picks: Record<string, number>): MetricSample[] {
  const out: MetricSample[] = [];
  for (let s = 19; s >= 0; s--) {
    const rows = Object.entries(picks).map(([server, picked]) =>
      rowSample("server", "web", { server, picked, requests: picked }),
    );
    out.push(metricSample(node, new Date(untilMs - s * 1000).toISOString(), rows));
  }
  return out;
}

describe.each(DIALECTS)("the imbalance alert during a rollout on %s", (dialect) => {
  let s: TestServer;
  let now = T0;
  afterEach(async () => s?.dispose());

  /**
   * The demo's good rollout as the control plane sees it while the canary bakes: lb-1 applied
   * the version adding web-03 (and reports running it), lb-2 still runs version 1, the
   * cluster's current one. Returns the agents' tokens by node.
   */
  async function canaryBaking(): Promise<{ agents: Record<string, string> }> {
    now = T0;
    s = await openTestServer(dialect, () => now);
    const created = await s.call<{ currentVersion: number }>("POST", "/api/v1/clusters", s.tokens.admin, {
      name: "web",
      config: BEFORE_CFG,
      // As the demo's: web-03 is known before the change adds it to the pool.
      inventory: `${INVENTORY}  - { name: web-03, role: web, address: 127.0.10.3:8080, capacity_rps: 120 }\n`,
      rps: 160,
      policy: { approvals: { low: 1, medium: 1, high: 1 } },
    });
    expect(created.status).toBe(201);
    const v1 = created.body.currentVersion;
    const agents: Record<string, string> = {};
    for (const name of ["lb-1", "lb-2"]) {
      const node = await s.call<{ token: { token: string } }>(
        "POST",
        "/api/v1/clusters/web/nodes",
        s.tokens.admin,
        { name },
      );
      agents[name] = node.body.token.token;
    }
    const change: Change = await approvedChange(s, {
      parent: v1,
      message: "web-03 joins",
      config: WITH_WEB_03,
    });
    const rollout = await s.call<Rollout>("POST", `/api/v1/changes/${change.id}/rollout`, s.tokens.operator);
    expect(rollout.body.nodes.map((n) => [n.node, n.state])).toEqual([
      ["lb-1", "applying"],
      ["lb-2", "pending"],
    ]);
    for (const token of Object.values(agents)) {
      const desired = (await s.call<DesiredState>("GET", "/api/v1/agent/desired?wait=0", token)).body;
      await heartbeat(s, token, { runningHash: desired.version.hash, health: { haproxy: "up" } });
    }
    return { agents };
  }

  /** Each node streams `picks[node]` every second; the imbalance rule runs past its `for`. */
  async function imbalanceAlerts(
    agents: Record<string, string>,
    picks: Record<"lb-1" | "lb-2", Record<string, number>>,
  ): Promise<Alert[]> {
    for (const [name, token] of Object.entries(agents)) {
      const posted = await s.call("POST", "/api/v1/agent/stats", token, {
        samples: samples(name, T0, picks[name as "lb-1" | "lb-2"]),
      });
      expect(posted.status).toBe(200);
    }
    const evaluator = startAlertEvaluator(s.ctx, {
      config: { rules: DEFAULT_ALERT_RULES.filter((r) => r.kind === "imbalance"), receivers: [] },
      everyMs: 3_600_000,
    });
    try {
      await evaluator.evaluateNow();
      // Past the rule's `for` of 2 s: a condition found in the first round fires in this one.
      now = T0 + 3000;
      await evaluator.evaluateNow();
    } finally {
      await evaluator.stop();
    }
    return (await s.call<Alert[]>("GET", "/api/v1/alerts?cluster=web", s.tokens.viewer)).body;
  }

  it("does not fire for a canary that spreads over the new server as its version predicts (regression: demo good rollout)", async () => {
    const { agents } = await canaryBaking();
    const alerts = await imbalanceAlerts(agents, {
      "lb-1": { "web-01": 10, "web-02": 10, "web-03": 10 },
      "lb-2": { "web-01": 15, "web-02": 15 },
    });
    expect(alerts.map((a) => [a.labels, a.summary])).toEqual([]);
  });

  it("holds each node to the version it runs: the canary to the new one, the other to the old one", async () => {
    const { agents } = await canaryBaking();
    const alerts = await imbalanceAlerts(agents, {
      "lb-1": { "web-01": 15, "web-02": 15, "web-03": 0 },
      "lb-2": { "web-01": 27, "web-02": 3 },
    });
    expect(
      alerts
        .map((a) => [a.state, a.labels])
        .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    ).toEqual([
      ["firing", { node: "lb-1", backend: "web", server: "web-03" }],
      ["firing", { node: "lb-2", backend: "web", server: "web-02" }],
    ]);
    const byNode = new Map(alerts.map((a) => [a.labels.node, a]));
    expect(byNode.get("lb-1")?.value).toBeCloseTo(100 / 3);
    expect(byNode.get("lb-2")?.value).toBeCloseTo(40);
  });

  it("simulates each version the nodes run once, and forgets a version once no node runs it", async () => {
    const { agents } = await canaryBaking();
    const db = s.ctx.store.db;
    const row = await clusterRow(db, "web");
    const nodes = () =>
      db.selectFrom("nodes").selectAll().where("cluster", "=", "web").orderBy("name").execute();
    const cache = new Map<string, ClusterView["expectedShares"]>();

    const first = await expectedSharesByNode(db, row, await nodes(), cache);
    expect(cache.size).toBe(2);
    expect(first.nodes.get("lb-1")?.get("web")?.get("web-03")).toBeCloseTo(1 / 3);
    expect(first.nodes.get("lb-2")?.get("web")?.get("web-03")).toBeUndefined();
    expect(first.nodes.get("lb-2")).toBe(first.cluster);

    const again = await expectedSharesByNode(db, row, await nodes(), cache);
    expect(again.nodes.get("lb-1")).toBe(first.nodes.get("lb-1"));
    expect(again.cluster).toBe(first.cluster);

    // The canary rolls back: it runs version 1 again and version 2's prediction goes.
    const v1Hash = (await s.call<DesiredState>("GET", "/api/v1/agent/desired?wait=0", agents["lb-2"])).body
      .version.hash;
    await heartbeat(s, agents["lb-1"]!, { runningHash: v1Hash, health: { haproxy: "up" } });
    const after = await expectedSharesByNode(db, row, await nodes(), cache);
    expect(cache.size).toBe(1);
    expect(after.nodes.get("lb-1")).toBe(first.cluster);
  });
});
