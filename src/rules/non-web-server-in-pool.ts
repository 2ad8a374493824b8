import { indexInventory } from "../inventory/inventory-index.js";
import { defineRule } from "./rule.js";

/**
 * An HTTP pool holds a machine the inventory says is not a web server, such as a database:
 * every request sent to it fails, and the traffic may hurt the machine's real job.
 */
export default defineRule({
  meta: {
    id: "non-web-server-in-pool",
    severity: "error",
    description: "A server in an HTTP backend is a machine the inventory lists with a role other than web.",
    messages: {
      nonWebServer:
        "server {backend}/{server} at {address} is inventory server '{name}', whose role is '{role}', not web: HTTP requests sent there fail",
    },
    hints: {
      nonWebServer:
        "Remove the server from backend '{backend}' or point it at a web server's address; if '{name}' really serves HTTP, set its role to web in the inventory.",
    },
    needsInventory: true,
  },
  create(context) {
    const index = indexInventory(context.inventory);
    return {
      server(server, backend) {
        if (backend.mode.value !== "http") return;
        const entry = index.at(server.address);
        if (!entry || entry.role === "web") return;
        context.report({
          messageId: "nonWebServer",
          data: {
            backend: backend.name,
            server: server.name,
            address: server.address.text,
            name: entry.name,
            role: entry.role,
          },
          span: server.address.span,
          // 'other' machines may still answer HTTP (an internal API, a cache); a database never does.
          ...(entry.role === "other" ? { severity: "warning" as const } : {}),
        });
      },
    };
  },
});
