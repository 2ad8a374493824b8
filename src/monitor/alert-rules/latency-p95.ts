import { type ClusterView, windowSamples } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import { type AlertRuleMeta, fixed, paramsOf, seconds, subjectOf } from "./rule.js";

/**
 * Slow backends. HAProxy does not publish percentiles, only `rtime`, the average response time
 * of a backend's last 1024 requests; the rule takes the 95th percentile of those averages across
 * the window's samples, so it sees a backend that stays slow, not the slow tail of one moment.
 */
export const meta: AlertRuleMeta = {
  kind: "latency-p95",
  description:
    "Per node and backend, the 95th percentile of the response time HAProxy reports in each sample over the last `windowS` seconds, above `maxMs`. HAProxy's figure is itself an average over the backend's last 1024 requests, so this is a percentile of averages: it catches a backend that stays slow, not a slow tail hidden under fast requests. Samples in which the backend had no requests are left out, since their average is left over from earlier traffic.",
  unit: "ms",
  defaultSeverity: "warning",
  defaultForS: 60,
  params: {
    windowS: { default: 60, description: "The window the percentile is taken over, in seconds." },
    maxMs: { default: 1000, description: "The response time above which the rule is true, in milliseconds." },
    minSamples: {
      default: 3,
      description: "The fewest samples with requests the window must hold to be judged.",
    },
  },
};

/** The backends whose response time, at the 95th percentile of the window's samples, is too high. */
export function evaluate(view: ClusterView, rule: AlertRule): AlertCondition[] {
  const p = paramsOf(meta, rule);
  const windowS = p.windowS ?? 0;
  const maxMs = p.maxMs ?? 0;
  const conditions: AlertCondition[] = [];
  for (const [node, samples] of view.samples) {
    const times = new Map<string, number[]>();
    for (const sample of windowSamples(samples, view.now - windowS * 1000, view.now)) {
      for (const row of sample.rows) {
        if (row.kind !== "backend" || row.requests === 0 || row.responseTimeMs === undefined) continue;
        const list = times.get(row.proxy);
        if (list === undefined) times.set(row.proxy, [row.responseTimeMs]);
        else list.push(row.responseTimeMs);
      }
    }
    for (const [backend, list] of times) {
      if (list.length < Math.max(1, p.minSamples ?? 0)) continue;
      const p95 = percentile(list, 95);
      if (p95 <= maxMs) continue;
      const labels = { node, backend };
      conditions.push({
        labels,
        value: p95,
        threshold: maxMs,
        unit: "ms",
        summary:
          `${subjectOf(labels)}: the 95th percentile of its response time over the last ${seconds(windowS)} ` +
          `is ${fixed(p95)} ms (limit ${fixed(maxMs)} ms, ${list.length} samples of HAProxy's 1024-request average).`,
      });
    }
  }
  return conditions;
}

/** The nearest-rank percentile: the smallest value at least `pct`% of the values do not exceed. */
export function percentile(values: readonly number[], pct: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((pct / 100) * sorted.length));
  return sorted[rank - 1] ?? 0;
}
