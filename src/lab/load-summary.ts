import type { RequestRecord } from "./load-generator.js";

/** Latency percentiles of a load run, in milliseconds; null when no request was measured. */
export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** What a load run amounted to, over the whole run or a window of it. */
export interface LoadSummary {
  /** Requests sent in the window. */
  requests: number;
  /** Requests that got a 2xx or 3xx answer. */
  succeeded: number;
  /** Requests that failed: a transport error, a timeout, or any status other than 2xx/3xx. */
  failed: number;
  /** Outcomes by status code (`"200"`) or, for requests that got no answer, by error (`"timeout"`, `"ECONNREFUSED"`). */
  byStatus: Record<string, number>;
  /**
   * Latency of the requests that were answered (whatever the status) or timed out. Connection
   * errors are left out: a refused connection takes no time and would make a failing service
   * look fast.
   */
  latencyMs: LatencySummary;
  /** Requests by the server named in their `x-served-by` answer header. */
  servedBy: Record<string, number>;
  /** Requests sent per second over the window. */
  achievedRps: number;
}

/** The part of a load run to summarise, as clock values (ms) compared with `sentAt`. */
export interface SummaryWindow {
  /** First send time included (default: the first request). */
  from?: number;
  /** Send times from here on are left out (default: none). */
  to?: number;
}

/** The error recorded for a request a timeout ended. */
export const TIMEOUT_ERROR = "timeout";

/**
 * True when the request failed: it got no answer (a transport error or a timeout) or an
 * answer with a status outside 2xx and 3xx.
 */
export function isFailure(record: RequestRecord): boolean {
  return record.status === undefined || record.status < 200 || record.status >= 400;
}

/**
 * The `p`-th percentile (0 < p <= 100) of ascending values by the nearest-rank method: the
 * smallest value with at least p% of the values at or below it, always one of the values.
 * Null for no values.
 */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

/** The percentiles the reports show, of values in any order. */
export function latencySummary(values: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const list = Array.from(sorted);
  return {
    p50: percentile(list, 50),
    p95: percentile(list, 95),
    p99: percentile(list, 99),
    max: list.length > 0 ? (list[list.length - 1] ?? null) : null,
  };
}

/**
 * Summarises the records of a load run whose send time falls in the window: counts by outcome
 * and by server, latency percentiles and the rate requests were sent at. Pure.
 */
export function summarizeLoad(records: readonly RequestRecord[], window: SummaryWindow = {}): LoadSummary {
  const inWindow = records.filter(
    (r) =>
      (window.from === undefined || r.sentAt >= window.from) &&
      (window.to === undefined || r.sentAt < window.to),
  );
  const byStatus: Record<string, number> = {};
  const servedBy: Record<string, number> = {};
  const latencies: number[] = [];
  let failed = 0;
  for (const record of inWindow) {
    const key = record.status !== undefined ? String(record.status) : (record.error ?? "error");
    byStatus[key] = (byStatus[key] ?? 0) + 1;
    if (record.servedBy !== undefined) servedBy[record.servedBy] = (servedBy[record.servedBy] ?? 0) + 1;
    if (isFailure(record)) failed += 1;
    if (record.status !== undefined || record.error === TIMEOUT_ERROR) latencies.push(record.latencyMs);
  }
  return {
    requests: inWindow.length,
    succeeded: inWindow.length - failed,
    failed,
    byStatus,
    latencyMs: latencySummary(latencies),
    servedBy,
    achievedRps: sendRate(inWindow, window),
  };
}

/**
 * Requests per second. With both ends of the window given, the count over its length; otherwise
 * n requests span n-1 intervals from the first send to the last, which is exact for a steady
 * sender and does not count the tail after the last send.
 */
function sendRate(records: readonly RequestRecord[], window: SummaryWindow): number {
  const n = records.length;
  if (window.from !== undefined && window.to !== undefined) {
    return window.to > window.from ? (n * 1000) / (window.to - window.from) : 0;
  }
  if (n < 2) return 0;
  let first = Infinity;
  let last = -Infinity;
  for (const r of records) {
    first = Math.min(first, r.sentAt);
    last = Math.max(last, r.sentAt);
  }
  return last > first ? ((n - 1) * 1000) / (last - first) : 0;
}
