import { describe, expect, it } from "vitest";
import { DEFAULT_ALERT_RULES } from "../../src/monitor/alert-config.js";
import { evaluateAlertRule } from "../../src/monitor/alert-rules/index.js";
import { stepAlerts, type TrackedAlert } from "../../src/monitor/alert-state.js";
import type { MetricSample } from "../../src/monitor/types.js";
import { series, viewOf } from "./alert-fixtures.js";

/**
 * The requirement the imbalance defaults are tuned for: two servers of equal weight at 100 req/s,
 * one set from weight 100 to 10 by hand on the runtime API, sampled once a second, must show
 * within about five seconds, and fire after the shipped two-second wait.
 */
describe("imbalance after a weight set by hand", () => {
  const CHANGE = 300;
  const RESTORE = 340;
  const weights = (s: number) =>
    s > CHANGE && s <= RESTORE ? { "web-01": 100, "web-02": 10 } : { "web-01": 100, "web-02": 100 };
  const all = series("lb-1", 0, 400, (s) => ({ weights: weights(s) }));
  const rule = DEFAULT_ALERT_RULES.find((r) => r.name === "imbalance");

  function run(until: number) {
    let open: TrackedAlert[] = [];
    const seen: { second: number; kind: string; server?: string }[] = [];
    for (let s = CHANGE - 20; s <= until; s++) {
      const samples: MetricSample[] = all.slice(0, s + 1);
      const view = viewOf({ "lb-1": samples }, s);
      const conditions = evaluateAlertRule(view, rule!);
      const step = stepAlerts({
        cluster: "shop",
        open,
        rules: DEFAULT_ALERT_RULES,
        conditions: new Map([["imbalance", conditions]]),
        now: view.now,
      });
      open = step.open;
      for (const t of step.transitions)
        if (t.kind !== "updated") seen.push({ second: s, kind: t.kind, server: t.alert.labels.server });
    }
    return seen;
  }

  it("opens within 5 s of samples and fires 2 s later, naming the server whose weight fell", () => {
    const seen = run(CHANGE + 10);
    expect(seen[0]?.kind).toBe("pending");
    expect(seen[0]!.second - CHANGE).toBeLessThanOrEqual(5);
    expect(seen[1]?.kind).toBe("fired");
    expect(seen[1]!.second - seen[0]!.second).toBe(2);
    expect(seen.map((t) => t.server)).toEqual(["web-02", "web-02"]);
  });

  it("resolves once the weight is set back and the window holds even traffic again", () => {
    const seen = run(RESTORE + 15);
    expect(seen.map((t) => t.kind)).toEqual(["pending", "fired", "resolved"]);
    expect(seen[2]!.second - RESTORE).toBeLessThanOrEqual(10);
  });
});
