import { describe, expect, it } from "vitest";
import { fingerprintOf, stepAlerts, type TrackedAlert } from "../../src/monitor/alert-state.js";
import type { AlertCondition, AlertRule } from "../../src/monitor/types.js";
import { at, ruleOf } from "./alert-fixtures.js";

const WAIT = ruleOf("server-down", {}, { forS: 2 });
const AT_ONCE = ruleOf("backend-unavailable", {}, { forS: 0 });
const RULES: AlertRule[] = [WAIT, AT_ONCE];

function down(server: string, value = 1): AlertCondition {
  return {
    labels: { node: "lb-1", backend: "web", server },
    value,
    threshold: 0,
    unit: "s",
    summary: `server web/${server} on lb-1 is DOWN, for ${value} s of samples.`,
  };
}

/** Runs one round at second `s` with `found` as the server-down rule's conditions. */
function round(open: TrackedAlert[], s: number, found: AlertCondition[], rules = RULES) {
  return stepAlerts({
    cluster: "shop",
    open,
    rules,
    conditions: new Map([["server-down", found]]),
    now: at(s),
  });
}

describe("alert state machine", () => {
  it("waits forS as pending, then fires, updates quietly, and resolves when the condition goes", () => {
    const first = round([], 0, [down("web-02", 0)]);
    expect(first.transitions.map((t) => t.kind)).toEqual(["pending"]);
    expect(first.open[0]).toMatchObject({ state: "pending", activeAt: new Date(at(0)).toISOString() });
    expect(first.open[0]?.firedAt).toBeUndefined();

    const second = round(first.open, 1, [down("web-02", 1)]);
    expect(second.transitions.map((t) => [t.kind, t.alert.state])).toEqual([["updated", "pending"]]);

    const third = round(second.open, 2, [down("web-02", 2)]);
    expect(third.transitions.map((t) => t.kind)).toEqual(["fired"]);
    expect(third.open[0]).toMatchObject({
      state: "firing",
      activeAt: new Date(at(0)).toISOString(),
      firedAt: new Date(at(2)).toISOString(),
      value: 2,
    });

    const same = round(third.open, 3, [down("web-02", 2)]);
    expect(same.transitions).toEqual([]);
    const more = round(same.open, 4, [down("web-02", 4)]);
    expect(more.transitions.map((t) => [t.kind, t.alert.value])).toEqual([["updated", 4]]);

    const gone = round(more.open, 5, []);
    expect(gone.open).toEqual([]);
    expect(gone.transitions.map((t) => t.kind)).toEqual(["resolved"]);
    expect(gone.transitions[0]?.alert).toMatchObject({
      state: "resolved",
      firedAt: new Date(at(2)).toISOString(),
      resolvedAt: new Date(at(5)).toISOString(),
    });
  });

  it("fires at once when forS is 0", () => {
    const step = stepAlerts({
      cluster: "shop",
      open: [],
      rules: RULES,
      conditions: new Map([
        ["backend-unavailable", [{ ...down("x"), labels: { node: "lb-1", backend: "web" } }]],
      ]),
      now: at(0),
    });
    expect(step.transitions.map((t) => t.kind)).toEqual(["fired"]);
    expect(step.open[0]).toMatchObject({ state: "firing", firedAt: new Date(at(0)).toISOString() });
  });

  it("drops a pending alert whose condition went away, without resolving it", () => {
    const first = round([], 0, [down("web-02")]);
    const gone = round(first.open, 1, []);
    expect(gone.open).toEqual([]);
    expect(gone.transitions.map((t) => t.kind)).toEqual(["dropped"]);
    expect(gone.transitions[0]?.alert.firedAt).toBeUndefined();
  });

  it("keeps one open alert per fingerprint and tracks each subject apart", () => {
    const first = round([], 0, [down("web-02"), down("web-02", 5), down("web-03")]);
    expect(first.open.map((a) => a.labels.server)).toEqual(["web-02", "web-03"]);
    const next = round(first.open, 2, [down("web-03")]);
    expect(next.transitions.map((t) => [t.kind, t.alert.labels.server])).toEqual([
      ["dropped", "web-02"],
      ["fired", "web-03"],
    ]);
  });

  it("leaves a rule's alerts alone in a round that did not evaluate it", () => {
    const first = round([], 0, [down("web-02")]);
    const skipped = stepAlerts({
      cluster: "shop",
      open: first.open,
      rules: RULES,
      conditions: new Map(),
      now: at(9),
    });
    expect(skipped).toEqual({ open: first.open, transitions: [] });
  });

  it("ends the alerts of a rule that was disabled or removed", () => {
    let open = round([], 0, [down("web-02")]).open;
    open = round(open, 2, [down("web-02")]).open;
    const disabled = round(open, 3, [down("web-02")], [{ ...WAIT, enabled: false }, AT_ONCE]);
    expect(disabled.transitions.map((t) => t.kind)).toEqual(["resolved"]);
    const removed = round(open, 3, [down("web-02")], [AT_ONCE]);
    expect(removed.transitions.map((t) => t.kind)).toEqual(["resolved"]);
  });

  it("takes a rule's new severity for an open alert", () => {
    const open = round([], 0, [down("web-02")]).open;
    const next = round(open, 1, [down("web-02")], [{ ...WAIT, severity: "critical" }, AT_ONCE]);
    expect(next.transitions.map((t) => [t.kind, t.alert.severity])).toEqual([["updated", "critical"]]);
  });
});

describe("fingerprintOf", () => {
  it("is 16 hex digits, the same whatever the label order", () => {
    const a = fingerprintOf("shop", "imbalance", { node: "lb-1", backend: "web", server: "web-02" });
    const b = fingerprintOf("shop", "imbalance", { server: "web-02", backend: "web", node: "lb-1" });
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(b).toBe(a);
  });

  it("differs by cluster, rule and each label", () => {
    const labels = { node: "lb-1", backend: "web" };
    const base = fingerprintOf("shop", "error-ratio", labels);
    expect(fingerprintOf("blog", "error-ratio", labels)).not.toBe(base);
    expect(fingerprintOf("shop", "error-ratio-strict", labels)).not.toBe(base);
    expect(fingerprintOf("shop", "error-ratio", { ...labels, node: "lb-2" })).not.toBe(base);
    expect(fingerprintOf("shop", "error-ratio", { node: "lb-1", frontend: "web" })).not.toBe(base);
  });
});
