import type { Proxy } from "../model/proxy.js";
import type { Server } from "../model/server.js";
import { serverRole } from "../rules/semantics/server-pool.js";
import { buildPool, sharesByWeight } from "../simulate/pool.js";

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
  const pool = buildPool(backend);
  const shares = sharesByWeight(pool);
  return new Map(pool.servers.map((s) => [s.name, shares[s.index] ?? 0]));
}
