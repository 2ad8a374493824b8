import { type ClusterView, currentSample, isDown, sampleTime } from "../cluster-view.js";
import type { AlertCondition, AlertRule, MetricSample } from "../types.js";
import { type AlertRuleMeta, seconds, subjectOf } from "./rule.js";

/**
 * A server its health checks took out of the pool. MAINT and DRAIN are left alone: an operator
 * or lbguard set them on purpose, and the change that did so is in the event log.
 */
export const meta: AlertRuleMeta = {
  kind: "server-down",
  description:
    "A server whose status is DOWN (its health checks fail) in the node's latest sample. MAINT and DRAIN are deliberate and do not count. The value is how long the server has been DOWN in the samples, in seconds.",
  unit: "s",
  defaultSeverity: "warning",
  defaultForS: 30,
  params: {},
};

/** The servers DOWN in each node's latest sample, with how long they have been. */
export function evaluate(view: ClusterView, _rule: AlertRule): AlertCondition[] {
  const conditions: AlertCondition[] = [];
  for (const [node, samples] of view.samples) {
    const latest = currentSample(samples, view.now);
    if (latest === undefined) continue;
    for (const row of latest.rows) {
      if (row.kind !== "server" || !isDown(row.status)) continue;
      const downFor = (view.now - downSince(samples, row.proxy, row.server ?? "")) / 1000;
      const labels = { node, backend: row.proxy, server: row.server ?? "" };
      const check = row.checkStatus ? ` (check: ${row.checkStatus})` : "";
      conditions.push({
        labels,
        value: Math.max(0, downFor),
        threshold: 0,
        unit: "s",
        summary: `${subjectOf(labels)} is ${row.status}${check}, for ${seconds(Math.max(0, downFor))} of samples.`,
      });
    }
  }
  return conditions;
}

/** When the server's unbroken run of DOWN samples, ending with the latest, began. */
function downSince(samples: readonly MetricSample[], backend: string, server: string): number {
  let since = Number.NaN;
  for (let i = samples.length - 1; i >= 0; i--) {
    const sample = samples[i] as MetricSample;
    const row = sample.rows.find((r) => r.kind === "server" && r.proxy === backend && r.server === server);
    if (row === undefined || !isDown(row.status)) break;
    since = sampleTime(sample);
  }
  return since;
}
