import { describe, expect, it } from "vitest";
import { ALERT_RULE_KINDS } from "../../src/monitor/alert-rules/index.js";
import { rollbackCommand } from "../../src/incidents/undo-commands.js";
import { ALERT_KINDS, type Alert, type Suspect } from "../../src/monitor/types.js";
import {
  activeFor,
  ALERT_UNITS,
  durationText,
  figureText,
  orderAlerts,
  rollbackMessage,
  stateSince,
  undoOffer,
} from "../../web/src/data/alert-list.js";

function alert(id: number, fields: Partial<Alert> = {}): Alert {
  return {
    id,
    fingerprint: `f${id}`,
    cluster: "web",
    rule: "error-ratio",
    kind: "error-ratio",
    severity: "critical",
    labels: { backend: "web" },
    state: "firing",
    value: 42,
    threshold: 5,
    summary: `alert ${id}`,
    activeAt: "2026-11-21T10:00:00.000Z",
    firedAt: "2026-11-21T10:00:10.000Z",
    suspects: [],
    ...fields,
  };
}

function suspect(fields: Partial<Suspect>): Suspect {
  return {
    kind: "version",
    ref: "version:7",
    at: "2026-11-21T09:59:00.000Z",
    actor: "alice",
    summary: 'version 7: "weights" by alice',
    touches: { servers: ["web/web-02"], backends: ["web"], frontends: [] },
    rollback: rollbackCommand("web", 6),
    score: 0.9,
    reasons: ["changed the weight of web/web-02"],
    ...fields,
  };
}

describe("the order alerts are listed in", () => {
  it("puts firing before pending before resolved, the most severe first, then the newest", () => {
    const ordered = orderAlerts(
      [
        alert(1, { state: "pending", severity: "critical" }),
        alert(2, { state: "firing", severity: "warning" }),
        alert(3, { state: "firing", severity: "critical", activeAt: "2026-11-21T09:00:00.000Z" }),
        alert(4, { state: "firing", severity: "critical", activeAt: "2026-11-21T11:00:00.000Z" }),
      ],
      [alert(5, { state: "resolved", severity: "critical", resolvedAt: "2026-11-21T10:05:00.000Z" })],
    );
    expect(ordered.map((a) => a.id)).toEqual([4, 3, 2, 1, 5]);
  });

  it("shows an alert found in both lists once, in its later state", () => {
    const ordered = orderAlerts(
      [alert(1, { state: "firing" })],
      [alert(1, { state: "resolved", resolvedAt: "2026-11-21T10:05:00.000Z" })],
    );
    expect(ordered).toHaveLength(1);
    expect(ordered[0]?.state).toBe("resolved");
    const fired = orderAlerts([alert(2, { state: "pending" })], [alert(2, { state: "firing" })]);
    expect(fired.map((a) => a.state)).toEqual(["firing"]);
  });
});

describe("alert times", () => {
  it("says durations the way people say them", () => {
    const at = (s: number) => new Date(Date.UTC(2026, 10, 21) + s * 1000).toISOString();
    expect(durationText(at(0), at(45))).toBe("45 s");
    expect(durationText(at(0), at(200))).toBe("3 min 20 s");
    expect(durationText(at(0), at(180))).toBe("3 min");
    expect(durationText(at(0), at(2 * 3600 + 5 * 60 + 9))).toBe("2 h 5 min");
    expect(durationText(at(0), at(3 * 86400 + 4 * 3600))).toBe("3 d 4 h");
    expect(durationText(at(10), at(0))).toBe("0 s");
  });

  it("measures an open alert up to now and a resolved one up to its resolution", () => {
    expect(activeFor(alert(1), "2026-11-21T10:01:30.000Z")).toBe("1 min 30 s");
    const resolved = alert(2, { state: "resolved", resolvedAt: "2026-11-21T10:00:40.000Z" });
    expect(activeFor(resolved, "2026-11-21T12:00:00.000Z")).toBe("40 s");
  });

  it("dates each state from when it began", () => {
    expect(stateSince(alert(1))).toBe("2026-11-21T10:00:10.000Z");
    expect(stateSince(alert(2, { state: "pending", firedAt: undefined }))).toBe("2026-11-21T10:00:00.000Z");
    expect(stateSince(alert(3, { state: "resolved", resolvedAt: "2026-11-21T10:09:00.000Z" }))).toBe(
      "2026-11-21T10:09:00.000Z",
    );
  });
});

describe("alert figures", () => {
  it("gives every kind its rule's unit", () => {
    for (const kind of ALERT_RULE_KINDS) expect(ALERT_UNITS[kind.meta.kind]).toBe(kind.meta.unit);
    expect(Object.keys(ALERT_UNITS).sort()).toEqual([...ALERT_KINDS].sort());
  });

  it("prints values with their unit", () => {
    expect(figureText("error-ratio", 42.46)).toBe("42.5%");
    expect(figureText("latency-p95", 350)).toBe("350 ms");
    expect(figureText("request-rate-collapse", 12.34)).toBe("12.3 req/s");
    expect(figureText("backend-unavailable", 2)).toBe("2 servers");
  });
});

describe("what undoes a suspect", () => {
  it("offers the Roll back button to the version before an applied version", () => {
    expect(undoOffer(suspect({}), 7)).toEqual({ kind: "roll-back", to: 6 });
    expect(undoOffer(suspect({ rollback: rollbackCommand(undefined, 3) }), 7)).toEqual({
      kind: "roll-back",
      to: 3,
    });
  });

  it("says a rollback is done when the cluster already runs that version", () => {
    expect(undoOffer(suspect({}), 6)).toEqual({ kind: "already-current", to: 6 });
  });

  it("shows the command of runtime operations, hand changes and versions without a known predecessor", () => {
    const runtime = suspect({
      kind: "runtime-operation",
      ref: "change:9",
      rollback: 'lbguard propose --cluster web --runtime weight=10 web/web-02 -m "undo"',
    });
    expect(undoOffer(runtime, 7)).toEqual({ kind: "command", command: runtime.rollback });
    const hand = suspect({
      kind: "hand-change",
      ref: "node:web/lb-2",
      rollback: "lbguard cluster policy --drift restore",
    });
    expect(undoOffer(hand, 7).kind).toBe("command");
    const unknown = suspect({ rollback: rollbackCommand("web", undefined) });
    expect(undoOffer(unknown, 7).kind).toBe("command");
    const local = suspect({ rollback: "lbguard apply /var/lib/lbguard/versions/apply-1" });
    expect(undoOffer(local, 7).kind).toBe("command");
  });

  it("writes why into the rollback's message", () => {
    expect(rollbackMessage(suspect({}), "alert #4 error-ratio")).toBe(
      'roll back version:7 (version 7: "weights" by alice): alert #4 error-ratio',
    );
  });
});
