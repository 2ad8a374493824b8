import type { Proxy } from "../model/proxy.js";
import type { Server } from "../model/server.js";
import { serverRole } from "../rules/semantics/server-pool.js";

/** Servers that can take traffic at all: active ones and backups (not disabled, not weight 0). */
export function usableServers(backend: Proxy): Server[] {
  return backend.servers.filter((s) => serverRole(s) !== "off");
}

/**
 * Each server's share of the backend's requests as its weight decides it, when every server is
 * up: active servers share by weight; backups take nothing unless no server is active, then the
 * first backup takes everything (all of them by weight with `option allbackups`). Undefined for
 * `balance first`, which fills servers in order and ignores weights. This is the static estimate
 * the plan uses when no traffic prediction is given.
 */
export function weightShares(backend: Proxy): Map<string, number> | undefined {
  if (backend.balance.value.algorithm === "first") return undefined;
  const shares = new Map<string, number>();
  for (const s of backend.servers) shares.set(s.name, 0);
  let pool = backend.servers.filter((s) => serverRole(s) === "active");
  if (pool.length === 0) {
    const backups = backend.servers.filter((s) => serverRole(s) === "backup");
    pool = backend.options.allbackups?.value ? backups : backups.slice(0, 1);
  }
  let total = 0;
  for (const s of pool) total += s.settings.weight.value;
  for (const s of pool) shares.set(s.name, total > 0 ? s.settings.weight.value / total : 1 / pool.length);
  return shares;
}
