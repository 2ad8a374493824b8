import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_ALERT_RULES } from "../../src/monitor/alert-config.js";
import { ALERT_RULE_KINDS, evaluateAlertRule } from "../../src/monitor/alert-rules/index.js";
import { ALERT_KINDS, type AlertKind, type AlertRule } from "../../src/monitor/types.js";
import type { ClusterView } from "../../src/monitor/cluster-view.js";
import { ROOT } from "../helpers.js";
import { at, ruleOf, series, type Traffic, viewOf } from "./alert-fixtures.js";

/** 400 s of lb-1 at 100 req/s, healthy until `from`, then `symptom` up to second 400. */
function cluster(from: number, symptom: Traffic, extra: Partial<ClusterView> = {}): ClusterView {
  return viewOf({ "lb-1": series("lb-1", 0, 400, (s) => (s > from ? symptom : {})) }, 400, extra);
}

function evaluate(kind: AlertKind, view: ClusterView, params: Record<string, number> = {}) {
  return evaluateAlertRule(view, ruleOf(kind, params));
}

describe("alert rule registry", () => {
  it("holds every kind once, sorted, and every file under alert-rules/ is a registered kind", () => {
    const kinds = ALERT_RULE_KINDS.map((k) => k.meta.kind);
    expect(kinds).toEqual([...ALERT_KINDS].sort());
    const helpers = ["index.ts", "rule.ts", "ratio-vs-baseline.ts"];
    const files = readdirSync(join(ROOT, "src", "monitor", "alert-rules")).filter(
      (f) => !helpers.includes(f),
    );
    expect(files.sort()).toEqual(kinds.map((k) => `${k}.ts`));
  });

  it("ships one enabled rule per kind, named after it, with the kind's defaults", () => {
    expect(DEFAULT_ALERT_RULES.map((r) => r.name)).toEqual(ALERT_RULE_KINDS.map((k) => k.meta.kind));
    for (const { meta } of ALERT_RULE_KINDS) {
      const rule = DEFAULT_ALERT_RULES.find((r) => r.kind === meta.kind) as AlertRule;
      expect(rule.severity).toBe(meta.defaultSeverity);
      expect(rule.forS).toBe(meta.defaultForS);
      expect(rule.enabled).toBe(true);
      expect(Object.keys(rule.params).sort()).toEqual(Object.keys(meta.params).sort());
    }
  });

  it("finds nothing on a healthy cluster, whatever the kind", () => {
    const view = cluster(400, {});
    for (const rule of DEFAULT_ALERT_RULES) expect(evaluateAlertRule(view, rule), rule.name).toEqual([]);
  });

  it("finds nothing for a disabled rule", () => {
    const view = cluster(370, { fail5xx: 0.5 });
    expect(evaluateAlertRule(view, ruleOf("error-ratio", {}, { enabled: false }))).toEqual([]);
  });
});

describe("error-ratio", () => {
  it("trips on the frontend and the backend when 40% of the last 30 s are 5xx", () => {
    const conditions = evaluate("error-ratio", cluster(370, { fail5xx: 0.4 }));
    expect(conditions.map((c) => c.labels)).toEqual([
      { node: "lb-1", frontend: "www" },
      { node: "lb-1", backend: "web" },
    ]);
    expect(conditions[0]?.value).toBeCloseTo(40);
    expect(conditions[0]?.threshold).toBe(5);
    expect(conditions[0]?.unit).toBe("%");
    expect(conditions[0]?.summary).toContain("40.0% of 3000 requests");
  });

  it("counts a backend's connection errors beside its 5xx", () => {
    const view = cluster(400, {});
    for (const sample of view.samples.get("lb-1")?.slice(-30) ?? []) {
      const backend = sample.rows.find((r) => r.kind === "backend");
      if (backend) backend.connectionErrors = 20;
    }
    expect(evaluate("error-ratio", view).map((c) => c.labels)).toEqual([{ node: "lb-1", backend: "web" }]);
  });

  it("raises the limit to baseline × factor, so standing errors that do not grow stay quiet", () => {
    const standing = (fail: number): Traffic => ({ fail5xx: fail });
    const steady = viewOf({ "lb-1": series("lb-1", 0, 400, (s) => standing(s > 370 ? 0.1 : 0.08)) }, 400);
    expect(evaluate("error-ratio", steady)).toEqual([]);
    const worse = viewOf({ "lb-1": series("lb-1", 0, 400, (s) => standing(s > 370 ? 0.2 : 0.08)) }, 400);
    const conditions = evaluate("error-ratio", worse);
    expect(conditions).toHaveLength(2);
    expect(conditions[0]?.threshold).toBeCloseTo(16);
  });

  it("keeps firing through a lasting outage once it is the baseline, as the limit stops at maxPct", () => {
    const view = viewOf({ "lb-1": series("lb-1", 0, 400, () => ({ fail5xx: 0.6 })) }, 400);
    const conditions = evaluate("error-ratio", view);
    expect(conditions).toHaveLength(2);
    expect(conditions[0]?.threshold).toBe(50);
  });

  it("does not judge a window with fewer than minRequests requests", () => {
    const few = viewOf(
      { "lb-1": series("lb-1", 0, 400, (s) => (s > 390 ? { rps: 1, fail5xx: 1 } : {})) },
      400,
    );
    expect(evaluate("error-ratio", few, { windowS: 10, minRequests: 20 })).toEqual([]);
  });
});

