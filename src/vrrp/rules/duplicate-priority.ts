import { defineVrrpRule } from "./vrrp-rule.js";

/**
 * Two nodes with the same priority. The election then falls to the nodes' IP addresses, so
 * which node takes the VIP first depends on addressing nobody looks at when changing the pair.
 * A pair file with this is refused while it is read; the rule covers pairs built elsewhere.
 */
export default defineVrrpRule({
  meta: {
    id: "vrrp/duplicate-priority",
    severity: "error",
    description: "Two nodes of the pair have the same priority.",
    messages: {
      duplicatePriority:
        "node '{node}' has priority {priority} like node '{other}': VRRP then elects by IP address, not by the order you chose",
    },
    hints: {
      duplicatePriority:
        "Give '{node}' a priority of its own (1 to 254), the highest to the node that should hold the VIP first.",
    },
  },
  check({ pair, source, report }) {
    const first = new Map<number, number>();
    pair.nodes.forEach((node, i) => {
      const earlier = first.get(node.priority);
      if (earlier === undefined) {
        first.set(node.priority, i);
        return;
      }
      const other = pair.nodes[earlier]!;
      report({
        messageId: "duplicatePriority",
        data: { node: node.name, priority: node.priority, other: other.name },
        span: source.nodePriorities[i] ?? source.document,
        related: [
          { message: `priority of '${other.name}'`, span: source.nodePriorities[earlier] ?? source.document },
        ],
      });
    });
  },
});
