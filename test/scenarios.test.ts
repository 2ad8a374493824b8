import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { checkConfig } from "../src/check/check-config.js";
import { readInventory } from "../src/inventory/read-inventory.js";
import { SHARED } from "./helpers.js";

/**
 * The drill scenarios replay the seed outages. With the scenario file as inventory, `check`
 * must find an error in every bad `after` config that check alone can judge, and none in either
 * config of a safe change. (seed-002's weight typo is judged by capacity, a simulator matter.)
 */
const DIR = join(SHARED, "scenarios");
const MUST_FAIL = new Set([
  "seed-000-routes-lost",
  "seed-001-misrouted",
  "seed-003-database-in-pool",
  "seed-004-maintenance-leftover",
]);

describe("drill scenarios", () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  it("exist", () => expect(files.length).toBeGreaterThanOrEqual(6));
  for (const file of files) {
    const path = join(DIR, file);
    const text = readFileSync(path, "utf8");
    const scenario = parseYaml(text) as {
      name: string;
      before: string;
      after: string;
      expect?: { gate?: string };
    };
    const { inventory, diagnostics } = readInventory(path, text);
    it(`${scenario.name}: the scenario file is a valid inventory`, () => {
      expect(diagnostics).toEqual([]);
      expect(inventory.servers.length).toBeGreaterThan(0);
    });
    const errorsOf = (config: string) =>
      checkConfig([{ path: `${scenario.name}.cfg`, text: config }], { inventory }).findings.filter(
        (f) => f.severity === "error",
      );
    if (MUST_FAIL.has(scenario.name)) {
      it(`${scenario.name}: the change is reported as an error`, () => {
        expect(errorsOf(scenario.after).length).toBeGreaterThan(0);
      });
    }
    if (scenario.expect?.gate === "pass") {
      it(`${scenario.name}: neither config has an error`, () => {
        expect(errorsOf(scenario.before)).toEqual([]);
        expect(errorsOf(scenario.after)).toEqual([]);
      });
    }
  }
});
