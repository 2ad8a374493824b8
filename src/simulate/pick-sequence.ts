import type { Config } from "../model/config.js";
import { createBalancer } from "./balance/index.js";
import { play } from "./engine.js";
import { buildPool } from "./pool.js";
import { HAPROXY_RANDOM_SEED } from "./statistical-random.js";
import type { SimRequest } from "./types.js";

/**
 * The server HAProxy would pick for each request, sent one after another to a freshly started
 * HAProxy (undefined: no server, HAProxy answers 503). This is what faithfulness is measured on.
 */
export function predictPicks(
  config: Config,
  backend: string,
  requests: readonly SimRequest[],
  options: { down?: string[]; seed?: number } = {},
): (string | undefined)[] {
  const proxy = config.backends.find((b) => b.name === backend);
  if (!proxy) throw new RangeError(`no backend named '${backend}'`);
  const pool = buildPool(proxy, new Set(options.down ?? []));
  const { balancer } = createBalancer(pool, options.seed ?? HAPROXY_RANDOM_SEED);
  const { picks } = play(pool, balancer, requests.length, (k) => requests[k]!, {
    concurrency: 1,
    record: true,
  });
  return (picks ?? []).map((s) => s?.name);
}
