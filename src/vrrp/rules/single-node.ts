import { defineVrrpRule } from "./vrrp-rule.js";

/**
 * A pair file with one node: keepalived runs, but no other node can take the VIP over, so the
 * load balancer stays a single point of failure.
 */
export default defineVrrpRule({
  meta: {
    id: "vrrp/single-node",
    severity: "warning",
    description: "The pair has a single node, so nothing takes the VIP over when it fails.",
    messages: {
      singleNode:
        "the pair has a single node, '{node}': when its HAProxy or the machine fails, no other node takes the VIP {vip} over",
    },
    hints: {
      singleNode:
        "Add a second load-balancer node to 'nodes' (and to the cluster) with a lower priority, e.g. '{ name: lb-2, priority: 100 }'.",
    },
  },
  check({ pair, source, report }) {
    const only = pair.nodes[0];
    if (pair.nodes.length !== 1 || !only) return;
    report({
      messageId: "singleNode",
      data: { node: only.name, vip: pair.vip },
      span: source.nodeNames[0] ?? source.document,
    });
  },
});
