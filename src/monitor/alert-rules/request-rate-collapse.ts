import { perSecond } from "../../agent/bake/counters.js";
import { type ClusterView, currentSample, rowKey, windowTotals } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import { type AlertRuleMeta, fixed, paramsOf, seconds, subjectOf } from "./rule.js";

/**
 * Traffic that stopped arriving: a bind lost, a frontend refusing connections, clients sent
 * elsewhere by a DNS or upstream change. No error counter moves when requests never come, so
 * only the rate against its own recent past shows it.
 */
export const meta: AlertRuleMeta = {
  kind: "request-rate-collapse",
  description:
    "Per node and frontend, the request rate over the last `windowS` seconds below `fraction` of the rate over the `baselineS` seconds before, when that baseline was at least `minBaselineRps`. A node that sends no samples is left to node-unreachable.",
  unit: "req/s",
  defaultSeverity: "critical",
  defaultForS: 15,
  params: {
    windowS: { default: 30, description: "The window the rate is measured over, in seconds." },
    baselineS: {
      default: 300,
      description: "The span before the window whose rate is the baseline, in seconds.",
    },
    fraction: {
      default: 0.3,
      description: "The share of the baseline rate (0 to 1) below which the rule is true.",
      max: 1,
    },
    minBaselineRps: {
      default: 5,
      description: "The lowest baseline rate, in requests per second, worth judging.",
    },
  },
};

/** The frontends receiving far fewer requests than they did just before. */
export function evaluate(view: ClusterView, rule: AlertRule): AlertCondition[] {
  const p = paramsOf(meta, rule);
  const windowS = p.windowS ?? 0;
  const baselineS = p.baselineS ?? 0;
  const fraction = p.fraction ?? 0;
  const conditions: AlertCondition[] = [];
  for (const [node, samples] of view.samples) {
    const latest = currentSample(samples, view.now);
    if (latest === undefined) continue;
    const from = view.now - windowS * 1000;
    const window = windowTotals(samples, from, view.now);
    const base = windowTotals(samples, from - baselineS * 1000, from);
    if (window.ms <= 0 || base.ms <= 0) continue;
    // Frontends of the running configuration only: one removed on purpose has no rate to lose.
    for (const row of latest.rows) {
      if (row.kind !== "frontend") continue;
      const key = rowKey(row);
      const baseline = perSecond(base.rows.get(key)?.requests ?? 0, base.ms);
      if (baseline < (p.minBaselineRps ?? 0)) continue;
      const rate = perSecond(window.rows.get(key)?.requests ?? 0, window.ms);
      const threshold = baseline * fraction;
      if (rate >= threshold) continue;
      const labels = { node, frontend: row.proxy };
      conditions.push({
        labels,
        value: rate,
        threshold,
        unit: "req/s",
        summary:
          `${subjectOf(labels)} received ${fixed(rate)} req/s over the last ${seconds(windowS)}, down from ` +
          `${fixed(baseline)} req/s over the ${seconds(baselineS)} before (limit ${fixed(threshold)} req/s).`,
      });
    }
  }
  return conditions;
}
