import { describe, expect, it } from "vitest";
import type { Impact, Incident, TimelineKind } from "../../src/incidents/types.js";
import {
  impactFigures,
  orderIncidents,
  postmortemFileName,
  TIMELINE_KINDS,
  triggerText,
} from "../../web/src/data/incident-list.js";

function incident(id: number, fields: Partial<Incident> = {}): Incident {
  return {
    id,
    cluster: "web",
    title: `incident ${id}`,
    severity: "critical",
    state: "resolved",
    openedAt: "2026-11-21T10:00:00.000Z",
    openedBy: "control-plane",
    trigger: { kind: "manual", by: "alice", reason: "users report errors" },
    updatedAt: "2026-11-21T10:00:00.000Z",
    ...fields,
  };
}

describe("the incident list", () => {
  it("puts open incidents first, then the most recently opened", () => {
    const ordered = orderIncidents([
      incident(1, { openedAt: "2026-11-21T08:00:00.000Z" }),
      incident(2, { openedAt: "2026-11-21T09:00:00.000Z", state: "open" }),
      incident(3, { openedAt: "2026-11-21T11:00:00.000Z" }),
      incident(4, { openedAt: "2026-11-21T07:00:00.000Z", state: "open" }),
    ]);
    expect(ordered.map((i) => i.id)).toEqual([2, 4, 3, 1]);
  });

  it("says what opened each incident", () => {
    expect(
      triggerText({ kind: "alert", alert: 4, rule: "error-ratio", summary: "backend web: 42% 5xx" }),
    ).toBe("Alert #4 (error-ratio): backend web: 42% 5xx");
    expect(
      triggerText({
        kind: "rollback",
        node: "lb-1",
        apply: "apply-9",
        version: 7,
        detail: "5xx over the bake limit",
      }),
    ).toBe("Automatic rollback of version 7 on node lb-1 (apply-9): 5xx over the bake limit");
    expect(triggerText({ kind: "manual", by: "alice", reason: "users report errors" })).toBe(
      "Opened by alice: users report errors",
    );
  });
});

describe("the incident detail", () => {
  it("has a label and an icon for every timeline kind", () => {
    const kinds: TimelineKind[] = [
      "change",
      "review",
      "apply",
      "detection",
      "alert",
      "rollback",
      "notification",
      "note",
      "incident",
      "resolution",
    ];
    for (const kind of kinds) {
      expect(TIMELINE_KINDS[kind].label.length).toBeGreaterThan(0);
      expect(TIMELINE_KINDS[kind].icon.length).toBeGreaterThan(0);
    }
    const labels = Object.values(TIMELINE_KINDS).map((k) => k.label);
    expect(new Set(labels).size).toBe(labels.length);
  });

  it("prints the impact's headline figures", () => {
    const impact: Impact = {
      from: "2026-11-21T10:00:00.000Z",
      to: "2026-11-21T10:00:21.000Z",
      durationS: 21,
      requests: 12_480,
      failed: 1_310,
      failedPct: 10.4967,
      peakErrorPct: 48.25,
      affectedBackends: [],
      affectedServers: [],
    };
    expect(impactFigures(impact)).toEqual({
      failed: "10.5%",
      peak: "48.3%",
      requests: "1,310 of 12,480 requests failed",
    });
  });

  it("names the downloaded postmortem after its incident", () => {
    expect(postmortemFileName(12)).toBe("incident-12-postmortem.md");
  });
});
