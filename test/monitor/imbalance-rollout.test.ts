import { describe, expect, it } from "vitest";
import { evaluateAlertRule } from "../../src/monitor/alert-rules/index.js";
import { expectedSharesOn, type ClusterView } from "../../src/monitor/cluster-view.js";
import type { MetricSample } from "../../src/monitor/types.js";
import { at, ruleOf } from "./alert-fixtures.js";
import { metricSample, rowSample } from "./sample-builders.js";

/** Version 1: web-01 and web-02 half each. Version 2 (examples/demo/good.cfg): web-03 joins, a third each. */
const V1 = new Map([
  [
    "web",
    new Map([
      ["web-01", 0.5],
      ["web-02", 0.5],
    ]),
  ],
]);
const V2 = new Map([
  [
    "web",
    new Map([
      ["web-01", 1 / 3],
      ["web-02", 1 / 3],
      ["web-03", 1 / 3],
    ]),
  ],
]);

/** 30 one-second samples of `node` ending at second 30, each with the picks per server `picks` gives. */
function samples(
  node: string,
  picks: Record<string, number> | ((second: number) => Record<string, number>),
  resetAt?: number,
): MetricSample[] {
  const out: MetricSample[] = [];
  for (let s = 1; s <= 30; s++) {
    const servers = Object.entries(typeof picks === "function" ? picks(s) : picks).map(([server, picked]) =>
      rowSample("server", "web", { server, picked, requests: picked }),
    );
    out.push(metricSample(node, new Date(at(s)).toISOString(), servers, { reset: s === resetAt }));
  }
  return out;
}

/**
 * The demo's good rollout while the canary bakes: lb-1 runs version 2 and spreads over three
 * servers, lb-2 still runs version 1 (the cluster's current) and spreads over two.
 */
function canaryBaking(
  lb1: Record<string, number>,
  lb2: Record<string, number>,
  nodeShares: ClusterView["nodeExpectedShares"],
): ClusterView {
  return {
    cluster: "demo",
    now: at(30),
    samples: new Map([
      ["lb-1", samples("lb-1", lb1)],
      ["lb-2", samples("lb-2", lb2)],
    ]),
    nodes: [
      { name: "lb-1", lastSeenAt: at(30), haproxy: "up" },
      { name: "lb-2", lastSeenAt: at(30), haproxy: "up" },
    ],
    expectedShares: V1,
    ...(nodeShares ? { nodeExpectedShares: nodeShares } : {}),
    events: [],
  };
}

const THIRDS = { "web-01": 10, "web-02": 10, "web-03": 10 };
const HALVES = { "web-01": 15, "web-02": 15 };
const BY_VERSION_RUN = new Map([
  ["lb-1", V2],
  ["lb-2", V1],
]);

const imbalance = (view: ClusterView) => evaluateAlertRule(view, ruleOf("imbalance"));

describe("imbalance during a rollout", () => {
  it("judged against the cluster's version alone, the canary's new server looks like an imbalance (the false alert)", () => {
    const conditions = imbalance(canaryBaking(THIRDS, HALVES, undefined));
    expect(conditions.map((c) => c.labels)).toEqual([{ node: "lb-1", backend: "web", server: "web-03" }]);
  });

  it("does not fire for a canary spreading as the version it runs predicts (regression: demo good rollout, 'web-03 took 22.8% where 0.0% is predicted')", () => {
    expect(imbalance(canaryBaking(THIRDS, HALVES, BY_VERSION_RUN))).toEqual([]);
  });

  it("holds the canary to its own version: a new server that takes nothing is off by its whole share", () => {
    const conditions = imbalance(canaryBaking({ ...HALVES, "web-03": 0 }, HALVES, BY_VERSION_RUN));
    expect(conditions.map((c) => c.labels)).toEqual([{ node: "lb-1", backend: "web", server: "web-03" }]);
    expect(conditions[0]?.value).toBeCloseTo(100 / 3);
  });

  it("holds a node still on the old version to the old version's shares", () => {
    const conditions = imbalance(canaryBaking(THIRDS, { "web-01": 27, "web-02": 3 }, BY_VERSION_RUN));
    expect(conditions.map((c) => c.labels)).toEqual([{ node: "lb-2", backend: "web", server: "web-02" }]);
    expect(conditions[0]?.value).toBeCloseTo(40);
  });

  it("counts only the picks since the node's reload, as the pool may have changed with it (regression: demo good rollout, lb-2 right after it applied)", () => {
    // lb-2 reloads into version 2 during second 26: before, two servers; from then on, three.
    const view = canaryBaking(
      THIRDS,
      HALVES,
      new Map([
        ["lb-1", V2],
        ["lb-2", V2],
      ]),
    );
    const lb2 = samples("lb-2", (second) => (second < 26 ? HALVES : THIRDS), 26);
    expect(imbalance({ ...view, samples: new Map([["lb-2", lb2]]) })).toEqual([]);
    // Without the reload in the samples, the same picks mix both pools and web-03 looks short.
    const unmarked = lb2.map((sample) => ({ ...sample, reset: false }));
    expect(imbalance({ ...view, samples: new Map([["lb-2", unmarked]]) }).map((c) => c.labels)).toEqual([
      { node: "lb-2", backend: "web", server: "web-03" },
    ]);
  });

  it("takes the cluster's shares for a node the view has no version of", () => {
    const view = canaryBaking(THIRDS, HALVES, new Map([["lb-1", V2]]));
    expect(expectedSharesOn(view, "lb-1")).toBe(V2);
    expect(expectedSharesOn(view, "lb-2")).toBe(V1);
    expect(expectedSharesOn(view, "lb-9")).toBe(V1);
  });
});
