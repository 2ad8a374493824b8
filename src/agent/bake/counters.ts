import type { StatRow, StatSnapshot } from "../../haproxy/runtime/stat-row.js";

/** The cumulative counters of one `show stat` row, or a difference between two of them. */
export type Counters = Pick<StatRow, (typeof SCALARS)[number] | "responses">;

/** Counters added up between two snapshots, keyed by `proxy/name`, over `ms` milliseconds. */
export interface CounterSpan {
  /** When the span starts and ends, on the snapshots' clock. */
  from: number;
  to: number;
  ms: number;
  counters: Map<string, Counters>;
}

const SCALARS = [
  "sessionsTotal",
  "requestsTotal",
  "requestErrors",
  "connectionErrors",
  "responseErrors",
  "retries",
  "denied",
  "picked",
  "checkDowns",
] as const;
const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"] as const;

/** The key a row is known by across snapshots: `proxy/name`, e.g. `web/web-01` or `www/FRONTEND`. */
export function rowKey(row: Pick<StatRow, "proxy" | "name">): string {
  return `${row.proxy}/${row.name}`;
}

/** The rows of a snapshot keyed by `proxy/name`. */
export function indexRows(snapshot: StatSnapshot): Map<string, StatRow> {
  return new Map(snapshot.rows.map((row) => [rowKey(row), row]));
}

/** All counters at zero. */
export function zeroCounters(): Counters {
  return {
    sessionsTotal: 0,
    requestsTotal: 0,
    responses: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, other: 0 },
    requestErrors: 0,
    connectionErrors: 0,
    responseErrors: 0,
    retries: 0,
    denied: 0,
    picked: 0,
    checkDowns: 0,
  };
}

/** The counters of one row, copied so that adding to them leaves the row alone. */
export function countersOf(row: StatRow): Counters {
  return addCounters(zeroCounters(), row);
}

/** Adds `more` into `into` and returns `into`. */
export function addCounters(into: Counters, more: Counters): Counters {
  for (const name of SCALARS) into[name] += more[name];
  for (const name of CLASSES) into.responses[name] += more.responses[name];
  return into;
}

function anyCounterWentDown(later: Counters, earlier: Counters): boolean {
  return (
    SCALARS.some((name) => later[name] < earlier[name]) ||
    CLASSES.some((name) => later.responses[name] < earlier.responses[name])
  );
}

/**
 * Tells whether HAProxy restarted its counters between two snapshots, which a reload does: a new
 * worker starts every counter from zero. Any counter of any row present in both that went down
 * marks the whole pair, because one worker answers for every row at once and a small counter of
 * the new worker may already have overtaken its old value by the next sample.
 */
export function isReset(earlier: StatSnapshot, later: StatSnapshot): boolean {
  const before = indexRows(earlier);
  return later.rows.some((row) => {
    const old = before.get(rowKey(row));
    return old !== undefined && anyCounterWentDown(row, old);
  });
}

/**
 * The counters each row of `later` gained since `earlier`, keyed by `proxy/name`. After a reset
 * (see {@link isReset}), and for a row `earlier` lacks, the new values are the deltas; a row
 * `later` lacks has none.
 */
export function deltasBetween(earlier: StatSnapshot, later: StatSnapshot): Map<string, Counters> {
  const reset = isReset(earlier, later);
  const before = indexRows(earlier);
  const deltas = new Map<string, Counters>();
  for (const row of later.rows) {
    const key = rowKey(row);
    const old = reset ? undefined : before.get(key);
    const delta = countersOf(row);
    if (old !== undefined) {
      for (const name of SCALARS) delta[name] -= old[name];
      for (const name of CLASSES) delta.responses[name] -= old.responses[name];
    }
    deltas.set(key, delta);
  }
  return deltas;
}

/**
 * Adds up the deltas of consecutive snapshots from `snapshots[start]` to the last one, so a
 * reset anywhere in between costs only the requests the old worker served after its last sample.
 * Snapshots are oldest first.
 */
export function spanOf(snapshots: readonly StatSnapshot[], start = 0): CounterSpan {
  const first = snapshots[start];
  const last = snapshots[snapshots.length - 1];
  const counters = new Map<string, Counters>();
  if (first === undefined || last === undefined) return { from: 0, to: 0, ms: 0, counters };
  for (let i = start + 1; i < snapshots.length; i++) {
    for (const [key, delta] of deltasBetween(
      snapshots[i - 1] as StatSnapshot,
      snapshots[i] as StatSnapshot,
    )) {
      const sum = counters.get(key);
      if (sum === undefined) counters.set(key, delta);
      else addCounters(sum, delta);
    }
  }
  return { from: first.at, to: last.at, ms: Math.max(0, last.at - first.at), counters };
}

/**
 * The index of the snapshot a window of `windowMs` ending at the last snapshot starts from: the
 * newest one at least `windowMs` older than the last, or the oldest when none is that old.
 */
export function windowStart(snapshots: readonly StatSnapshot[], windowMs: number): number {
  const last = snapshots[snapshots.length - 1];
  if (last === undefined) return 0;
  for (let i = snapshots.length - 2; i >= 0; i--)
    if ((snapshots[i] as StatSnapshot).at <= last.at - windowMs) return i;
  return 0;
}

/** The counters of the last `windowMs` of `snapshots` (oldest first). */
export function lastWindow(snapshots: readonly StatSnapshot[], windowMs: number): CounterSpan {
  return spanOf(snapshots, windowStart(snapshots, windowMs));
}

/**
 * The requests a row counts: HTTP requests where there are any, sessions otherwise (TCP proxies,
 * and servers, whose `req_tot` HAProxy may leave empty).
 */
export function requestsOf(counters: Counters): number {
  return counters.requestsTotal > 0 ? counters.requestsTotal : counters.sessionsTotal;
}

/** `count` events over `ms` milliseconds as a rate per second; 0 over an empty span. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : 0;
}
