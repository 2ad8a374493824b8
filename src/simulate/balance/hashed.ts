import { isFull, type PoolServer } from "../pool.js";
import { ConsistentRing } from "../hash/consistent-ring.js";
import { hashRequest } from "../hash/hash-key.js";
import type { SimRequest } from "../types.js";
import { soleBackup, type Balancer, type BalancerContext } from "./balancer.js";
import { WeightTable } from "./weight-table.js";

/**
 * `balance source | uri | url_param | hdr | rdp-cookie`: a key taken from the request is hashed
 * and the hash picks a server, through the weight table (`hash-type map-based`, the default) or
 * the consistent-hash ring (`hash-type consistent`, with `hash-balance-factor`). A request
 * without the key (no such parameter or header) falls back to a round-robin walk of the same
 * table or ring, as HAProxy does.
 */
export function hashed(context: BalancerContext): Balancer {
  const { pool, args } = context;
  const backend = pool.backend;
  const algorithm = backend.balance.value.algorithm;
  const hashType = backend.hashType.value;
  // A request's hash depends only on its client (source) or only on the rest of it (the other
  // algorithms), and a stream repeats both: hash each once.
  const byClient = new Map<string, number | undefined>();
  const byRequest = new WeakMap<SimRequest, number | undefined>();
  const keyOf = (request: SimRequest): number | undefined => {
    const cached = algorithm === "source" ? byClient.get(request.client) : byRequest.get(request);
    if (cached !== undefined) return cached;
    const hash = hashRequest(algorithm, args, hashType, request);
    if (algorithm === "source") byClient.set(request.client, hash);
    else byRequest.set(request, hash);
    return hash;
  };

  if (hashType.method === "map-based") {
    const table = new WeightTable(pool);
    // With one server in use, HAProxy's source, uri and hdr hashing skip the key and take the
    // table's first slot; the table may still name another backup (see WeightTable).
    const firstSlotOnly = pool.inService.length === 1 && algorithm !== "url_param";
    return {
      pick(request) {
        if (firstSlotOnly) return table.slots[0];
        const hash = keyOf(request);
        return hash === undefined ? table.next() : table.at(hash);
      },
    };
  }

  const servers = pool.inService;
  const ring = new ConsistentRing(servers.map((s) => ({ id: s.id, weight: s.weight })));
  const factor = backend.hashBalanceFactor?.value ?? 0;
  const served = new Float64Array(servers.length);
  let backendServed = 0;
  let walk = -1;
  const track = (server: PoolServer, delta: number) => {
    const at = servers.indexOf(server);
    if (at >= 0) served[at] = served[at]! + delta;
    backendServed += delta;
  };
  return {
    pick(request) {
      const backup = soleBackup(pool);
      if (backup) return backup;
      const hash = keyOf(request);
      if (hash !== undefined) {
        const accept = factor > 0 ? ring.balanceFactor(served, backendServed, factor) : undefined;
        const at = ring.lookup(hash, accept);
        return at === undefined ? undefined : servers[at];
      }
      // No key: walk the ring point by point, skipping full servers.
      for (let step = 0; step < ring.size; step++) {
        walk = (walk + 1) % ring.size;
        const server = servers[ring.owners[walk]!]!;
        if (!isFull(server)) return server;
      }
      return undefined;
    },
    taken: (server) => track(server, 1),
    released: (server) => track(server, -1),
  };
}