describe("client-error-surge", () => {
  it("trips when a frontend starts answering 30% 4xx", () => {
    const conditions = evaluate("client-error-surge", cluster(370, { fail4xx: 0.3 }));
    expect(conditions.map((c) => c.labels)).toEqual([{ node: "lb-1", frontend: "www" }]);
    expect(conditions[0]?.value).toBeCloseTo(30);
    expect(conditions[0]?.threshold).toBe(10);
  });

  it("leaves deliberate denies out", () => {
    expect(evaluate("client-error-surge", cluster(370, { fail4xx: 0.3, denied: 30 }))).toEqual([]);
  });

  it("has no cap: a frontend that always answers many 4xx is quiet until they triple", () => {
    const standing = viewOf({ "lb-1": series("lb-1", 0, 400, () => ({ fail4xx: 0.6 })) }, 400);
    expect(evaluate("client-error-surge", standing)).toEqual([]);
  });
});

describe("latency-p95", () => {
  it("trips when the backend's response time stays above maxMs", () => {
    const conditions = evaluate("latency-p95", cluster(340, { rtMs: 1500 }));
    expect(conditions.map((c) => c.labels)).toEqual([{ node: "lb-1", backend: "web" }]);
    expect(conditions[0]?.value).toBe(1500);
    expect(conditions[0]?.threshold).toBe(1000);
    expect(conditions[0]?.unit).toBe("ms");
  });

  it("takes the 95th percentile: two slow samples in sixty do not trip it", () => {
    const view = viewOf(
      { "lb-1": series("lb-1", 0, 400, (s) => (s === 392 || s === 396 ? { rtMs: 5000 } : {})) },
      400,
    );
    expect(evaluate("latency-p95", view)).toEqual([]);
    expect(evaluate("latency-p95", view, { windowS: 20 })).toHaveLength(1);
  });

  it("ignores the average HAProxy keeps from earlier traffic while the backend gets no requests", () => {
    expect(evaluate("latency-p95", cluster(340, { rps: 0, rtMs: 1500 }))).toEqual([]);
  });
});

describe("request-rate-collapse", () => {
  it("trips when a frontend drops from 100 to 10 req/s", () => {
    const conditions = evaluate("request-rate-collapse", cluster(370, { rps: 10 }));
    expect(conditions.map((c) => c.labels)).toEqual([{ node: "lb-1", frontend: "www" }]);
    expect(conditions[0]?.value).toBeCloseTo(10);
    expect(conditions[0]?.threshold).toBeCloseTo(30);
    expect(conditions[0]?.unit).toBe("req/s");
  });

  it("stays quiet on a drop to half, and on a frontend too quiet to judge", () => {
    expect(evaluate("request-rate-collapse", cluster(370, { rps: 50 }))).toEqual([]);
    const quiet = viewOf({ "lb-1": series("lb-1", 0, 400, (s) => ({ rps: s > 370 ? 0 : 2 })) }, 400);
    expect(evaluate("request-rate-collapse", quiet)).toEqual([]);
  });

  it("leaves a node that stopped sending samples to node-unreachable", () => {
    const view = viewOf({ "lb-1": series("lb-1", 0, 300) }, 400);
    expect(evaluate("request-rate-collapse", view)).toEqual([]);
  });
});

describe("server-down", () => {
  it("names a DOWN server and how long it has been down", () => {
    const conditions = evaluate(
      "server-down",
      cluster(380, { status: { "web-02": "DOWN" }, weights: { "web-01": 1 } }),
    );
    expect(conditions.map((c) => c.labels)).toEqual([{ node: "lb-1", backend: "web", server: "web-02" }]);
    expect(conditions[0]?.value).toBe(19);
  });

  it("leaves MAINT and DRAIN alone: someone set them on purpose", () => {
    const maint = { status: { "web-02": "MAINT" }, weights: { "web-01": 1 } };
    expect(evaluate("server-down", cluster(380, maint))).toEqual([]);
    expect(evaluate("server-down", cluster(380, { status: { "web-02": "DRAIN" } }))).toEqual([]);
  });

  it("does not keep a server DOWN from a sample older than a minute", () => {
    const view = viewOf({ "lb-1": series("lb-1", 0, 300, () => ({ status: { "web-02": "DOWN" } })) }, 400);
    expect(evaluate("server-down", view)).toEqual([]);
  });
});

