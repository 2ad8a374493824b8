import { addRowCounters, ROW_COUNTERS } from "./row-counters.js";
import type { MetricSample, RowSample } from "./types.js";

/** How long one rollup covers. */
export const MINUTE_MS = 60_000;

/** The start of the minute `ms` falls in, in milliseconds. */
export function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

const TIMES = ["queueTimeMs", "responseTimeMs", "totalTimeMs"] as const;

/** One row of a minute being rolled up: its counters so far, its latest row, the times seen. */
interface RowRollup {
  sum: RowSample;
  last: RowSample;
  times: Record<(typeof TIMES)[number], number[]>;
}

/**
 * One node's raw samples rolled up by the minute they end in, oldest minute first: each rollup
 * starts at its minute, lasts the sum of its samples' intervals, and is a reset when any of them
 * was. Per row (kind, proxy, server) the counters are added up, the gauges are those of the last
 * sample in the minute that had the row, and the HAProxy times are the mean of the samples that
 * had one. Pure; the order of `samples` does not matter.
 */
export function rollupSamples(samples: MetricSample[]): MetricSample[] {
  const byMinute = new Map<number, MetricSample[]>();
  const ordered = [...samples].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const sample of ordered) {
    const minute = minuteOf(Date.parse(sample.at));
    byMinute.set(minute, [...(byMinute.get(minute) ?? []), sample]);
  }
  return [...byMinute.entries()]
    .sort(([a], [b]) => a - b)
    .map(([minute, group]) => rollupMinute(minute, group));
}

function rollupMinute(minute: number, group: MetricSample[]): MetricSample {
  const rows = new Map<string, RowRollup>();
  for (const sample of group) {
    for (const row of sample.rows) {
      const key = `${row.kind}\u0000${row.proxy}\u0000${row.server ?? ""}`;
      const seen = rows.get(key);
      const times = seen?.times ?? { queueTimeMs: [], responseTimeMs: [], totalTimeMs: [] };
      for (const name of TIMES) {
        const value = row[name];
        if (value !== undefined) times[name].push(value);
      }
      rows.set(key, { sum: seen ? addCounters(seen.sum, row) : row, last: row, times });
    }
  }
  return {
    node: group[0]?.node ?? "",
    at: new Date(minute).toISOString(),
    intervalMs: group.reduce((total, s) => total + s.intervalMs, 0),
    reset: group.some((s) => s.reset),
    rows: [...rows.values()].map(finish),
  };
}

function addCounters(a: RowSample, b: RowSample): RowSample {
  const sum: RowSample = { ...a, responses: { ...a.responses } };
  addRowCounters(sum, b);
  return sum;
}

/** The last row's gauges with the summed counters and the mean times. */
function finish({ sum, last, times }: RowRollup): RowSample {
  const row: RowSample = { ...last, responses: { ...sum.responses } };
  for (const name of ROW_COUNTERS) row[name] = sum[name];
  for (const name of TIMES) {
    const values = times[name];
    if (values.length > 0) row[name] = values.reduce((a, b) => a + b, 0) / values.length;
    else delete row[name];
  }
  return row;
}
