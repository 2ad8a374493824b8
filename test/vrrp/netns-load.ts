import { readFileSync } from "node:fs";

/** One request of netns-load-client.mjs, as it wrote it. */
export interface LoadRecord {
  /** Wall-clock milliseconds when it was sent and when it ended. */
  sent: number;
  done: number;
  /** Answered 2xx within the client's timeout. */
  ok: boolean;
  status?: number;
  /** The web server that answered (x-served-by). */
  by?: string;
  /** The load balancer that answered (x-lb). */
  lb?: string;
  /** The transport error (ECONNREFUSED, ECONNRESET, timeout, ...). */
  error?: string;
}

/** The finished requests in a load client's output file, in the order they ended. */
export function readLoad(file: string): LoadRecord[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line.startsWith('{"sent"'))
    .map((line) => JSON.parse(line) as LoadRecord);
}

/** The requests sent in [from, to). */
export function sentBetween(records: readonly LoadRecord[], from: number, to = Infinity): LoadRecord[] {
  return records.filter((r) => r.sent >= from && r.sent < to);
}

/** The requests that ended at or after `at`: those sent later, and those still in flight then. */
export function endedAfter(records: readonly LoadRecord[], at: number): LoadRecord[] {
  return records.filter((r) => r.done >= at);
}

/**
 * Milliseconds from `since` (a failure injected) to the end of the first request sent after it
 * that succeeded: how long until the service answered again. Undefined when none did.
 */
export function serveAgainMs(records: readonly LoadRecord[], since: number): number | undefined {
  const ends = sentBetween(records, since)
    .filter((r) => r.ok)
    .map((r) => r.done);
  return ends.length === 0 ? undefined : Math.min(...ends) - since;
}

/** Milliseconds from `since` to the first success answered by load balancer `lb`. */
export function firstServedByMs(
  records: readonly LoadRecord[],
  since: number,
  lb: string,
): number | undefined {
  const ends = sentBetween(records, since)
    .filter((r) => r.ok && r.lb === lb)
    .map((r) => r.done);
  return ends.length === 0 ? undefined : Math.min(...ends) - since;
}

/** How many requests failed, and why, e.g. `{ ECONNREFUSED: 17 }`. */
export function failures(records: readonly LoadRecord[]): { count: number; reasons: Record<string, number> } {
  const reasons: Record<string, number> = {};
  let count = 0;
  for (const r of records) {
    if (r.ok) continue;
    count += 1;
    const reason = r.error ?? `HTTP ${r.status}`;
    reasons[reason] = (reasons[reason] ?? 0) + 1;
  }
  return { count, reasons };
}

/** The slowest successful request's duration in milliseconds (0 without any). */
export function slowestMs(records: readonly LoadRecord[]): number {
  return records.filter((r) => r.ok).reduce((worst, r) => Math.max(worst, r.done - r.sent), 0);
}
