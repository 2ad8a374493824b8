import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/control/api-types.js";
import {
  appendOlder,
  dataPreview,
  filterEvents,
  mergeHead,
  subjectPath,
  typeChoices,
  verificationText,
} from "../../web/src/data/audit-log.js";

function event(seq: number, fields: Partial<StoredEvent> = {}): StoredEvent {
  return {
    seq,
    at: new Date(Date.UTC(2026, 10, 21, 10, 0, seq)).toISOString(),
    type: "change.proposed",
    actor: "alice",
    data: {},
    prevHash: "0".repeat(64),
    hash: "1".repeat(64),
    ...fields,
  };
}

const seqs = (events: StoredEvent[]) => events.map((e) => e.seq);

describe("the audit list's newest-first pages", () => {
  it("puts events that arrived since the last poll on top, once each", () => {
    const shown = [event(5), event(4), event(3)];
    const head = [event(7), event(6), event(5), event(4)];
    const merged = mergeHead(shown, head, 4);
    expect(seqs(merged.events)).toEqual([7, 6, 5, 4, 3]);
    expect(merged.gap).toBe(false);
  });

  it("drops the older pages when a full head skipped past everything shown", () => {
    const shown = [event(5), event(4), event(3)];
    const head = [event(12), event(11), event(10)];
    const merged = mergeHead(shown, head, 3);
    expect(seqs(merged.events)).toEqual([12, 11, 10]);
    expect(merged.gap).toBe(true);
  });

  it("keeps everything when a short head is newer than what is shown: nothing was skipped", () => {
    const merged = mergeHead([event(5), event(4)], [event(8), event(7)], 100);
    expect(seqs(merged.events)).toEqual([8, 7, 5, 4]);
    expect(merged.gap).toBe(false);
  });

  it("appends an older page below, newest first", () => {
    expect(seqs(appendOlder([event(9), event(8)], [event(7), event(3), event(8)]))).toEqual([9, 8, 7, 3]);
  });
});

describe("narrowing the loaded events", () => {
  const events = [
    event(1, { actor: "Alice", subject: "change:12" }),
    event(2, { actor: "bob", subject: "change:3" }),
    event(3, { actor: "control-plane" }),
  ];

  it("matches actor and subject texts anywhere, ignoring case and surrounding spaces", () => {
    expect(seqs(filterEvents(events, { actor: " alice ", subject: "" }))).toEqual([1]);
    expect(seqs(filterEvents(events, { actor: "", subject: "CHANGE:" }))).toEqual([1, 2]);
    expect(seqs(filterEvents(events, { actor: "b", subject: "change:3" }))).toEqual([2]);
  });

  it("lets an event without a subject through only when no subject is asked for", () => {
    expect(seqs(filterEvents(events, { actor: "", subject: "" }))).toEqual([1, 2, 3]);
    expect(seqs(filterEvents(events, { actor: "control", subject: "x" }))).toEqual([]);
  });
});

describe("the type filter's choices", () => {
  it("lists each family before its exact types, sorted, without duplicates", () => {
    const choices = typeChoices(["review.approved", "change.proposed", "change.applied", "change.proposed"]);
    expect(choices.map((c) => c.value)).toEqual([
      "change",
      "change.applied",
      "change.proposed",
      "review",
      "review.approved",
    ]);
    expect(choices[0]?.label).toContain("change.*");
  });

  it("does not repeat a type that has no dot as its own family's member", () => {
    expect(typeChoices(["bootstrap"]).map((c) => c.value)).toEqual(["bootstrap"]);
  });
});

describe("the verification line", () => {
  it("says the chain holds with the number of events checked", () => {
    const result = verificationText({ ok: true, checked: 42 });
    expect(result.ok).toBe(true);
    expect(result.text).toContain("42");
  });

  it("names the first broken event and why", () => {
    const result = verificationText({
      ok: false,
      checked: 17,
      broken: { seq: 9, reason: "its hash does not match its fields" },
    });
    expect(result.ok).toBe(false);
    expect(result.text).toBe(
      "The hash chain is broken at event #9: its hash does not match its fields. The 17 events before it check out.",
    );
  });
});

describe("event subjects and data", () => {
  it("links the subjects that have a page", () => {
    expect(subjectPath("change:12")).toBe("/changes/12");
    expect(subjectPath("incident:3")).toBe("/incidents/3");
    expect(subjectPath("alert:8")).toBe("/alerts/8");
    expect(subjectPath("node:web/lb-1")).toBeUndefined();
    expect(subjectPath(undefined)).toBeUndefined();
  });

  it("previews the data's first fields on one shortened line", () => {
    expect(dataPreview({})).toBe("no data");
    expect(dataPreview({ message: "tune weights", parent: 1 })).toBe('message: "tune weights", parent: 1');
    const long = dataPreview({ diff: "x".repeat(300), before: "y".repeat(300), after: "z".repeat(300) }, 60);
    expect(long.length).toBe(60);
    expect(long.startsWith(`diff: "${"x".repeat(38)}…, before:`)).toBe(true);
    expect(long.endsWith("…")).toBe(true);
  });
});
