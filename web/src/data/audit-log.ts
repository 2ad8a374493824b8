// The audit page's list: the newest events first, a head that is polled and older pages loaded on
// demand, narrowed by actor and subject in the browser. Pure: no DOM, no fetch.
import type { AuditVerification, StoredEvent } from "../../../src/control/api-types.js";

/** Events fetched per request, for the polled head and for each "load older" page. */
export const EVENT_PAGE = 100;

/** Newest first, one entry per sequence number. */
function newestFirst(events: Iterable<StoredEvent>): StoredEvent[] {
  const bySeq = new Map<number, StoredEvent>();
  for (const event of events) bySeq.set(event.seq, event);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq);
}

/**
 * The list after a fresh poll of the newest page (`head`, newest first). A full head whose oldest
 * event is newer than everything shown may have skipped events in between (more than a page came
 * in since the last poll): the older pages are then dropped rather than shown with a silent gap.
 */
export function mergeHead(
  shown: readonly StoredEvent[],
  head: readonly StoredEvent[],
  pageSize = EVENT_PAGE,
): { events: StoredEvent[]; gap: boolean } {
  const newestShown = shown[0]?.seq;
  const oldestHead = head.at(-1)?.seq;
  const gap =
    head.length >= pageSize &&
    newestShown !== undefined &&
    oldestHead !== undefined &&
    oldestHead > newestShown;
  return { events: newestFirst(gap ? head : [...head, ...shown]), gap };
}

/** The list with an older page (newest first, loaded with `before`) added below. */
export function appendOlder(shown: readonly StoredEvent[], older: readonly StoredEvent[]): StoredEvent[] {
  return newestFirst([...shown, ...older]);
}

/** What the reader narrows the loaded events by; empty texts match everything. */
export interface EventTextFilter {
  actor: string;
  subject: string;
}

/** The events whose actor and subject contain the texts given, ignoring case. */
export function filterEvents(events: readonly StoredEvent[], filter: EventTextFilter): StoredEvent[] {
  const actor = filter.actor.trim().toLowerCase();
  const subject = filter.subject.trim().toLowerCase();
  return events.filter(
    (e) =>
      (actor === "" || e.actor.toLowerCase().includes(actor)) &&
      (subject === "" || (e.subject ?? "").toLowerCase().includes(subject)),
  );
}

/** One entry of the type filter: a family (`change`, every `change.*`) or an exact type. */
export interface TypeChoice {
  value: string;
  label: string;
}

/**
 * The type filter's entries for the types seen so far: each family, followed by its exact types,
 * sorted. The server takes either as `type` (docs/api.md).
 */
export function typeChoices(seen: Iterable<string>): TypeChoice[] {
  const families = new Map<string, Set<string>>();
  for (const type of seen) {
    const family = type.split(".")[0] ?? type;
    const members = families.get(family) ?? new Set<string>();
    members.add(type);
    families.set(family, members);
  }
  const choices: TypeChoice[] = [];
  for (const family of [...families.keys()].sort()) {
    choices.push({ value: family, label: `${family}.* (every ${family} event)` });
    for (const type of [...(families.get(family) ?? [])].sort()) {
      if (type !== family) choices.push({ value: type, label: type });
    }
  }
  return choices;
}

/** The verification as one sentence, and whether it is good news. */
export function verificationText(result: AuditVerification): { ok: boolean; text: string } {
  if (result.ok) {
    return { ok: true, text: `The hash chain is intact: all ${result.checked} events check out.` };
  }
  if (!result.broken)
    return { ok: false, text: `The hash chain is broken (${result.checked} events checked).` };
  return {
    ok: false,
    text: `The hash chain is broken at event #${result.broken.seq}: ${result.broken.reason}. The ${result.checked} events before it check out.`,
  };
}

/** The page that shows what an event's subject names (`change:12` → `/changes/12`), when there is one. */
export function subjectPath(subject: string | undefined): string | undefined {
  const match = /^(change|incident|alert):(\d+)$/.exec(subject ?? "");
  if (!match) return undefined;
  const page = { change: "/changes", incident: "/incidents", alert: "/alerts" }[match[1] as "change"];
  return `${page}/${match[2]}`;
}

/** A one-line glimpse of an event's data for the collapsed row: its first fields, shortened. */
export function dataPreview(data: Record<string, unknown>, max = 90): string {
  const parts = Object.entries(data).map(([key, value]) => {
    const text = (JSON.stringify(value) as string | undefined) ?? String(value);
    return `${key}: ${text.length > 40 ? `${text.slice(0, 39)}…` : text}`;
  });
  if (parts.length === 0) return "no data";
  const line = parts.join(", ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
