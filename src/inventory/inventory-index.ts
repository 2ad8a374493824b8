import type { Address } from "../model/server.js";
import type { Inventory, InventoryServer } from "./inventory.js";

/** Looks inventory entries up by the address a server line names. */
export interface InventoryIndex {
  /** The first entry at this host and port, as a scan in file order would find it. */
  at(address: Pick<Address, "host" | "port">): InventoryServer | undefined;
  /** The first entry on this host, whatever its port. */
  onHost(host: string): InventoryServer | undefined;
}

/** Builds the lookup once per inventory; an absent inventory finds nothing. */
export function indexInventory(inventory: Inventory | undefined): InventoryIndex {
  const byAddress = new Map<string, InventoryServer>();
  const byHost = new Map<string, InventoryServer>();
  for (const entry of inventory?.servers ?? []) {
    const key = `${entry.host}|${entry.port ?? ""}`;
    if (!byAddress.has(key)) byAddress.set(key, entry);
    if (!byHost.has(entry.host)) byHost.set(entry.host, entry);
  }
  return {
    at: (address) => byAddress.get(`${address.host}|${address.port ?? ""}`),
    onHost: (host) => byHost.get(host),
  };
}
