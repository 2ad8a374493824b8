import { type ClusterView, currentSample, isDown, isMaint, serversByBackend } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import type { AlertRuleMeta } from "./rule.js";
import { subjectOf } from "./rule.js";

/**
 * A backend with nothing left to send requests to: every request routed to it gets a 503.
 * Unlike server-down this includes servers in maintenance, because a backend emptied on purpose
 * still fails its clients.
 */
export const meta: AlertRuleMeta = {
  kind: "backend-unavailable",
  description:
    "A backend with no usable server in the node's latest sample: HAProxy marks the backend DOWN, or every one of its servers is DOWN or in MAINT. Every request routed there is answered 503.",
  unit: "servers",
  defaultSeverity: "critical",
  defaultForS: 0,
  params: {},
};

/** The backends without a usable server on each node now. */
export function evaluate(view: ClusterView, _rule: AlertRule): AlertCondition[] {
  const conditions: AlertCondition[] = [];
  for (const [node, samples] of view.samples) {
    const latest = currentSample(samples, view.now);
    if (latest === undefined) continue;
    const servers = serversByBackend(latest);
    for (const row of latest.rows) {
      if (row.kind !== "backend") continue;
      const pool = servers.get(row.proxy) ?? [];
      const down = pool.filter((s) => isDown(s.status)).length;
      const maint = pool.filter((s) => isMaint(s.status)).length;
      const allOut = pool.length > 0 && down + maint === pool.length;
      if (!isDown(row.status) && !allOut) continue;
      const labels = { node, backend: row.proxy };
      conditions.push({
        labels,
        value: pool.length - down - maint,
        threshold: 1,
        unit: "servers",
        summary:
          `${subjectOf(labels)} has no usable server (status ${row.status}; ` +
          `${down} of ${pool.length} servers DOWN, ${maint} in MAINT): every request routed to it fails.`,
      });
    }
  }
  return conditions;
}
