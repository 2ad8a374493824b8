import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { main } from "../../src/cli/main.js";
import type { GateResult } from "../../src/gate/gate.js";
import { SHARED } from "../helpers.js";

/**
 * The acceptance contract of the gate: for every drill scenario, `lbguard gate BEFORE AFTER
 * --inventory SCENARIO --rps RATE` returns the verdict the scenario's `expect.gate` names, with
 * real `haproxy -c` run on AFTER. Nothing here depends on particular scenario files.
 */
const DIR = join(SHARED, "scenarios");
const work = mkdtempSync(join(tmpdir(), "lbguard-gate-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Scenario {
  name: string;
  before: string;
  after: string;
  load: { rps: number };
  expect?: { gate?: "pass" | "block" };
}

async function gate(scenarioPath: string, scenario: Scenario): Promise<{ code: number; result: GateResult }> {
  const before = join(work, `${scenario.name}-before.cfg`);
  const after = join(work, `${scenario.name}-after.cfg`);
  writeFileSync(before, scenario.before);
  writeFileSync(after, scenario.after);
  let stdout = "";
  const code = await main(
    ["gate", before, after, "--inventory", scenarioPath, "--rps", String(scenario.load.rps), "--json"],
    (s) => void (stdout += s),
    () => {},
  );
  return { code, result: JSON.parse(stdout) as GateResult };
}

describe("gate on the drill scenarios", () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  for (const file of files) {
    const path = join(DIR, file);
    const scenario = parseYaml(readFileSync(path, "utf8")) as Scenario;
    const expected = scenario.expect?.gate;
    if (!expected) continue;
    it(`${scenario.name}: ${expected}`, async () => {
      const { code, result } = await gate(path, scenario);
      expect(result.verdict).toBe(expected);
      expect(code).toBe(expected === "pass" ? 0 : 1);
      if (expected === "block") expect(result.findings.some((f) => f.severity === "error")).toBe(true);
      else expect(result.findings.filter((f) => f.severity === "error")).toEqual([]);
    });
  }

  it("blocks the weight typo of seed-002 on capacity: web-01 at about 158 req/s against 120", async () => {
    const path = join(DIR, "seed-002-one-server-overloaded.yaml");
    const scenario = parseYaml(readFileSync(path, "utf8")) as Scenario;
    const { result } = await gate(path, scenario);
    const overload = result.findings.find((f) => f.rule === "capacity/over-capacity");
    expect(overload?.severity).toBe("error");
    expect(overload?.message).toMatch(/^web-01 .* 158\.\d req\/s against a capacity of 120/);
  });
});
