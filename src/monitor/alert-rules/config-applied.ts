import type { RecordedEvent } from "../../incidents/types.js";
import type { ClusterView } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import { type AlertRuleMeta, latestPerNode, paramsOf } from "./rule.js";

/**
 * Not a problem: a marker that a node's configuration changed, so that whoever looks at an
 * alert nearby sees the change beside it, and a receiver can log deployments.
 */
export const meta: AlertRuleMeta = {
  kind: "config-applied",
  description:
    "Information: true for `holdS` seconds after a node took a new configuration, as the events `node.applied` (status promoted), `agent.apply.promoted` or `agent.runtime.kept` record it. The value is the seconds since.",
  unit: "s",
  defaultSeverity: "info",
  defaultForS: 0,
  params: {
    holdS: { default: 60, description: "How long after the change the rule stays true, in seconds." },
  },
};

/** The nodes that took a new configuration within the last `holdS` seconds, latest change each. */
export function evaluate(view: ClusterView, rule: AlertRule): AlertCondition[] {
  return latestPerNode(view, paramsOf(meta, rule).holdS ?? 0, describe);
}

/** What the event says was applied, or undefined when it is not an applied change. */
function describe(event: RecordedEvent): string | undefined {
  if (event.type === "node.applied") {
    if (event.data.status !== "promoted") return undefined;
    return typeof event.data.version === "number"
      ? `applied version ${event.data.version}`
      : "applied a new version";
  }
  if (event.type === "agent.apply.promoted") return "kept a new configuration after its bake";
  if (event.type === "agent.runtime.kept") return "kept a runtime change after its bake";
  return undefined;
}
