import type { Proxy } from "../model/proxy.js";
import type { Server } from "../model/server.js";
import type { ServerState } from "./types.js";

/** One server as the balancing algorithms see it; `served` changes while traffic plays. */
export interface PoolServer {
  /** Position in declaration order. */
  index: number;
  name: string;
  /** HAProxy's numeric server id: `id N`, or the next free number in declaration order. */
  id: number;
  /** User weight (0..256). */
  weight: number;
  backup: boolean;
  /** True when HAProxy would send it new traffic at all (running, not in maintenance, weight > 0). */
  usable: boolean;
  state: ServerState;
  /** 0 means unlimited. */
  maxconn: number;
  /** Requests in flight on it right now. */
  served: number;
  server: Server;
}

/**
 * The servers of one backend and which of them HAProxy balances over: the usable active ones;
 * when there are none, the first usable backup, or every usable backup with `option allbackups`.
 */
export interface Pool {
  backend: Proxy;
  servers: PoolServer[];
  /** The servers that share the traffic, in declaration order. */
  inService: PoolServer[];
  /** True when the active servers are all unusable and backups serve. */
  onBackups: boolean;
}

/** Builds the pool of a backend with the servers named in `down` (as `backend/server`) out of service. */
export function buildPool(backend: Proxy, down: ReadonlySet<string> = new Set()): Pool {
  const ids = serverIds(backend.servers);
  const servers = backend.servers.map((server, index): PoolServer => {
    const s = server.settings;
    const weight = s.weight.value;
    const backup = s.backup.value;
    const state: ServerState = s.disabled.value
      ? "disabled"
      : down.has(`${backend.name}/${server.name}`)
        ? "down"
        : weight === 0
          ? "drained"
          : backup
            ? "backup"
            : "active";
    return {
      index,
      name: server.name,
      id: ids[index]!,
      weight,
      backup,
      usable: state === "active" || state === "backup",
      state,
      maxconn: s.maxconn?.value ?? 0,
      served: 0,
      server,
    };
  });
  const active = servers.filter((s) => s.usable && !s.backup);
  if (active.length > 0) {
    for (const s of servers) if (s.usable && s.backup) s.state = "standby";
    return { backend, servers, inService: active, onBackups: false };
  }
  const backups = servers.filter((s) => s.usable && s.backup);
  const allBackups = backend.options["allbackups"]?.value === true;
  const inService = allBackups ? backups : backups.slice(0, 1);
  for (const s of backups) if (!inService.includes(s)) s.state = "standby";
  return { backend, servers, inService, onBackups: inService.length > 0 };
}

/** True when the server has reached its `maxconn` and new requests must go elsewhere or wait. */
export function isFull(server: PoolServer): boolean {
  return server.maxconn > 0 && server.served >= server.maxconn;
}

/**
 * HAProxy numbers servers without an explicit `id` 1, 2, ... in declaration order, skipping the
 * numbers taken by explicit ids. The consistent-hash ring is placed by these numbers.
 */
function serverIds(servers: readonly Server[]): number[] {
  const explicit = servers.map((s) => {
    const value = s.settings.options["id"]?.value;
    const id = typeof value === "string" ? Number.parseInt(value, 10) : Number.NaN;
    return Number.isInteger(id) && id > 0 ? id : undefined;
  });
  const taken = new Set(explicit.filter((id): id is number => id !== undefined));
  let next = 1;
  return explicit.map((id) => {
    if (id !== undefined) return id;
    while (taken.has(next)) next++;
    taken.add(next);
    return next;
  });
}

/** Shares proportional to weight among the servers in service (`first`: the lowest id takes all). */
export function sharesByWeight(pool: Pool): Float64Array {
  const shares = new Float64Array(pool.servers.length);
  if (pool.backend.balance.value.algorithm === "first") {
    const lowest = [...pool.inService].sort((a, b) => a.id - b.id)[0];
    if (lowest) shares[lowest.index] = 1;
    return shares;
  }
  const total = pool.inService.reduce((sum, s) => sum + s.weight, 0);
  for (const s of pool.inService) shares[s.index] = total > 0 ? s.weight / total : 0;
  return shares;
}
