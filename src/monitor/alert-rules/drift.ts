import type { ClusterView } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import { type AlertRuleMeta, seconds, subjectOf } from "./rule.js";

/**
 * A node running something other than what was approved: haproxy.cfg edited on disk, or servers
 * changed by hand on the runtime API. Nothing reviewed it, and the next apply will undo it.
 */
export const meta: AlertRuleMeta = {
  kind: "drift",
  description:
    "A node that differs from its approved configuration, in the file (haproxy.cfg edited on disk), at runtime (weights or states set by hand) or in keepalived.conf (not the one rendered for the approved pair file). The value is how long it has differed, in seconds.",
  unit: "s",
  defaultSeverity: "warning",
  defaultForS: 0,
  params: {},
};

/** The nodes with drift, with how long and what differs. */
export function evaluate(view: ClusterView, _rule: AlertRule): AlertCondition[] {
  const conditions: AlertCondition[] = [];
  for (const node of view.nodes) {
    const drift = node.drift ?? [];
    if (drift.length === 0) continue;
    const since = Math.min(...drift.map((d) => Date.parse(d.since)).filter((t) => !Number.isNaN(t)));
    const forS = Number.isFinite(since) ? Math.max(0, (view.now - since) / 1000) : 0;
    const labels = { node: node.name };
    const kinds = drift.map((d) => d.kind).join(" and ");
    const runtime = drift.find((d) => d.kind === "runtime");
    const detail = runtime === undefined ? "" : `: ${runtime.diff.split("\n").filter(Boolean).join("; ")}`;
    conditions.push({
      labels,
      value: forS,
      threshold: 0,
      unit: "s",
      summary: `${subjectOf(labels)} differs from its approved configuration (${kinds}) for ${seconds(Math.round(forS))}${detail}.`,
    });
  }
  return conditions;
}
