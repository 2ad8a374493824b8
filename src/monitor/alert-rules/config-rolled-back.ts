import type { RecordedEvent } from "../../incidents/types.js";
import type { ClusterView } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import { type AlertRuleMeta, latestPerNode, paramsOf } from "./rule.js";

/**
 * An agent put the last-known-good configuration back by itself. Its bake caught the symptom
 * within seconds, often before any traffic rule had waited long enough to fire; the team still
 * needs to hear that a change failed on live traffic, and which one.
 */
export const meta: AlertRuleMeta = {
  kind: "config-rolled-back",
  description:
    "True for `holdS` seconds after a node's agent rolled a change back on live traffic, as the events `node.applied` (status rolled-back), `agent.apply.rolled-back` or `agent.runtime.reverted` record it. The summary carries the breach the bake saw; the suspects put the rolled-back change first. The value is the seconds since.",
  unit: "s",
  defaultSeverity: "warning",
  defaultForS: 0,
  params: {
    holdS: { default: 300, description: "How long after the rollback the rule stays true, in seconds." },
  },
};

/** The nodes that rolled something back within the last `holdS` seconds, latest rollback each. */
export function evaluate(view: ClusterView, rule: AlertRule): AlertCondition[] {
  // The control plane's record says more (version, breach) than the agent's own step event.
  return latestPerNode(view, paramsOf(meta, rule).holdS ?? 0, describe, (e) => e.type === "node.applied");
}

/** What the event says was rolled back, or undefined when it is not a rollback. */
function describe(event: RecordedEvent): string | undefined {
  const detail = typeof event.data.detail === "string" && event.data.detail ? `: ${event.data.detail}` : "";
  if (event.type === "node.applied") {
    if (event.data.status !== "rolled-back") return undefined;
    const version =
      typeof event.data.version === "number" ? `version ${event.data.version}` : "a new version";
    return `rolled ${version} back on live traffic${detail}`;
  }
  if (event.type === "agent.apply.rolled-back") return `rolled a configuration back on live traffic${detail}`;
  if (event.type === "agent.runtime.reverted") return `reverted a runtime change on live traffic${detail}`;
  return undefined;
}
