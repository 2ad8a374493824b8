import { isFull, type PoolServer } from "../pool.js";
import { ConsistentRing } from "../hash/consistent-ring.js";
import { xorshift32 } from "../statistical-random.js";
import { effectiveWeight, soleBackup, type Balancer, type BalancerContext } from "./balancer.js";

/**
 * `balance random [draws]`: each draw lands on the consistent-hash ring at a random point; of
 * the drawn servers the least loaded relative to weight wins (later draws win ties), the
 * "power of two choices" with the default of 2 draws. Shares follow the ring's arcs, which are
 * close to, but not exactly, proportional to weight.
 */
export function random(context: BalancerContext): Balancer {
  const { pool } = context;
  const servers = pool.inService;
  const ring = new ConsistentRing(servers.map((s) => ({ id: s.id, weight: s.weight })));
  const draw = xorshift32(context.seed);
  const draws = Math.max(1, Number.parseInt(context.args[0] ?? "2", 10) || 2);
  return {
    pick() {
      const backup = soleBackup(pool);
      if (backup) return backup;
      let current: PoolServer | undefined;
      for (let d = 0; d < draws; d++) {
        const previous = current;
        const at = ring.lookup(draw());
        if (at === undefined) break;
        current = servers[at]!;
        if (
          previous &&
          previous !== current &&
          current.served * effectiveWeight(previous) > previous.served * effectiveWeight(current)
        ) {
          current = previous;
        }
      }
      // A full server sends the request to the backend queue instead.
      return current && !isFull(current) ? current : undefined;
    },
  };
}
