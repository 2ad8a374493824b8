import type { ClusterView } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import { type AlertRuleMeta, paramsOf, seconds } from "./rule.js";

/**
 * Split brain: two or more nodes of the pair hold the VIP at once. Each answers ARP for it, so
 * clients and the router flip between them, connections break mid-request, and the health
 * script that should have put one of them in FAULT did not. Only fresh reports count: a node
 * whose agent went quiet may long since have let the VIP go.
 */
export const meta: AlertRuleMeta = {
  kind: "split-brain",
  description:
    "Two or more nodes of a cluster whose agents reported, within the last `freshS` seconds, that they hold the VIP (keepalived MASTER on each). The value is how many nodes hold it; resolved when at most one does.",
  unit: "nodes",
  defaultSeverity: "critical",
  defaultForS: 0,
  params: {
    freshS: {
      default: 10,
      description: "How old a node's VRRP report may be and still count, in seconds.",
    },
  },
};

/** One cluster-wide condition while more than one node holds the VIP. */
export function evaluate(view: ClusterView, rule: AlertRule): AlertCondition[] {
  const freshS = paramsOf(meta, rule).freshS ?? 0;
  const holders = view.nodes
    .filter((n) => n.vrrp?.holdsVip === true && view.now - n.vrrp.seenAt <= freshS * 1000)
    .map((n) => n.name)
    .sort();
  if (holders.length < 2) return [];
  return [
    {
      labels: {},
      value: holders.length,
      threshold: 1,
      unit: "nodes",
      summary: `${holders.length} nodes hold the VIP at once (${holders.join(", ")}), each as keepalived MASTER in the last ${seconds(freshS)}: split brain; check that the nodes see each other's VRRP adverts on the pair's interface and that the health check fails where HAProxy does not serve.`,
    },
  ];
}
