import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readInventory } from "../../src/inventory/read-inventory.js";
import { RULES } from "../../src/rules/index.js";
import { ruleDocPath } from "../../src/rules/rule.js";
import { runRules } from "../../src/rules/run-rules.js";
import { parseFile, ROOT } from "../helpers.js";

/**
 * Every rule has a folder test/rules/<id>/ with configurations that must trip it (`*.cfg`,
 * each listing what it expects in `# expect: messageId line:column [severity]` comments) and
 * configurations that must not (`*.ok.cfg`). An `inventory.yaml` there is used for all of them.
 */
const FIXTURES = join(ROOT, "test", "rules");

function expectations(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/#\s*expect:\s*(\w+)\s+(\d+):(\d+)(?:\s+(error|warning|info))?/g)) {
    out.push(`${m[1]} ${m[2]}:${m[3]}${m[4] ? ` ${m[4]}` : ""}`);
  }
  return out;
}

function findingsOf(id: string, file: string) {
  const dir = join(FIXTURES, id);
  const inventoryPath = join(dir, "inventory.yaml");
  const inventory = existsSync(inventoryPath)
    ? readInventory(inventoryPath, readFileSync(inventoryPath, "utf8")).inventory
    : undefined;
  const { model } = parseFile(join(dir, file));
  const rule = RULES.find((r) => r.meta.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return runRules(model, { rules: [rule], ...(inventory ? { inventory } : {}) });
}

for (const rule of RULES) {
  const id = rule.meta.id;
  const dir = join(FIXTURES, id);
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".cfg"))
        .sort()
    : [];
  describe(`rule ${id}`, () => {
    for (const file of files.filter((f) => !f.endsWith(".ok.cfg"))) {
      it(`reports what ${file} expects`, () => {
        const expected = expectations(readFileSync(join(dir, file), "utf8"));
        expect(expected.length, `${file} lists no '# expect:' lines`).toBeGreaterThan(0);
        const withSeverity = new Set(
          expected.filter((e) => e.split(" ").length === 3).map((e) => e.split(" ").slice(0, 2).join(" ")),
        );
        const actual = findingsOf(id, file).map((f) => {
          const key = `${f.messageId} ${f.span.line}:${f.span.column}`;
          return withSeverity.has(key) ? `${key} ${f.severity}` : key;
        });
        expect(actual.sort()).toEqual(expected.sort());
      });
    }
    for (const file of files.filter((f) => f.endsWith(".ok.cfg"))) {
      it(`stays silent on ${file}`, () => {
        expect(findingsOf(id, file)).toEqual([]);
      });
    }
    it("renders every message with all its placeholders filled", () => {
      for (const file of files.filter((f) => !f.endsWith(".ok.cfg"))) {
        for (const finding of findingsOf(id, file)) {
          expect(finding.message).not.toMatch(/\{\w+\}/);
          expect(finding.hint).not.toMatch(/\{\w+\}/);
          expect(finding.hint.length).toBeGreaterThan(0);
        }
      }
    });
  });
}

describe("rule registry", () => {
  it("is sorted by id and holds every rule file", () => {
    const ids = RULES.map((r) => r.meta.id);
    expect(ids).toEqual([...ids].sort());
    const files = readdirSync(join(ROOT, "src", "rules"))
      .filter(
        (f) => f.endsWith(".ts") && !["index.ts", "rule.ts", "run-rules.ts", "config-index.ts"].includes(f),
      )
      .map((f) => f.replace(/\.ts$/, ""));
    expect(files.sort()).toEqual([...ids].sort());
  });

  for (const rule of RULES) {
    const id = rule.meta.id;
    it(`${id} has trigger and ok fixtures, a doc page and a hint per message`, () => {
      const dir = join(FIXTURES, id);
      const files = existsSync(dir) ? readdirSync(dir) : [];
      expect(
        files.filter((f) => f.endsWith(".cfg") && !f.endsWith(".ok.cfg")).length,
        "trigger fixtures",
      ).toBeGreaterThan(0);
      expect(files.filter((f) => f.endsWith(".ok.cfg")).length, "ok fixtures").toBeGreaterThan(0);
      const doc = join(ROOT, ruleDocPath(id));
      expect(existsSync(doc), `${doc} exists`).toBe(true);
      const text = readFileSync(doc, "utf8");
      expect(text.startsWith(`# ${id}\n`)).toBe(true);
      for (const heading of ["## What it catches", "## Why it matters", "## How to fix"])
        expect(text).toContain(heading);
      expect(Object.keys(rule.meta.hints).sort()).toEqual(Object.keys(rule.meta.messages).sort());
      expect(rule.meta.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    });
  }
});
