import { describe, expect, it } from "vitest";
import { evaluateAlertRule } from "../../src/monitor/alert-rules/index.js";
import type { ClusterNode } from "../../src/monitor/cluster-view.js";
import { at, ruleOf, viewOf } from "./alert-fixtures.js";

/** A node that reported its VRRP state `ageS` seconds before second 400. */
function node(name: string, state: string, holdsVip: boolean, ageS = 0): ClusterNode {
  return { name, lastSeenAt: at(400), haproxy: "up", vrrp: { state, holdsVip, seenAt: at(400 - ageS) } };
}

function splitBrain(nodes: ClusterNode[], params: Record<string, number> = {}) {
  return evaluateAlertRule(viewOf({}, 400, { nodes }), ruleOf("split-brain", params));
}

describe("split-brain", () => {
  it("trips once for the cluster when two nodes hold the VIP, naming them", () => {
    const conditions = splitBrain([node("lb-2", "MASTER", true), node("lb-1", "MASTER", true, 3)]);
    expect(conditions.map((c) => [c.labels, c.value, c.threshold, c.unit])).toEqual([[{}, 2, 1, "nodes"]]);
    expect(conditions[0]?.summary).toContain("(lb-1, lb-2)");
  });

  it("finds nothing while one node holds the VIP, or none does", () => {
    expect(splitBrain([node("lb-1", "MASTER", true), node("lb-2", "BACKUP", false)])).toEqual([]);
    expect(splitBrain([node("lb-1", "FAULT", false), node("lb-2", "FAULT", false)])).toEqual([]);
    expect(splitBrain([node("lb-1", "MASTER", true), { name: "lb-2", lastSeenAt: at(400) }])).toEqual([]);
  });

  it("counts only reports younger than freshS", () => {
    const nodes = [node("lb-1", "MASTER", true), node("lb-2", "MASTER", true, 11)];
    expect(splitBrain(nodes)).toEqual([]);
    expect(splitBrain(nodes, { freshS: 15 }).map((c) => c.value)).toEqual([2]);
  });
});
