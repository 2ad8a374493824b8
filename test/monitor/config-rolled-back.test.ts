import { describe, expect, it } from "vitest";
import { evaluateAlertRule } from "../../src/monitor/alert-rules/index.js";
import { at, ruleOf, series, viewOf } from "./alert-fixtures.js";

/** lb-1 and lb-2 at 100 req/s for 400 s, with the given events. */
function view(events: ReturnType<typeof applied>[]) {
  return viewOf(
    { "lb-1": series("lb-1", 0, 400, () => ({})), "lb-2": series("lb-2", 0, 400, () => ({})) },
    400,
    { events },
  );
}

function applied(s: number, status: string, node = "lb-1", type = "node.applied") {
  return {
    at: new Date(at(s)).toISOString(),
    type,
    actor: `agent:${node}`,
    cluster: "shop",
    subject: `node:shop/${node}`,
    data: { version: 8, apply: "apply-9", status, detail: "5xx on 23% of requests (limit 5%)" },
  };
}

describe("config-rolled-back", () => {
  it("is true after a node rolled a version back, naming the version and the breach", () => {
    const conditions = evaluateAlertRule(
      view([applied(300, "promoted", "lb-2"), applied(390, "rolled-back")]),
      ruleOf("config-rolled-back", {}),
    );
    expect(conditions).toHaveLength(1);
    expect(conditions[0]?.labels).toEqual({ node: "lb-1" });
    expect(conditions[0]?.value).toBe(10);
    expect(conditions[0]?.summary).toContain("rolled version 8 back on live traffic: 5xx on 23% of requests");
  });

  it("counts an unmanaged agent's own rollback and revert events, and ends after holdS", () => {
    const events = [applied(395, "", "lb-2", "agent.runtime.reverted"), applied(120, "rolled-back", "lb-1")];
    const conditions = evaluateAlertRule(view(events), ruleOf("config-rolled-back", { holdS: 60 }));
    expect(conditions.map((c) => c.labels.node)).toEqual(["lb-2"]);
    expect(conditions[0]?.summary).toContain("reverted a runtime change");
  });
});
