import type { ClusterView } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import { type AlertRuleMeta, paramsOf, seconds, subjectOf } from "./rule.js";

/**
 * A node whose agent stopped reporting. The node may still balance traffic, but lbguard can no
 * longer see it, apply to it, or roll it back, and every other rule is blind there.
 */
export const meta: AlertRuleMeta = {
  kind: "node-unreachable",
  description:
    "A node whose agent has not reported for more than `afterS` seconds, has never reported, or reports that HAProxy is not running. The value is the seconds since it was last seen (0 when never).",
  unit: "s",
  defaultSeverity: "critical",
  defaultForS: 0,
  params: {
    afterS: {
      default: 15,
      description: "How long a node may stay silent before the rule is true, in seconds.",
    },
  },
};

/** The nodes silent for longer than `afterS`, those never heard from, and those whose HAProxy is down. */
export function evaluate(view: ClusterView, rule: AlertRule): AlertCondition[] {
  const afterS = paramsOf(meta, rule).afterS ?? 0;
  const conditions: AlertCondition[] = [];
  for (const node of view.nodes) {
    const labels = { node: node.name };
    if (node.lastSeenAt === undefined) {
      conditions.push({
        labels,
        value: 0,
        threshold: afterS,
        unit: "s",
        summary: `${subjectOf(labels)} has never reported to the control plane; start its agent.`,
      });
      continue;
    }
    const silentS = Math.max(0, (view.now - node.lastSeenAt) / 1000);
    if (silentS <= afterS && node.haproxy !== "down") continue;
    conditions.push({
      labels,
      value: silentS,
      threshold: afterS,
      unit: "s",
      summary:
        silentS > afterS
          ? `${subjectOf(labels)} has not reported for ${seconds(Math.round(silentS))} (limit ${seconds(afterS)}).`
          : `${subjectOf(labels)} reports that HAProxy is not running.`,
    });
  }
  return conditions;
}
