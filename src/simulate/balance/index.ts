import type { Pool } from "../pool.js";
import type { Balancer, BalancerContext } from "./balancer.js";
import { first } from "./first.js";
import { hashed } from "./hashed.js";
import { leastConn } from "./leastconn.js";
import { random } from "./random.js";
import { roundRobin } from "./roundrobin.js";
import { staticRoundRobin } from "./static-rr.js";

/** One module per `balance` algorithm HAProxy 2.6 offers. */
const ALGORITHMS: Record<string, (context: BalancerContext) => Balancer> = {
  roundrobin: roundRobin,
  "static-rr": staticRoundRobin,
  leastconn: leastConn,
  first,
  random,
  source: hashed,
  uri: hashed,
  url_param: hashed,
  hdr: hashed,
  "rdp-cookie": hashed,
};

/**
 * A fresh balancer for the pool's backend, as HAProxy starts it. An algorithm lbguard does not
 * model (`balance hash EXPR`) is predicted as roundrobin, and the note says so.
 */
export function createBalancer(pool: Pool, seed: number): { balancer: Balancer; note?: string } {
  const balance = pool.backend.balance.value;
  const context: BalancerContext = { pool, args: balance.args, seed };
  const algorithm = ALGORITHMS[balance.algorithm];
  if (algorithm) return { balancer: algorithm(context) };
  return {
    balancer: roundRobin(context),
    note: `lbguard does not model 'balance ${balance.algorithm}': shares are predicted as for roundrobin`,
  };
}
