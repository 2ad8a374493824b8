import type { Config } from "../model/config.js";
import { isFrontend, type Proxy } from "../model/proxy.js";
import { HAPROXY_RANDOM_SEED, xorshift32 } from "./statistical-random.js";
import type { RequestClass, Traffic, TrafficInput } from "./types.js";

/** Defaults the simulator assumes when the traffic description leaves them out. */
export const TRAFFIC_DEFAULTS = {
  rps: 100,
  clients: 1000,
  concurrency: 1,
  latencyMs: 0,
  samples: 20_000,
  request: { method: "GET", path: "/", weight: 1 } satisfies RequestClass,
} as const;

/**
 * `Traffic.concurrency` value meaning: derive each backend's requests in flight from its rate
 * and the latency (Little's law).
 */
export const FROM_LATENCY = 0;

/** True when a frontend can hand requests to servers: a backend rule, a default or its own servers. */
function forwardsRequests(proxy: Proxy): boolean {
  return proxy.routes.length > 0 || proxy.defaultBackend !== undefined || proxy.servers.length > 0;
}

/** Requests in flight in a backend receiving `rps`. */
export function concurrencyAt(traffic: Traffic, rps: number): number {
  if (traffic.concurrency !== FROM_LATENCY) return traffic.concurrency;
  return Math.max(1, Math.round((rps * traffic.latencyMs) / 1000));
}

/**
 * Fills in every value the caller left out and says so in `assumptions`, so a prediction never
 * rests on a silent guess.
 */
export function resolveTraffic(input: TrafficInput, config: Config): Traffic {
  const assumptions: string[] = [];
  const listening = config.frontends.filter((p) => isFrontend(p) && p.binds.length > 0);
  const frontendRps: Record<string, number> = {};
  if (input.frontendRps && Object.keys(input.frontendRps).length > 0) {
    Object.assign(frontendRps, input.frontendRps);
  } else {
    // A health or stats frontend that forwards nowhere answers probes, not clients.
    const forwarding = listening.find(forwardsRequests);
    const first = forwarding ?? listening[0] ?? config.frontends[0];
    if (first) {
      const rps = input.rps ?? TRAFFIC_DEFAULTS.rps;
      frontendRps[first.name] = rps;
      if (input.rps === undefined)
        assumptions.push(`${rps} req/s (no rate given) on frontend '${first.name}'`);
      const skipped = forwarding ? listening.slice(0, listening.indexOf(forwarding)) : [];
      if (skipped.length > 0)
        assumptions.push(
          `the load goes to '${first.name}', the first frontend that forwards to a backend (${skipped.map((p) => `'${p.name}'`).join(", ")} forward${skipped.length === 1 ? "s" : ""} nowhere)`,
        );
      const others = config.frontends.filter((p) => p !== first).map((p) => `'${p.name}'`);
      if (others.length > 0) assumptions.push(`no traffic on the other frontends (${others.join(", ")})`);
    }
  }

  let requests = input.requests?.filter((r) => r.weight > 0) ?? [];
  if (requests.length === 0) {
    requests = [{ ...TRAFFIC_DEFAULTS.request }];
    assumptions.push("every request is GET / (no request mix given)");
  }

  const seed = input.seed ?? HAPROXY_RANDOM_SEED;
  let clients: string[];
  if (Array.isArray(input.clients) && input.clients.length > 0) clients = [...input.clients];
  else {
    const count =
      typeof input.clients === "number" && input.clients > 0 ? input.clients : TRAFFIC_DEFAULTS.clients;
    if (input.clients === undefined)
      assumptions.push(`${count} distinct client addresses (no client population given)`);
    clients = clientAddresses(count, seed);
  }

  const latencyMs = input.latencyMs ?? TRAFFIC_DEFAULTS.latencyMs;
  let concurrency: number;
  if (input.concurrency !== undefined) concurrency = Math.max(1, Math.floor(input.concurrency));
  else if (latencyMs > 0) {
    concurrency = FROM_LATENCY;
    assumptions.push(`requests in flight per backend = its rate x ${latencyMs} ms (no concurrency given)`);
  } else {
    concurrency = TRAFFIC_DEFAULTS.concurrency;
    assumptions.push(
      "requests never overlap (no concurrency given): leastconn rotates and maxconn never binds",
    );
  }
  return {
    frontendRps,
    requests,
    clients,
    concurrency,
    latencyMs,
    down: [...(input.down ?? [])],
    seed,
    samples: Math.max(1, Math.floor(input.samples ?? TRAFFIC_DEFAULTS.samples)),
    assumptions,
  };
}

/**
 * Distinct client addresses spread over 10.0.0.0/8, drawn from the seed: hashing by source
 * sees a realistic spread, and the same seed always gives the same clients.
 */
export function clientAddresses(count: number, seed: number): string[] {
  const next = xorshift32(seed ^ 0x5bd1e995);
  const seen = new Set<number>();
  const out: string[] = [];
  while (out.length < count && seen.size < 0xffffff) {
    const host = next() & 0xffffff;
    if (host === 0 || host === 0xffffff || seen.has(host)) continue;
    seen.add(host);
    out.push(`10.${host >>> 16}.${(host >>> 8) & 0xff}.${host & 0xff}`);
  }
  return out;
}
