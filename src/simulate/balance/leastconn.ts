import { isFull, type PoolServer } from "../pool.js";
import { OrderedQueue } from "../ordered-queue.js";
import {
  MAX_EFFECTIVE_WEIGHT,
  effectiveWeight,
  soleBackup,
  type Balancer,
  type BalancerContext,
} from "./balancer.js";

/**
 * `balance leastconn`: the server with the fewest requests in flight relative to its weight.
 * HAProxy 2.6 gives every idle server the same key (0) whatever its weight, and a server that
 * becomes idle again queues behind the other idle ones: requests that never overlap rotate over
 * the servers in turn and weights only matter under concurrency.
 */
export function leastConn(context: BalancerContext): Balancer {
  const { pool } = context;
  const queue = new OrderedQueue(pool.servers.length);
  const keyOf = (s: PoolServer): number =>
    s.served > 0 ? Math.floor(((s.served + 1) * MAX_EFFECTIVE_WEIGHT) / effectiveWeight(s)) : 0;
  for (const s of pool.inService) queue.insert(s.index, 0);

  const reposition = (s: PoolServer): void => {
    if (!queue.has(s.index)) return;
    const key = keyOf(s);
    if (queue.keyOf(s.index) !== key) queue.insert(s.index, key);
  };

  return {
    pick() {
      const backup = soleBackup(pool);
      if (backup) return backup;
      const head = queue.first();
      if (head < 0) return undefined;
      if (!isFull(pool.servers[head]!)) return pool.servers[head];
      for (const i of queue.inOrder()) if (!isFull(pool.servers[i]!)) return pool.servers[i];
      return undefined;
    },
    taken: reposition,
    released: reposition,
  };
}
