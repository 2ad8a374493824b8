import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiError } from "../../src/control/api-types.js";
import { recordSamples } from "../../src/monitor/metric-store.js";
import { monitorMetrics } from "../../src/monitor/prometheus.js";
import type { MetricSample } from "../../src/monitor/types.js";
import { startServer } from "../../src/server/start-server.js";
import { openStore } from "../../src/store/database.js";
import { DIALECTS } from "../store/test-stores.js";
import { sample, server } from "../monitor/metric-fixtures.js";
import { rowSample } from "../monitor/sample-builders.js";
import { createWebCluster, openTestServer, type TestServer } from "./test-server.js";

/** One metric family as parse-prometheus-text-format reads the exposition. */
interface Family {
  name: string;
  help: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}
const parsePrometheus = createRequire(import.meta.url)("parse-prometheus-text-format") as (
  text: string,
) => Family[];

const T0 = Date.parse("2024-05-01T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
// A name no HAProxy config would use, to show label values are escaped in the exposition.
const ODD = 'we"b\\x\nline';

function stats(responses5xx: number, webStatus: string, patch: Partial<MetricSample> = {}): MetricSample {
  return sample(
    "lb-1",
    iso(T0 + 10_000),
    [
      rowSample("frontend", "www", {
        requests: 10,
        responses: { "1xx": 0, "2xx": 10 - responses5xx, "3xx": 0, "4xx": 0, "5xx": responses5xx, other: 0 },
      }),
      rowSample("backend", "web", { requests: 10, connectionErrors: 1, queueTimeMs: 2, responseTimeMs: 40 }),
      server("web-01", { requests: 6, picked: 6, weight: 10, status: webStatus, connectionErrors: 1 }),
      server("web-02", { requests: 2, picked: 2, weight: 5 }),
      rowSample("backend", ODD, { requests: 1 }),
    ],
    patch,
  );
}

describe.each(DIALECTS)("metrics on %s", (dialect) => {
  let s: TestServer;
  let agent: string;
  const now = T0 + 20_000;

  const post = (token: string, samples: MetricSample[]) =>
    s.call<{ recorded: number }>("POST", "/api/v1/agent/stats", token, { samples });
  const scrape = async (token: string | undefined) =>
    s.app.inject({
      method: "GET",
      url: "/metrics",
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
  const families = async () =>
    new Map(parsePrometheus((await scrape(s.tokens.viewer)).body).map((f) => [f.name, f]));
  const value = (family: Family | undefined, labels: Record<string, string>) =>
    family?.metrics
      .filter((m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels))
      .map((m) => Number(m.value));

  beforeAll(async () => {
    s = await openTestServer(dialect, () => now);
    await createWebCluster(s);
    for (const name of ["lb-1", "lb-2"]) {
      const created = await s.call<{ token: { token: string } }>(
        "POST",
        "/api/v1/clusters/web/nodes",
        s.tokens.admin,
        {
          name,
        },
      );
      if (name === "lb-1") agent = created.body.token.token;
    }
    // One registry per process: start this dialect's run from zero.
    monitorMetrics.registry.resetMetrics();
  });
  afterAll(async () => s?.dispose());

  it("records an agent's samples once, for its own node", async () => {
    const first = [stats(1, "UP", { intervalMs: 0, at: iso(T0) }), stats(1, "UP")];
    expect((await post(agent, first)).body).toEqual({ recorded: 2 });
    expect((await post(agent, first)).body).toEqual({ recorded: 0 });

    const read = await s.call<{ nodes: Record<string, MetricSample[]> }>(
      "GET",
      `/api/v1/clusters/web/metrics?from=${iso(T0)}&to=${iso(T0 + 60_000)}`,
      s.tokens.viewer,
    );
    expect(read.status).toBe(200);
    expect(Object.keys(read.body.nodes)).toEqual(["lb-1", "lb-2"]);
    expect(read.body.nodes["lb-1"]?.map((x) => x.at)).toEqual([iso(T0), iso(T0 + 10_000)]);
    expect(read.body.nodes["lb-1"]?.[1]).toEqual(stats(1, "UP"));
    expect(read.body.nodes["lb-2"]).toEqual([]);
  });

  it("exposes the ingested totals and the latest gauges in the Prometheus text format", async () => {
    const answer = await scrape(s.tokens.viewer);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    const f = await families();
    const web = { cluster: "web", node: "lb-1" };

    expect(f.get("lbguard_haproxy_requests_total")?.type).toBe("COUNTER");
    expect(
      value(f.get("lbguard_haproxy_requests_total"), { ...web, proxy: "www", kind: "frontend" }),
    ).toEqual([20]);
    expect(value(f.get("lbguard_haproxy_requests_total"), { ...web, proxy: ODD, kind: "backend" })).toEqual([
      2,
    ]);
    expect(
      value(f.get("lbguard_haproxy_responses_total"), {
        ...web,
        proxy: "www",
        kind: "frontend",
        code: "5xx",
      }),
    ).toEqual([2]);
    expect(
      value(f.get("lbguard_haproxy_responses_total"), {
        ...web,
        proxy: "www",
        kind: "frontend",
        code: "2xx",
      }),
    ).toEqual([18]);
    const web01 = { ...web, backend: "web", server: "web-01" };
    const web02 = { ...web, backend: "web", server: "web-02" };
    expect(value(f.get("lbguard_haproxy_server_requests_total"), web01)).toEqual([12]);
    expect(
      value(f.get("lbguard_haproxy_connection_errors_total"), { ...web, proxy: "web", kind: "backend" }),
    ).toEqual([2]);
    expect(
      value(f.get("lbguard_haproxy_connection_errors_total"), {
        ...web,
        proxy: "web",
        kind: "server",
        server: "web-01",
      }),
    ).toEqual([2]);
    expect(f.get("lbguard_haproxy_response_errors_total")?.type).toBe("COUNTER");

    expect(f.get("lbguard_haproxy_server_up")?.type).toBe("GAUGE");
    expect(value(f.get("lbguard_haproxy_server_up"), web01)).toEqual([1]);
    expect(value(f.get("lbguard_haproxy_server_weight"), web02)).toEqual([5]);
    expect(value(f.get("lbguard_haproxy_server_share_ratio"), web01)).toEqual([0.75]);
    expect(value(f.get("lbguard_haproxy_server_share_ratio"), web02)).toEqual([0.25]);
    expect(
      value(f.get("lbguard_haproxy_queue_time_seconds"), { ...web, proxy: "web", kind: "backend" }),
    ).toEqual([0.002]);
    expect(
      value(f.get("lbguard_haproxy_response_time_seconds"), { ...web, proxy: "web", kind: "backend" }),
    ).toEqual([0.04]);
    expect(value(f.get("lbguard_node_last_seen_timestamp_seconds"), web)).toEqual([(T0 + 10_000) / 1000]);
    // lb-2 never reported: no last-seen series for it.
    expect(
      value(f.get("lbguard_node_last_seen_timestamp_seconds"), { cluster: "web", node: "lb-2" }),
    ).toEqual([]);
    expect(f.get("lbguard_process_cpu_user_seconds_total")?.type).toBe("COUNTER");
  });

  it("keeps counters growing across an HAProxy reload, and gauges follow the latest sample", async () => {
    const reloaded = stats(4, "DOWN", { at: iso(T0 + 20_000), reset: true });
    expect((await post(agent, [reloaded])).body).toEqual({ recorded: 1 });
    const f = await families();
    const web = { cluster: "web", node: "lb-1" };
    expect(
      value(f.get("lbguard_haproxy_responses_total"), {
        ...web,
        proxy: "www",
        kind: "frontend",
        code: "5xx",
      }),
    ).toEqual([6]);
    expect(value(f.get("lbguard_haproxy_server_up"), { ...web, backend: "web", server: "web-01" })).toEqual([
      0,
    ]);
  });

  it("shows the alerting and notification figures other modules set", async () => {
    const rule = 'error-ratio "high"\\';
    monitorMetrics.setFiring("web", [
      { rule, severity: "critical" },
      { rule, severity: "critical" },
    ]);
    monitorMetrics.countNotification("ops", "delivered");
    monitorMetrics.countNotification("ops", "delivered");
    monitorMetrics.countNotification("ops", "failed");
    let f = await families();
    expect(f.get("lbguard_alerts_firing")?.type).toBe("GAUGE");
    expect(value(f.get("lbguard_alerts_firing"), { cluster: "web", rule, severity: "critical" })).toEqual([
      2,
    ]);
    expect(value(f.get("lbguard_notifications_total"), { receiver: "ops", outcome: "delivered" })).toEqual([
      2,
    ]);
    expect(value(f.get("lbguard_notifications_total"), { receiver: "ops", outcome: "failed" })).toEqual([1]);

    monitorMetrics.setFiring("web", []);
    f = await families();
    expect(value(f.get("lbguard_alerts_firing"), { cluster: "web", rule, severity: "critical" })).toEqual([
      0,
    ]);
  });

  it("lets viewers and up scrape, and only the node's agent send samples", async () => {
    expect((await scrape(undefined)).statusCode).toBe(401);
    expect((await scrape(agent)).statusCode).toBe(403);
    expect((await scrape(s.tokens.admin)).statusCode).toBe(200);
    expect((await post(s.tokens.admin, [stats(0, "UP")])).status).toBe(403);
    const bad = await s.call<ApiError>("POST", "/api/v1/agent/stats", agent, {
      samples: [{ at: iso(T0), intervalMs: 0, reset: false }],
    });
    expect([bad.status, bad.body.code]).toEqual([400, "LBG_BAD_REQUEST"]);
    const unknown = await s.call<ApiError>("GET", "/api/v1/clusters/nope/metrics", s.tokens.viewer);
    expect([unknown.status, unknown.body.code]).toEqual([404, "LBG_NOT_FOUND"]);
    const backwards = await s.call<ApiError>(
      "GET",
      `/api/v1/clusters/web/metrics?from=${iso(T0 + 60_000)}&to=${iso(T0)}`,
      s.tokens.viewer,
    );
    expect(backwards.status).toBe(400);
  });
});

describe("a started control plane", () => {
  it("rolls up the samples it finds in its store, in the background", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "lbg-metrics-"));
    try {
      const clock = () => T0 + 120_000;
      const store = await openStore({ dataDir });
      const created_at = iso(T0);
      await store.db
        .insertInto("clusters")
        .values({ name: "web", policy: "{}", inventory: null, rps: 100, current_version: null, created_at })
        .execute();
      await store.db
        .insertInto("nodes")
        .values({ id: "web/lb-1", cluster: "web", name: "lb-1", desired_version: 1, created_at })
        .execute();
      await recordSamples({ store, clock }, "web/lb-1", [stats(0, "UP")]);
      await store.close();

      const running = await startServer({ dataDir, port: 0, clock });
      try {
        const rollups = async () => running.store.db.selectFrom("metric_rollups").select("minute").execute();
        for (let waited = 0; (await rollups()).length === 0 && waited < 10_000; waited += 20) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(await rollups()).toEqual([{ minute: iso(T0) }]);
      } finally {
        await running.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
