import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluateChange } from "../../src/gate/evaluate-change.js";
import { readInventory } from "../../src/inventory/read-inventory.js";
import type { Plan } from "../../src/plan/types.js";
import { deltaText, planBars } from "../../web/src/data/plan-bars.js";

/** The README's example: web-03 added with a weight typo (web-01 at 100 against 10 and 10). */
async function exampleChange(rps: number) {
  const read = (path: string) => ({ path, text: readFileSync(path, "utf8") });
  const inventory = readInventory("examples/inventory.yaml", readFileSync("examples/inventory.yaml", "utf8"));
  const judged = await evaluateChange({
    before: [read("examples/change/before.cfg")],
    after: [read("examples/change/after.cfg")],
    inventory: inventory.inventory,
    traffic: { rps },
  });
  return judged.plan;
}

describe("plan bars", () => {
  it("puts the backend whose traffic moves first, with each server's shares, move and capacity", async () => {
    const bars = planBars(await exampleChange(400));
    expect(bars.map((b) => [b.backend, b.moved])).toEqual([
      ["web", true],
      ["api", false],
    ]);
    const web = bars[0]!;
    expect(web.beforeRps).toBeCloseTo(400, 5);
    expect(web.afterRps).toBeCloseTo(400, 5);
    const byName = new Map(web.servers.map((s) => [s.server, s]));

    // Weights 10/10 before, 100/10/10 after: web-01 goes from a half to 100/120 of the requests
    // (the simulator's sampled shares are within a few thousandths of that).
    const web01 = byName.get("web-01")!;
    expect(web01.before?.share).toBeCloseTo(0.5, 5);
    expect(web01.after?.share).toBeCloseTo(100 / 120, 3);
    expect(web01.deltaPoints).toBeCloseTo((100 / 120 - 0.5) * 100, 1);
    expect(web01.presence).toBe("kept");
    // Capacity 200 req/s of a backend at 400: the marker sits halfway along the after bar.
    expect(web01.capacityRps).toBe(200);
    expect(web01.capacityShare).toBeCloseTo(0.5, 5);
    expect(web01.capacityShareBefore).toBeCloseTo(0.5, 5);
    expect(web01.overCapacity).toBe(true);
    expect(web01.loadAfter).toBeCloseTo((400 * 100) / 120 / 200, 2);

    const web03 = byName.get("web-03")!;
    expect(web03.presence).toBe("added");
    expect(web03.before).toBeUndefined();
    expect(web03.deltaPoints).toBeCloseTo((10 / 120) * 100, 1);
    expect(web03.overCapacity).toBe(false);
    expect(web.largestMovePoints).toBeCloseTo(Math.abs(byName.get("web-02")!.deltaPoints), 5);
  });

  it("leaves the capacity marker off when the capacity is beyond the whole backend's rate", async () => {
    // At 100 req/s each server's 200 req/s capacity is more than the backend receives.
    const web = planBars(await exampleChange(100))[0]!;
    expect(
      web.servers.map((s) => [s.server, s.capacityShare, s.capacityShareBefore, s.overCapacity]),
    ).toEqual([
      ["web-01", undefined, undefined, false],
      ["web-02", undefined, undefined, false],
      ["web-03", undefined, undefined, false],
    ]);
  });

  it("shows the requests that find no server, and orders moved backends by their largest move", () => {
    const point = (share: number, rps: number) => ({ share, rps, state: "active" });
    const plan: Plan = {
      overall: "high",
      counts: { high: 1, medium: 0, low: 0 },
      changes: [],
      assumptions: [],
      traffic: [
        {
          backend: "small-move",
          before: { rps: 10, unservedShare: 0 },
          after: { rps: 10, unservedShare: 0 },
          servers: [
            { server: "a", before: point(0.5, 5), after: point(0.45, 4.5) },
            { server: "b", before: point(0.5, 5), after: point(0.55, 5.5) },
          ],
        },
        {
          backend: "emptied",
          before: { rps: 10, unservedShare: 0 },
          after: { rps: 10, unservedShare: 1 },
          servers: [{ server: "c", before: point(1, 10), after: { share: 0, rps: 0, state: "disabled" } }],
        },
      ],
    };
    const bars = planBars(plan);
    expect(bars.map((b) => b.backend)).toEqual(["emptied", "small-move"]);
    expect(bars[0]!.unserved).toEqual({ before: 0, after: 1 });
    expect(bars[1]!.unserved).toBeUndefined();
  });

  it("words a move in points with its sign", () => {
    expect(deltaText(33.33)).toBe("+33 pts");
    expect(deltaText(-12.4)).toBe("−12 pts");
    expect(deltaText(1.2)).toBe("+1 pt");
    expect(deltaText(0.7)).toBe("+1 pt");
    expect(deltaText(0.4)).toBe("±0 pts");
    expect(deltaText(-0.2)).toBe("±0 pts");
  });
});