describe("backend-unavailable", () => {
  it("trips on a backend HAProxy marks DOWN", () => {
    const conditions = evaluate(
      "backend-unavailable",
      cluster(395, { backendStatus: "DOWN", status: { "web-01": "DOWN", "web-02": "DOWN" } }),
    );
    expect(conditions.map((c) => c.labels)).toEqual([{ node: "lb-1", backend: "web" }]);
    expect(conditions[0]?.value).toBe(0);
    expect(conditions[0]?.unit).toBe("servers");
  });

  it("trips when every server is DOWN or in MAINT", () => {
    const view = cluster(395, { status: { "web-01": "MAINT", "web-02": "DOWN" } });
    expect(evaluate("backend-unavailable", view)).toHaveLength(1);
  });

  it("stays quiet while one server is left", () => {
    const view = cluster(395, { status: { "web-02": "DOWN" }, weights: { "web-01": 1 } });
    expect(evaluate("backend-unavailable", view)).toEqual([]);
  });
});

describe("imbalance", () => {
  it("names the server furthest from its predicted share", () => {
    const view = cluster(390, { weights: { "web-01": 9, "web-02": 1 } });
    const conditions = evaluate("imbalance", view);
    expect(conditions).toHaveLength(1);
    expect(conditions[0]?.labels).toEqual({ node: "lb-1", backend: "web", server: "web-02" });
    expect(conditions[0]?.value).toBeCloseTo(40);
    expect(conditions[0]?.threshold).toBe(15);
    expect(conditions[0]?.unit).toBe("points");
  });

  it("renormalises the prediction over the servers that take requests, so a drained one is no drift", () => {
    const view = cluster(380, { status: { "web-02": "DRAIN" }, weights: { "web-01": 1 } });
    expect(evaluate("imbalance", view)).toEqual([]);
  });

  it("does not judge a backend without a prediction or with too few picks", () => {
    const skewed: Traffic = { weights: { "web-01": 9, "web-02": 1 } };
    expect(evaluate("imbalance", cluster(380, skewed, { expectedShares: new Map() }))).toEqual([]);
    expect(evaluate("imbalance", cluster(380, { ...skewed, rps: 2 }))).toEqual([]);
  });
});

describe("node-unreachable", () => {
  it("trips on a node silent for more than afterS, and on one that never reported", () => {
    const view = cluster(
      400,
      {},
      {
        nodes: [
          { name: "lb-1", lastSeenAt: at(400) },
          { name: "lb-2", lastSeenAt: at(380) },
          { name: "lb-3" },
          { name: "lb-4", lastSeenAt: at(395) },
        ],
      },
    );
    const conditions = evaluate("node-unreachable", view);
    expect(conditions.map((c) => [c.labels.node, c.value])).toEqual([
      ["lb-2", 20],
      ["lb-3", 0],
    ]);
  });

  it("trips on a node that reports HAProxy down", () => {
    const view = cluster(400, {}, { nodes: [{ name: "lb-1", lastSeenAt: at(400), haproxy: "down" }] });
    expect(evaluate("node-unreachable", view).map((c) => c.labels)).toEqual([{ node: "lb-1" }]);
  });
});

describe("drift", () => {
  it("trips on a node with runtime drift and quotes what differs", () => {
    const drift = [
      {
        kind: "runtime" as const,
        since: new Date(at(340)).toISOString(),
        diff: "web/web-02 weight 100 -> 10\n",
      },
    ];
    const view = cluster(400, {}, { nodes: [{ name: "lb-1", lastSeenAt: at(400), drift }] });
    const conditions = evaluate("drift", view);
    expect(conditions.map((c) => c.labels)).toEqual([{ node: "lb-1" }]);
    expect(conditions[0]?.value).toBe(60);
    expect(conditions[0]?.summary).toContain("web/web-02 weight 100 -> 10");
  });
});

describe("config-applied", () => {
  const applied = (s: number, status: string, node = "lb-1") => ({
    at: new Date(at(s)).toISOString(),
    type: "node.applied",
    actor: `agent:${node}`,
    cluster: "shop",
    subject: `node:shop/${node}`,
    data: { version: 7, apply: "apply-1", status },
  });

  it("is true for holdS after a node applied a version, one condition per node", () => {
    const events = [
      applied(350, "promoted"),
      applied(390, "promoted"),
      {
        at: new Date(at(395)).toISOString(),
        type: "agent.runtime.kept",
        actor: "alice",
        subject: "node:shop/lb-2",
        data: {},
      },
    ];
    const conditions = evaluate("config-applied", cluster(400, {}, { events }));
    expect(conditions.map((c) => [c.labels.node, c.value])).toEqual([
      ["lb-1", 10],
      ["lb-2", 5],
    ]);
    expect(conditions[0]?.summary).toContain("version 7");
  });

  it("ends after holdS and ignores applies that were rolled back", () => {
    const events = [applied(330, "promoted"), applied(390, "rolled-back")];
    expect(evaluate("config-applied", cluster(400, {}, { events }))).toEqual([]);
  });
});
