import { afterEach, describe, expect, it } from "vitest";
import type {
  ApiError,
  Change,
  Drift,
  NodeStatus,
  StoredEvent,
  Version,
} from "../../src/control/api-types.js";
import { renderNodes } from "../../src/cli/render/cluster-text.js";
import { DEFAULT_ALERT_RULES } from "../../src/monitor/alert-config.js";
import { startAlertEvaluator } from "../../src/monitor/alert-evaluator.js";
import type { Alert } from "../../src/monitor/types.js";
import { DIALECTS } from "../store/test-stores.js";
import { openTestServer, type TestServer } from "./test-server.js";
import { eventTypes, heartbeat, PAIR_CFG, pairCluster, pairFile, vrrpReport } from "./vrrp-fixtures.js";

const SAFE_PAIR_CFG = PAIR_CFG.replace(
  "web-02 127.0.10.2:8080 weight 10",
  "web-02 127.0.10.2:8080 weight 11",
);
const HASH_A = "a".repeat(64);
const HASH_B = "b".repeat(64);

describe.each(DIALECTS)("the pair in the control plane on %s", (dialect) => {
  let s: TestServer;
  let now = Date.parse("2025-03-01T10:00:00.000Z");
  afterEach(async () => s?.dispose());

  const propose = (body: object) =>
    s.call<Change & ApiError>("POST", "/api/v1/clusters/web/changes", s.tokens.operator, body);
  const version = async (id: number) =>
    (await s.call<Version>("GET", `/api/v1/versions/${id}`, s.tokens.viewer)).body;
  const nodes = async () =>
    (await s.call<NodeStatus[]>("GET", "/api/v1/clusters/web/nodes", s.tokens.viewer)).body;
  const ruleFindings = (change: Change, prefix: string) =>
    change.findings.filter((f) => f.rule.startsWith(prefix)).map((f) => [f.rule, f.severity, f.span?.line]);

  it("warns of a single load-balancer node on every change of the cluster, config or runtime", async () => {
    s = await openTestServer(dialect, () => now);
    const { v1 } = await pairCluster(s, ["lb-1"]);
    const config = await propose({ parent: v1, message: "weight", config: SAFE_PAIR_CFG });
    expect([config.status, config.body.verdict]).toEqual([201, "pass"]);
    expect(ruleFindings(config.body, "cluster/")).toEqual([["cluster/single-lb-node", "warning", undefined]]);
    const runtime = await propose({
      parent: v1,
      message: "drain",
      operation: { backend: "web", server: "web-02", action: { kind: "drain" } },
    });
    expect(ruleFindings(runtime.body, "cluster/")).toEqual([
      ["cluster/single-lb-node", "warning", undefined],
    ]);
    expect(renderNodes(await nodes(), false)).toContain(
      "warning (cluster/single-lb-node): lb-1 is the cluster's only load-balancer node",
    );

    await s.call("POST", "/api/v1/clusters/web/nodes", s.tokens.admin, { name: "lb-2" });
    const paired = await propose({ parent: v1, message: "weight", config: SAFE_PAIR_CFG });
    expect(ruleFindings(paired.body, "cluster/")).toEqual([]);
    expect(renderNodes(await nodes(), false)).not.toContain("single-lb-node");
  });

  it("blocks a pair file that does not name exactly the cluster's nodes, pointing at the stranger", async () => {
    s = await openTestServer(dialect, () => now);
    const { v1 } = await pairCluster(s);
    const stranger = await propose({ parent: v1, message: "pair", vrrp: pairFile(["lb-1", "lb-3"]) });
    expect([stranger.status, stranger.body.verdict]).toEqual([201, "block"]);
    // The nodes list starts on line 12; lb-3 is its second entry.
    expect(ruleFindings(stranger.body, "cluster/")).toEqual([["cluster/pair-nodes", "error", 13]]);
    expect(stranger.body.findings.find((f) => f.rule === "cluster/pair-nodes")?.span?.file).toBe("pair.yaml");
    const short = await propose({ parent: v1, message: "pair", vrrp: pairFile(["lb-1"]) });
    expect([short.body.verdict, ...ruleFindings(short.body, "cluster/")]).toEqual([
      "block",
      ["cluster/pair-nodes", "error", 1],
    ]);
    const exact = await propose({ parent: v1, message: "pair", vrrp: pairFile(["lb-2", "lb-1"]) });
    expect([exact.body.verdict, ruleFindings(exact.body, "cluster/")]).toEqual(["pass", []]);
  });

  it("judges the pair against the version's HAProxy text: a check URL no frontend serves blocks", async () => {
    s = await openTestServer(dialect, () => now);
    const { v1 } = await pairCluster(s);
    const unserved = await propose({
      parent: v1,
      message: "pair",
      vrrp: pairFile().replace("127.0.0.1:8404", "127.0.0.1:8405"),
    });
    expect(unserved.body.verdict).toBe("block");
    expect(ruleFindings(unserved.body, "vrrp/")).toEqual([["vrrp/check-url-not-served", "error", 8]]);
  });

  it("refuses a pair file it cannot read with LBG_BAD_VRRP naming the line", async () => {
    s = await openTestServer(dialect, () => now);
    const { v1 } = await pairCluster(s);
    const bad = await propose({
      parent: v1,
      message: "pair",
      vrrp: pairFile().replace("virtual_router_id: 51", "virtual_router_id: 300"),
    });
    expect([bad.status, bad.body.code]).toEqual([400, "LBG_BAD_VRRP"]);
    expect(bad.body.message).toContain("pair.yaml:3:");
    const both = await propose({
      parent: v1,
      message: "pair",
      vrrp: pairFile(),
      operation: { backend: "web", server: "web-02", action: { kind: "drain" } },
    });
    expect([both.status, both.body.code]).toEqual([400, "LBG_BAD_REQUEST"]);
  });

  it("versions the pair file with the config: a pair alone keeps the parent's config, a config keeps the parent's pair, the diff shows both", async () => {
    s = await openTestServer(dialect, () => now);
    const { v1 } = await pairCluster(s);
    const pairOnly = await propose({ parent: v1, message: "the pair", vrrp: pairFile() });
    expect([pairOnly.status, pairOnly.body.kind]).toEqual([201, "config"]);
    const v2 = await version(pairOnly.body.version!);
    const parent = await version(v1);
    expect([v2.text, v2.hash, v2.vrrp, parent.vrrp]).toEqual([
      parent.text,
      parent.hash,
      pairFile(),
      undefined,
    ]);
    const diff = (
      await s.call<{ diff: string }>("GET", `/api/v1/versions/${v1}/diff/${v2.id}`, s.tokens.viewer)
    ).body.diff;
    expect(diff.startsWith(`--- version ${v1} pair.yaml\n+++ version ${v2.id} pair.yaml\n`)).toBe(true);
    expect(diff).toContain("+virtual_router_id: 51\n");

    const configOnly = await propose({ parent: v2.id, message: "weight", config: SAFE_PAIR_CFG });
    const v3 = await version(configOnly.body.version!);
    expect(v3.vrrp).toBe(pairFile());
    const both = (
      await s.call<{ diff: string }>("GET", `/api/v1/versions/${v1}/diff/${v3.id}`, s.tokens.viewer)
    ).body.diff;
    const [config, pair] = both.split(`--- version ${v1} pair.yaml\n`);
    expect(config).toContain("-    server web-02 127.0.10.2:8080 weight 10");
    expect(pair).toContain("+  - { name: lb-2, priority: 100 }");
    const noPairChange = (
      await s.call<{ diff: string }>("GET", `/api/v1/versions/${v2.id}/diff/${v3.id}`, s.tokens.viewer)
    ).body.diff;
    expect(noPairChange).not.toContain("pair.yaml");
  });

  it("shows each node's VRRP state and records when it changes, not every heartbeat", async () => {
    s = await openTestServer(dialect, () => now);
    const { agents } = await pairCluster(s);
    await heartbeat(s, agents["lb-1"]!, vrrpReport("MASTER"));
    await heartbeat(s, agents["lb-1"]!, vrrpReport("MASTER"));
    await heartbeat(s, agents["lb-2"]!, vrrpReport("BACKUP"));
    const seen = new Date(now).toISOString();
    expect((await nodes()).map((n) => [n.name, n.vrrp])).toEqual([
      ["lb-1", { state: "MASTER", holdsVip: true, seenAt: seen }],
      ["lb-2", { state: "BACKUP", holdsVip: false, seenAt: seen }],
    ]);
    const table = renderNodes(await nodes(), false).split("\n");
    expect(table[0]).toMatch(/^node\s+desired\s+applied\s+running\s+health\s+vrrp\s+last seen\s+drift$/);
    expect(table[1]).toMatch(/^lb-1\s.*\sup\s+MASTER, VIP\s/);
    expect(table[2]).toMatch(/^lb-2\s.*\sup\s+BACKUP\s/);
    await heartbeat(s, agents["lb-1"]!, vrrpReport("FAULT"));
    const events = (await s.call<StoredEvent[]>("GET", "/api/v1/events?type=node.vrrp", s.tokens.viewer))
      .body;
    expect(events.map((e) => [e.subject, e.data.state, e.data.holdsVip])).toEqual([
      ["node:web/lb-1", "MASTER", true],
      ["node:web/lb-2", "BACKUP", false],
      ["node:web/lb-1", "FAULT", false],
    ]);
  });

  it("records keepalived drift when keepalived.conf is not the one rendered for the approved version", async () => {
    s = await openTestServer(dialect, () => now);
    const { agents } = await pairCluster(s);
    const lb1 = agents["lb-1"]!;
    const fileDrift: Drift = { kind: "file", since: "2025-03-01T09:00:00.000Z", diff: "-a\n+b\n" };
    await heartbeat(s, lb1, {
      ...vrrpReport("MASTER", { keepalivedHash: HASH_B, expectedKeepalivedHash: HASH_A }),
      drift: [fileDrift],
    });
    const first = (await nodes())[0]!.drift ?? [];
    expect(first.map((d) => [d.kind, d.since, d.runningHash])).toEqual([
      ["file", "2025-03-01T09:00:00.000Z", undefined],
      ["keepalived", new Date(now).toISOString(), HASH_B],
    ]);
    expect(first[1]?.diff).toContain(HASH_A);

    // A heartbeat without a drift check keeps the file drift and the keepalived drift's start.
    now += 5000;
    await heartbeat(s, lb1, vrrpReport("MASTER", { keepalivedHash: HASH_B, expectedKeepalivedHash: HASH_A }));
    expect(((await nodes())[0]!.drift ?? []).map((d) => [d.kind, d.since])).toEqual([
      ["file", "2025-03-01T09:00:00.000Z"],
      ["keepalived", new Date(now - 5000).toISOString()],
    ]);
    await heartbeat(s, lb1, {
      ...vrrpReport("MASTER", { keepalivedHash: HASH_A, expectedKeepalivedHash: HASH_A }),
      drift: [],
    });
    expect((await nodes())[0]!.drift).toBeUndefined();
    expect(await eventTypes(s, "node.drift")).toEqual(["node.drift", "node.drift-cleared"]);
    expect(renderNodes(await nodes(), false)).not.toContain("keepalived drift");
  });

  it("fires split-brain when two nodes hold the VIP on fresh reports, and resolves it when one lets go", async () => {
    s = await openTestServer(dialect, () => now);
    const { agents } = await pairCluster(s);
    const evaluator = startAlertEvaluator(s.ctx, {
      config: { rules: DEFAULT_ALERT_RULES.filter((r) => r.kind === "split-brain"), receivers: [] },
      everyMs: 3_600_000,
    });
    const splitBrain = async () =>
      (await s.call<Alert[]>("GET", "/api/v1/alerts?cluster=web", s.tokens.viewer)).body
        .filter((a) => a.rule === "split-brain")
        .map((a) => [a.state, a.value, a.severity]);
    try {
      await heartbeat(s, agents["lb-1"]!, vrrpReport("MASTER"));
      await heartbeat(s, agents["lb-2"]!, vrrpReport("BACKUP"));
      await evaluator.evaluateNow();
      expect(await splitBrain()).toEqual([]);

      await heartbeat(s, agents["lb-2"]!, vrrpReport("MASTER"));
      now += 1000;
      await evaluator.evaluateNow();
      expect(await splitBrain()).toEqual([["firing", 2, "critical"]]);
      const fired = (await s.call<StoredEvent[]>("GET", "/api/v1/events?type=alert.fired", s.tokens.viewer))
        .body;
      expect(fired.map((e) => e.data.rule)).toEqual(["split-brain"]);

      await heartbeat(s, agents["lb-1"]!, vrrpReport("BACKUP"));
      now += 1000;
      await evaluator.evaluateNow();
      expect(await splitBrain()).toEqual([["resolved", 2, "critical"]]);

      // A holder whose agent went quiet does not count: its report is from before the VIP moved.
      await heartbeat(s, agents["lb-1"]!, vrrpReport("MASTER"));
      now += 11_000;
      await heartbeat(s, agents["lb-2"]!, vrrpReport("MASTER"));
      await evaluator.evaluateNow();
      expect((await splitBrain()).filter(([state]) => state !== "resolved")).toEqual([]);
    } finally {
      await evaluator.stop();
    }
  });
});
