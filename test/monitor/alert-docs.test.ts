import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALERT_RULE_KINDS } from "../../src/monitor/alert-rules/index.js";
import { ROOT } from "../helpers.js";

const DOC = readFileSync(join(ROOT, "docs", "alerts.md"), "utf8");

/** The text of each `### kind` section under `## Rule kinds`, by kind. */
function sections(): Map<string, string> {
  const part = DOC.slice(DOC.indexOf("\n## Rule kinds"));
  const found = new Map<string, string>();
  for (const chunk of part.split(/\n### /).slice(1)) {
    const [heading = "", ...body] = chunk.split("\n");
    found.set(heading.trim(), body.join("\n").split(/\n## /)[0] ?? "");
  }
  return found;
}

describe("docs/alerts.md", () => {
  const bySection = sections();

  it("has a section for every rule kind and none for a kind that does not exist", () => {
    expect([...bySection.keys()].sort()).toEqual(ALERT_RULE_KINDS.map((k) => k.meta.kind).sort());
  });

  it.each(ALERT_RULE_KINDS.map((k) => [k.meta.kind, k.meta] as const))(
    "documents %s: its defaults and every parameter with its default, nothing more",
    (kind, meta) => {
      const text = bySection.get(kind) ?? "";
      expect(text).toContain(
        `Default: severity \`${meta.defaultSeverity}\`, for \`${meta.defaultForS}s\`; unit \`${meta.unit}\`.`,
      );
      const documented = [...text.matchAll(/^\| `(\w+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2]?.trim()]);
      const declared = Object.entries(meta.params).map(([name, p]) => [name, String(p.default)]);
      expect(documented).toEqual(declared);
    },
  );
});
