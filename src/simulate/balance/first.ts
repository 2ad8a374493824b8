import { isFull } from "../pool.js";
import { soleBackup, type Balancer, type BalancerContext } from "./balancer.js";

/**
 * `balance first`: the server with the lowest id that still has a free connection slot; weights
 * are ignored. Without maxconn the first server takes everything.
 */
export function first(context: BalancerContext): Balancer {
  const { pool } = context;
  const byId = [...pool.inService].sort((a, b) => a.id - b.id);
  return {
    pick() {
      return soleBackup(pool) ?? byId.find((s) => !isFull(s));
    },
  };
}
