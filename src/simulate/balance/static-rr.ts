import type { Balancer, BalancerContext } from "./balancer.js";
import { WeightTable } from "./weight-table.js";

/**
 * `balance static-rr`: a fixed weighted rotation through HAProxy's weight table, skipping
 * servers at their maxconn. Weights are static: changing them at run time has no effect.
 */
export function staticRoundRobin(context: BalancerContext): Balancer {
  const table = new WeightTable(context.pool);
  return { pick: () => table.next() };
}
