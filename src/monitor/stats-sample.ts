import {
  deltasBetween,
  isReset,
  requestsOf,
  rowKey,
  zeroCounters,
  type Counters,
} from "../agent/bake/counters.js";
import type { StatRow, StatSnapshot } from "../haproxy/runtime/stat-row.js";
import { addRowCounters } from "./row-counters.js";
import type { MetricSample, RowSample } from "./types.js";

/** What the caller knows about the interval beyond the two snapshots. */
export interface SampleHints {
  /**
   * HAProxy restarted its counters between the snapshots (the caller reloaded it). Needed
   * because the counters alone can miss it: a new worker that served more than the old one
   * had counted by its last snapshot shows no counter going down.
   */
  restarted?: boolean;
}

/**
 * One node's sample for the interval from `previous` to `current`: for each frontend, backend
 * and server (listeners are left out) the counters it gained, reset-corrected, and its gauges
 * as `current` shows them. Without `previous` it is the node's first sample: interval 0 and no
 * gains, only the gauges. Pure.
 */
export function sampleFrom(
  node: string,
  previous: StatSnapshot | undefined,
  current: StatSnapshot,
  hints: SampleHints = {},
): MetricSample {
  const reset = previous !== undefined && (hints.restarted === true || isReset(previous, current));
  // Against a snapshot without rows every counter counts whole, which is what a reset means.
  const base = previous === undefined ? current : reset ? { at: previous.at, rows: [] } : previous;
  const gains = deltasBetween(base, current);
  const rows: RowSample[] = [];
  for (const row of current.rows) {
    if (row.type === "listener") continue;
    rows.push(rowSample(row, row.type, gains.get(rowKey(row)) ?? zeroCounters()));
  }
  return {
    node,
    at: new Date(current.at).toISOString(),
    intervalMs: previous === undefined ? 0 : Math.max(0, current.at - previous.at),
    reset,
    rows,
  };
}

function rowSample(row: StatRow, kind: RowSample["kind"], gained: Counters): RowSample {
  const sample: RowSample = {
    kind,
    proxy: row.proxy,
    requests: requestsIn(row, gained),
    responses: { ...gained.responses },
    requestErrors: gained.requestErrors,
    connectionErrors: gained.connectionErrors,
    responseErrors: gained.responseErrors,
    retries: gained.retries,
    denied: gained.denied,
    picked: gained.picked,
    status: row.status,
    sessionsCurrent: row.sessionsCurrent,
    queueCurrent: row.queueCurrent,
  };
  if (kind === "server") sample.server = row.name;
  if (row.weight !== undefined) sample.weight = row.weight;
  if (row.queueTimeMs !== undefined) sample.queueTimeMs = row.queueTimeMs;
  if (row.responseTimeMs !== undefined) sample.responseTimeMs = row.responseTimeMs;
  if (row.totalTimeMs !== undefined) sample.totalTimeMs = row.totalTimeMs;
  if (row.checkStatus !== undefined) sample.checkStatus = row.checkStatus;
  if (row.address !== undefined) sample.address = row.address;
  return sample;
}

/**
 * The requests a row counted in an interval, by one counter per row: HTTP requests in HTTP
 * mode, sessions otherwise. Deciding by the gains instead (as the bake's `requestsOf` does)
 * would count a request twice over short intervals, since HAProxy counts its session when the
 * connection opens and the request only once it is read, which may fall in the next sample.
 */
function requestsIn(row: StatRow, gained: Counters): number {
  if (row.mode === undefined) return requestsOf(gained);
  return row.mode === "http" ? gained.requestsTotal : gained.sessionsTotal;
}

/**
 * `sample` with the gains of `late` added to its matching rows: what an old worker counted
 * after the reload that replaced it, while it finished the requests it still held. Rows the
 * sample lacks (a proxy the new configuration dropped) are left out. Pure.
 */
export function withLateGains(sample: MetricSample, late: readonly RowSample[]): MetricSample {
  if (late.length === 0) return sample;
  const key = (r: RowSample): string => `${r.kind}/${r.proxy}/${r.server ?? ""}`;
  const extra = new Map<string, RowSample[]>();
  for (const row of late) extra.set(key(row), [...(extra.get(key(row)) ?? []), row]);
  const rows = sample.rows.map((row) => {
    const more = extra.get(key(row));
    if (!more) return row;
    const sum: RowSample = { ...row, responses: { ...row.responses } };
    for (const m of more) addRowCounters(sum, m);
    return sum;
  });
  return { ...sample, rows };
}
