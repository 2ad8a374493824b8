import { isFull, type Pool, type PoolServer } from "./pool.js";
import type { Balancer } from "./balance/balancer.js";
import type { SimRequest } from "./types.js";

/** What playing a stream of requests through one backend gave. */
export interface PlayResult {
  /** Requests per server, by declaration index. */
  counts: Float64Array;
  /** Requests no server could take (no usable server: HAProxy answers 503). */
  unserved: number;
  /** Each request's server, when asked for. */
  picks?: (PoolServer | undefined)[];
}

/** How the requests overlap. */
export interface PlayOptions {
  /** Requests in flight at once; 1 means each finishes before the next arrives. */
  concurrency: number;
  /** Keep the server of every request (for exact sequences). */
  record?: boolean;
}

/**
 * Plays `count` requests through a balancer as a closed loop of `concurrency` clients whose
 * requests all take the same time, so they finish in the order they started. When every
 * candidate server is at its maxconn, the request waits in the backend queue and the next
 * server to finish a request takes it, as HAProxy serves its queue from released slots.
 */
export function play(
  pool: Pool,
  balancer: Balancer,
  count: number,
  requestAt: (k: number) => SimRequest,
  options: PlayOptions,
): PlayResult {
  const counts = new Float64Array(pool.servers.length);
  const picks: (PoolServer | undefined)[] | undefined = options.record ? [] : undefined;
  const concurrency = Math.max(1, options.concurrency);
  const inFlight = new Int32Array(concurrency);
  let head = 0;
  let size = 0;
  let unserved = 0;

  const releaseOldest = (): PoolServer => {
    const server = pool.servers[inFlight[head]!]!;
    head = (head + 1) % concurrency;
    size--;
    server.served--;
    balancer.released?.(server);
    return server;
  };

  for (let k = 0; k < count; k++) {
    if (size === concurrency) releaseOldest();
    let server = balancer.pick(requestAt(k));
    while (server === undefined && size > 0 && pool.inService.length > 0) {
      const freed = releaseOldest();
      if (!isFull(freed)) server = freed;
    }
    if (server === undefined) {
      unserved++;
      picks?.push(undefined);
      continue;
    }
    server.served++;
    balancer.taken?.(server);
    counts[server.index] = counts[server.index]! + 1;
    inFlight[(head + size) % concurrency] = server.index;
    size++;
    picks?.push(server);
  }
  while (size > 0) releaseOldest();
  return picks ? { counts, unserved, picks } : { counts, unserved };
}
