import { defineRule } from "./rule.js";

/**
 * A web server the inventory lists appears in no backend: a machine meant to take traffic gets
 * none, usually because a change removed it or pointed its server line elsewhere.
 */
export default defineRule({
  meta: {
    id: "inventory-server-unused",
    severity: "warning",
    description: "A web server listed in the inventory is in no backend, so it receives no traffic.",
    messages: {
      unusedWebServer: "inventory web server '{name}' at {address} is in no backend: it receives no traffic",
    },
    hints: {
      unusedWebServer:
        "Add 'server {name} {address} check' to the backend it belongs to, or remove it from the inventory if it was retired.",
    },
    needsInventory: true,
  },
  create(context) {
    return {
      config(config) {
        const inventory = context.inventory;
        if (!inventory) return;
        const used = new Set<string>();
        for (const backend of config.backends) {
          for (const server of backend.servers) {
            used.add(`${server.address.host.toLowerCase()}:${server.address.port ?? ""}`);
          }
        }
        for (const entry of inventory.servers) {
          if (entry.role !== "web") continue;
          if (used.has(`${entry.host.toLowerCase()}:${entry.port ?? ""}`)) continue;
          // A server line may name the machine by its host name instead of its address.
          if (used.has(`${entry.name.toLowerCase()}:${entry.port ?? ""}`)) continue;
          context.report({
            messageId: "unusedWebServer",
            data: { name: entry.name, address: entry.address },
            span: entry.span,
          });
        }
      },
    };
  },
});
