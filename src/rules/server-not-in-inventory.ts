import type { InventoryServer } from "../inventory/inventory.js";
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
    // Built once: the first entry at each address and on each host, as a scan in file order
    // would find them.
    const byAddress = new Map<string, InventoryServer>();
    const byHost = new Map<string, InventoryServer>();
    for (const entry of inventory?.servers ?? []) {
      const key = `${entry.host}|${entry.port ?? ""}`;
      if (!byAddress.has(key)) byAddress.set(key, entry);
      if (!byHost.has(entry.host)) byHost.set(entry.host, entry);
    }
    return {
      server(server, backend) {
        if (!inventory || server.address.kind === "unix") return;
        const { host, port } = server.address;
        if (byAddress.has(`${host}|${port ?? ""}`)) return;
        const data = { backend: backend.name, server: server.name, address: server.address.text };
        const sameHost = byHost.get(host);
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
