import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ruleExplanations } from "../../src/control/rule-explanations.js";
import { evaluateChange } from "../../src/gate/evaluate-change.js";
import { readInventory } from "../../src/inventory/read-inventory.js";
import { explanationFor, groupFindings } from "../../web/src/data/change-findings.js";

const explanations = ruleExplanations();

describe("change findings", () => {
  it("groups the gate's findings blocking first, each with its rule's reason", async () => {
    const inventory = readInventory(
      "examples/inventory.yaml",
      readFileSync("examples/inventory.yaml", "utf8"),
    );
    const read = (path: string) => ({ path, text: readFileSync(path, "utf8") });
    const judged = await evaluateChange({
      before: [read("examples/change/before.cfg")],
      after: [read("examples/change/after.cfg")],
      inventory: inventory.inventory,
      traffic: { rps: 400 },
    });
    const groups = groupFindings(judged.result.findings, explanations);
    expect(groups.map((g) => [g.severity, g.title])).toEqual(
      [
        ["error", "Blocking"],
        ["warning", "Warnings"],
        ["info", "Notes"],
      ].filter(([severity]) => judged.result.findings.some((f) => f.severity === severity)),
    );
    const blocking = groups[0]!.findings;
    expect(blocking.map((f) => f.rule)).toContain("capacity/over-capacity");
    expect(blocking.find((f) => f.rule === "capacity/over-capacity")?.explanation?.why).toMatch(
      /capacity|machine/,
    );
    // Every finding of this change has a reason a reviewer can read.
    expect(groups.flatMap((g) => g.findings).filter((f) => !f.explanation?.why)).toEqual([]);
  });

  it("gives a check finding its file:line:column and the why of its rule's doc page", () => {
    const span = { file: "after.cfg", line: 7, column: 24, endLine: 7, endColumn: 34 };
    const [group] = groupFindings(
      [{ rule: "weight-skew", severity: "warning", message: "web-01 takes 99%", span }],
      explanations,
    );
    expect(group?.findings[0]?.where).toBe("after.cfg:7:24");
    expect(group?.findings[0]?.explanation?.doc).toBe("docs/rules/weight-skew.md");
    expect(group?.findings[0]?.explanation?.why).toMatch(/^Weights are proportions\./);
  });

  it("explains every parser diagnostic by its family, and nothing it does not know", () => {
    expect(explanationFor("parse/bad-number", explanations)?.id).toBe("parse/*");
    expect(explanationFor("parsex/bad-number", explanations)).toBeUndefined();
    expect(explanationFor("no-such-rule", explanations)).toBeUndefined();
  });
});
