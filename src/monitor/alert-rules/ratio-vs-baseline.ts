import { type ClusterView, percentOf, type RowTotals, rowKey, windowTotals } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import { type AlertParam, type AlertRuleMeta, fixed, paramsOf, seconds, subjectOf } from "./rule.js";

/** What a ratio rule counts as bad, on which rows, and how it says so. */
export interface RatioSpec {
  kinds: readonly ("frontend" | "backend")[];
  bad(row: RowTotals): number;
  /** The failure in words, completing `N% of M requests …`, e.g. `were answered 5xx`. */
  what(row: RowTotals): string;
  /** Whether the limit stops rising with the baseline at the rule's `maxPct`. */
  capped: boolean;
}

/**
 * The parameters {@link ratioConditions} reads, with the defaults a ratio rule gives its limit:
 * `minPct` and `factor`, and `maxPct` for a rule whose limit is capped.
 */
export function ratioParams(limit: {
  minPct: number;
  factor: number;
  maxPct?: number;
}): Record<string, AlertParam> {
  return {
    windowS: { default: 30, description: "The window the ratio is measured over, in seconds." },
    baselineS: {
      default: 300,
      description: "The span before the window whose ratio is the baseline, in seconds.",
    },
    minRequests: {
      default: 20,
      description:
        "The fewest requests the window must hold to be judged; a baseline with fewer counts as 0%.",
    },
    minPct: { default: limit.minPct, description: "The lowest limit, in percent of requests." },
    factor: { default: limit.factor, description: "How many times the baseline ratio the limit is." },
    ...(limit.maxPct === undefined
      ? {}
      : {
          maxPct: {
            default: limit.maxPct,
            description: "The highest the limit rises with the baseline, in percent of requests.",
          },
        }),
  };
}

/**
 * The rows whose bad ratio over the last `windowS` is above `max(minPct, baseline × factor)`,
 * the baseline being the ratio over the `baselineS` before the window (capped at `maxPct` when
 * the spec says so). A window needs
 * `minRequests` requests to be judged, and a baseline as many to count; a thinner baseline is
 * taken as zero, so the limit is `minPct`.
 */
export function ratioConditions(
  view: ClusterView,
  rule: AlertRule,
  meta: AlertRuleMeta,
  spec: RatioSpec,
): AlertCondition[] {
  const p = paramsOf(meta, rule);
  const windowMs = (p.windowS ?? 0) * 1000;
  const baselineMs = (p.baselineS ?? 0) * 1000;
  const minRequests = p.minRequests ?? 0;
  const conditions: AlertCondition[] = [];
  for (const [node, samples] of view.samples) {
    const window = windowTotals(samples, view.now - windowMs, view.now);
    const base = windowTotals(samples, view.now - windowMs - baselineMs, view.now - windowMs);
    for (const row of window.rows.values()) {
      if (row.kind === "server" || !spec.kinds.includes(row.kind)) continue;
      if (row.requests < minRequests || row.requests === 0) continue;
      // Backends count errors beside responses, so the sum can pass the request count.
      const observed = Math.min(100, percentOf(spec.bad(row), row.requests));
      const before = base.rows.get(rowKey(row));
      const baseline =
        before === undefined || before.requests < Math.max(1, minRequests)
          ? 0
          : Math.min(100, percentOf(spec.bad(before), before.requests));
      const limit = Math.max(p.minPct ?? 0, baseline * (p.factor ?? 1));
      const threshold = spec.capped ? Math.min(p.maxPct ?? 100, limit) : limit;
      if (observed <= threshold) continue;
      const labels = row.kind === "frontend" ? { node, frontend: row.proxy } : { node, backend: row.proxy };
      conditions.push({
        labels,
        value: observed,
        threshold,
        unit: "%",
        summary:
          `${subjectOf(labels)}: ${fixed(observed)}% of ${row.requests} requests ${spec.what(row)} ` +
          `in the last ${seconds(windowMs / 1000)} (baseline ${fixed(baseline)}%, limit ${fixed(threshold)}%).`,
      });
    }
  }
  return conditions;
}
