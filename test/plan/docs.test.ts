import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { THRESHOLDS } from "../../src/plan/index.js";
import { ROOT } from "../helpers.js";

/** docs/plan.md lists every reason code and threshold the planner uses, and nothing else. */

const DOC = readFileSync(join(ROOT, "docs", "plan.md"), "utf8");
const SOURCES = readdirSync(join(ROOT, "src", "plan"))
  .filter((f) => f.endsWith(".ts"))
  .map((f) => readFileSync(join(ROOT, "src", "plan", f), "utf8"))
  .join("\n");

describe("docs/plan.md", () => {
  const used = new Set([...SOURCES.matchAll(/code: "([a-z-]+)"/g)].map((m) => m[1] as string));
  const documented = new Set(
    [...DOC.matchAll(/^\| `([a-z-]+)`(?: \/ `([a-z-]+)`)? \|/gm)].flatMap((m) => m.slice(1).filter(Boolean)),
  );

  it("documents every reason code", () => {
    expect([...used].filter((c) => !documented.has(c)).sort()).toEqual([]);
  });

  it("documents no code that does not exist", () => {
    // The thresholds table uses the same first column.
    const thresholds = new Set(Object.keys(THRESHOLDS));
    expect([...documented].filter((c) => !used.has(c) && !thresholds.has(c)).sort()).toEqual([]);
  });

  it("documents every threshold with its value", () => {
    for (const [name, value] of Object.entries(THRESHOLDS))
      expect(DOC).toContain(`| \`${name}\` | ${value} |`);
  });
});
