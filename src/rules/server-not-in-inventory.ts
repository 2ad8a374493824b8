import { indexInventory } from "../inventory/inventory-index.js";
import { defineRule } from "./rule.js";

/**
 * A pool server whose address the inventory does not list: a typo in an address or port, a
 * decommissioned host, or a change that points the pool where nothing listens.
 */
export default defineRule({
  meta: {
    id: "server-not-in-inventory",
    severity: "error",
    description: "A server's address is not in the inventory, so nothing known answers there.",
    messages: {
      unknownAddress: "server {backend}/{server} points at {address}, which is not in the inventory",
      wrongPort:
        "server {backend}/{server} points at {address}, but inventory server '{known}' listens on {knownAddress}",
    },
    hints: {
      unknownAddress:
        "Correct the address to one listed in the inventory, or add the machine to the inventory if it is new.",
      wrongPort: "Use {knownAddress}; a server on the wrong port fails every request it receives.",
    },
    needsInventory: true,
  },
  create(context) {
    const inventory = context.inventory;
    const index = indexInventory(inventory);
    return {
      server(server, backend) {
        if (!inventory || server.address.kind === "unix") return;
        if (index.at(server.address)) return;
        const data = { backend: backend.name, server: server.name, address: server.address.text };
        const sameHost = index.onHost(server.address.host);
        if (sameHost) {
          context.report({
            messageId: "wrongPort",
            data: { ...data, known: sameHost.name, knownAddress: sameHost.address },
            span: server.address.span,
          });
        } else {
          context.report({ messageId: "unknownAddress", data, span: server.address.span });
        }
      },
    };
  },
});
