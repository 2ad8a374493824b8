import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { readInventory } from "../../src/inventory/read-inventory.js";
import { planChange, type PlanOptions } from "../../src/plan/index.js";
import { simulate } from "../../src/simulate/simulate.js";
import type { SimulationResult, TrafficInput } from "../../src/simulate/types.js";
import { SHARED } from "../helpers.js";
import { backend, model, prediction, server } from "./plan-helpers.js";

/**
 * The drill scenarios replay the seed outages. The plan of every change the gate must block is
 * high risk; the safe change is not. Two outages show only in the traffic (a weight typo that
 * overloads one server, a database put in the web pool): the configuration alone makes them
 * medium, a prediction makes them high. Those are checked with hand-built predictions, so this
 * test does not depend on the simulator's numbers, and again with the simulator's own.
 */
const DIR = join(SHARED, "scenarios");

/** Hand-built predictions for the scenarios whose risk only the traffic shows. */
const PREDICTED: Record<string, { before: SimulationResult; after: SimulationResult }> = {
  "seed-002-one-server-overloaded": {
    before: prediction([
      backend("web", [
        server("web-01", 80, 0.5, { capacityRps: 120 }),
        server("web-02", 80, 0.5, { capacityRps: 120 }),
      ]),
    ]),
    after: prediction([
      backend("web", [
        server("web-01", (160 * 100) / 101, 100 / 101, { capacityRps: 120 }),
        server("web-02", 160 / 101, 1 / 101, { capacityRps: 120 }),
      ]),
    ]),
  },
  "seed-003-database-in-pool": {
    before: prediction([
      backend("web", [
        server("web-01", 60, 0.5, { role: "web" }),
        server("web-02", 60, 0.5, { role: "web" }),
      ]),
    ]),
    after: prediction([
      backend("web", [
        server("web-01", 40, 1 / 3, { role: "web" }),
        server("web-02", 40, 1 / 3, { role: "web" }),
        server("db-01", 40, 1 / 3, { role: "db" }),
      ]),
    ]),
  },
};

interface Scenario {
  name: string;
  before: string;
  after: string;
  load?: { rps?: number; paths?: Record<string, number> };
  expect?: { gate?: string };
}

describe("plan of the drill scenarios", () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort();
  it("exist", () => expect(files.length).toBeGreaterThanOrEqual(6));

  for (const file of files) {
    const path = join(DIR, file);
    const text = readFileSync(path, "utf8");
    const scenario = parseYaml(text) as Scenario;
    const before = model(scenario.before, `${scenario.name}/before.cfg`);
    const after = model(scenario.after, `${scenario.name}/after.cfg`);
    const planOf = (options: PlanOptions = {}) => planChange(before, after, options);
    // The simulator with the scenario's own load and servers, as `lbguard plan --inventory` runs it.
    const simulated = () => {
      const { inventory } = readInventory(path, text);
      const traffic: TrafficInput = {};
      if (scenario.load?.rps !== undefined) traffic.rps = scenario.load.rps;
      if (scenario.load?.paths)
        traffic.requests = Object.entries(scenario.load.paths).map(([p, weight]) => ({
          method: "GET",
          path: p,
          weight,
        }));
      return {
        before: simulate(before, traffic, inventory, { failures: false }),
        after: simulate(after, traffic, inventory, { failures: false }),
      };
    };

    if (scenario.expect?.gate === "block") {
      const predicted = PREDICTED[scenario.name];
      if (predicted) {
        it(`${scenario.name}: medium from the configuration, high with the predicted traffic`, () => {
          expect(planOf().overall).toBe("medium");
          const p = planOf(predicted);
          expect(p.overall).toBe("high");
          const high = p.changes.flatMap((c) => c.reasons).filter((r) => r.risk === "high");
          expect(high.map((r) => r.code)).toEqual(
            expect.arrayContaining([expect.stringMatching(/^(over-capacity|traffic-to-non-web)$/)]),
          );
        });
      } else {
        it(`${scenario.name}: high from the configuration alone`, () => {
          expect(planOf().overall).toBe("high");
        });
      }
      it(`${scenario.name}: high with the simulator's prediction`, () => {
        expect(planOf(simulated()).overall).toBe("high");
      });
    }
    if (scenario.expect?.gate === "pass") {
      it(`${scenario.name}: not high, with or without a prediction`, () => {
        expect(planOf().overall).not.toBe("high");
        expect(planOf(simulated()).overall).not.toBe("high");
      });
    }
  }

  it("names the concrete reasons of the seed outages", () => {
    const reasonsOf = (name: string) => {
      const scenario = parseYaml(readFileSync(join(DIR, `${name}.yaml`), "utf8")) as Scenario;
      const p = planChange(
        model(scenario.before, "before.cfg"),
        model(scenario.after, "after.cfg"),
        PREDICTED[name] ?? {},
      );
      return p.changes.flatMap((c) => c.reasons.filter((r) => r.risk === "high").map((r) => r.message));
    };
    expect(reasonsOf("seed-000-routes-lost")).toContain(
      "every server of web moves at once: none is known to answer at its new address",
    );
    expect(reasonsOf("seed-001-misrouted")).toEqual([
      "use_backend api now matches every request: no traffic reaches default backend web",
    ]);
    expect(reasonsOf("seed-002-one-server-overloaded")).toEqual([
      "web-01 at 158 req/s, over its capacity of 120 (132%)",
    ]);
    expect(reasonsOf("seed-003-database-in-pool")).toEqual([
      "db-01 is a db server (inventory) and gets 40 req/s (33%)",
    ]);
    expect(reasonsOf("seed-004-maintenance-leftover")).toEqual([
      "web-03 has no health check: if nothing answers at 127.0.10.4:8081, its 33% share of requests fails",
    ]);
  });
});
