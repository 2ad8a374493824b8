import { indexInventory, type InventoryIndex } from "../inventory/inventory-index.js";
import type { Inventory } from "../inventory/inventory.js";
import type { Config } from "../model/config.js";
import type { Proxy } from "../model/proxy.js";
import { createBalancer } from "./balance/index.js";
import { predictCapacity } from "./capacity.js";
import { play } from "./engine.js";
import { buildPool, sharesByWeight } from "./pool.js";
import { UNKNOWN_HOST } from "./evaluate-condition.js";
import { routeFrontend } from "./route.js";
import { concurrencyAt, resolveTraffic } from "./traffic.js";
import type {
  BackendPrediction,
  RequestClass,
  ServerPrediction,
  SimRequest,
  SimulationResult,
  Traffic,
  TrafficInput,
} from "./types.js";

/** Requests played per backend for each single-server failure. */
const FAILURE_SAMPLES = 10_000;

/** Options that trade completeness for speed. */
export interface SimulateOptions {
  /** Also predict every single-server failure (default true). */
  failures?: boolean;
}

/**
 * Predicts, for one configuration and one traffic description, the share and rate of requests
 * every frontend, backend and server receives, and which servers exceed their inventory
 * capacity now and after any one server fails. Pure and deterministic: the same inputs always
 * give the same numbers.
 */
export function simulate(
  config: Config,
  input: TrafficInput,
  inventory?: Inventory,
  options: SimulateOptions = {},
): SimulationResult {
  const traffic = resolveTraffic(input, config);
  const routed = config.frontends.map((f) => routeFrontend(f, traffic));
  if (routed.some((f) => f.routes.some((r) => r.undetermined && r.reason.includes(UNKNOWN_HOST.unknown)))) {
    traffic.assumptions.push(
      "the Host header is unknown (no --host): rules that test it give undetermined shares",
    );
  }
  const mixes = backendMixes(routed);
  const index = indexInventory(inventory);
  const backends = config.backends.map((b) =>
    predictBackend(b, traffic, mixes.get(b.name), index, new Set(traffic.down)),
  );
  // Each failure replays its backends again; fewer requests keep N-1 cheap on large pools.
  const failureTraffic = { ...traffic, samples: Math.min(traffic.samples, FAILURE_SAMPLES) };
  const result: SimulationResult = {
    traffic,
    frontends: routed,
    backends,
    capacity: { now: [], nMinus1: [] },
  };
  let backendOfLine: Map<string, Proxy> | undefined;
  result.capacity = predictCapacity(
    result,
    (down, replay) => {
      if (!backendOfLine) {
        backendOfLine = new Map();
        for (const b of config.backends)
          for (const s of b.servers) backendOfLine.set(`${b.name}/${s.name}`, b);
      }
      const lines = backendOfLine;
      const touched = new Set([...down].flatMap((line) => lines.get(line) ?? []));
      const allDown = new Set([...traffic.down, ...down]);
      return [...touched].map((b) =>
        predictBackend(b, failureTraffic, mixes.get(b.name), index, allDown, replay),
      );
    },
    options.failures ?? true,
  );
  return result;
}

/** The requests reaching one backend: rate and mix, summed over the frontends that route there. */
interface BackendMix {
  rps: number;
  classes: { request: RequestClass; rps: number }[];
}

function backendMixes(frontends: ReturnType<typeof routeFrontend>[]): Map<string, BackendMix> {
  const mixes = new Map<string, BackendMix>();
  for (const f of frontends) {
    for (const route of f.routes) {
      if (route.backend === undefined || route.undetermined) continue;
      const mix = mixes.get(route.backend) ?? { rps: 0, classes: [] };
      mix.rps += route.rps;
      mix.classes.push({ request: route.request, rps: route.rps });
      mixes.set(route.backend, mix);
    }
  }
  return mixes;
}

/**
 * Plays the backend's share of the traffic through its algorithm. A backend no traffic reaches
 * still gets shares (by weight), so a reviewer sees what a weight change would do; so does one
 * predicted with `replay` off, when only its usable servers matter.
 */
export function predictBackend(
  backend: Proxy,
  traffic: Traffic,
  mix: BackendMix | undefined,
  inventory: InventoryIndex,
  down: ReadonlySet<string>,
  replay = true,
): BackendPrediction {
  const pool = buildPool(backend, down);
  const notes: string[] = [];
  const rps = mix?.rps ?? 0;
  let shares: Float64Array;
  let unservedShare = 0;
  if (pool.inService.length === 0) {
    shares = new Float64Array(pool.servers.length);
    unservedShare = 1;
    notes.push("no usable server: every request gets a 503");
  } else if (rps > 0 && mix && replay) {
    const { balancer, note } = createBalancer(pool, traffic.seed);
    if (note) notes.push(note);
    const requestAt = requestStream(mix, traffic);
    const result = play(pool, balancer, traffic.samples, requestAt, {
      concurrency: concurrencyAt(traffic, rps),
    });
    shares = result.counts.map((c) => c / traffic.samples);
    unservedShare = result.unserved / traffic.samples;
  } else {
    shares = sharesByWeight(pool);
    if (rps <= 0) notes.push("no traffic reaches this backend under the request mix: shares are by weight");
  }
  const servers = pool.servers.map((s): ServerPrediction => {
    const share = shares[s.index] ?? 0;
    const address = s.server.address;
    const prediction: ServerPrediction = {
      name: s.name,
      address: address.text,
      state: s.state,
      weight: s.weight,
      share,
      rps: share * rps,
    };
    const entry = inventory.at(address);
    if (entry) {
      prediction.inventoryName = entry.name;
      prediction.role = entry.role;
      if (entry.capacityRps !== undefined) {
        prediction.capacityRps = entry.capacityRps;
        prediction.utilisation = prediction.rps / entry.capacityRps;
      }
    }
    return prediction;
  });
  return {
    name: backend.name,
    algorithm: backend.balance.value.algorithm,
    rps,
    servers,
    unservedShare,
    notes,
  };
}

/** Length of the precomputed order of request classes; the stream cycles through it. */
const SCHEDULE_LENGTH = 1 << 16;

/**
 * The k-th request reaching a backend: request classes interleave in proportion to their rates
 * (smooth weighted round robin, so every stretch of the stream has the right mix) and clients
 * take turns, so each client sends the same number of requests. The order is computed once and
 * one request object per class is reused: balancers read a request only while picking.
 */
function requestStream(mix: BackendMix, traffic: Traffic): (k: number) => SimRequest {
  const classes = mix.classes.filter((c) => c.rps > 0);
  const requests = classes.map(({ request }): SimRequest => {
    const r: SimRequest = {
      client: "",
      method: request.method,
      path: request.path,
      headers: request.headers ?? {},
    };
    if (request.query !== undefined) r.query = request.query;
    if (request.host !== undefined) r.host = request.host;
    return r;
  });
  const schedule = classSchedule(
    classes.map((c) => c.rps),
    Math.min(SCHEDULE_LENGTH, traffic.samples),
  );
  const clients = traffic.clients;
  return (k) => {
    const request = requests[schedule[k % schedule.length]!]!;
    request.client = clients[k % clients.length]!;
    return request;
  };
}

/** An order of `length` class indexes in which each class appears in proportion to its rate. */
function classSchedule(rates: readonly number[], length: number): Uint16Array | Uint32Array {
  const schedule = rates.length <= 0xffff ? new Uint16Array(length) : new Uint32Array(length);
  if (rates.length <= 1) return schedule;
  const total = rates.reduce((sum, r) => sum + r, 0);
  const credit = new Float64Array(rates.length);
  for (let k = 0; k < length; k++) {
    let best = 0;
    for (let i = 0; i < rates.length; i++) {
      credit[i] = credit[i]! + rates[i]!;
      if (credit[i]! > credit[best]!) best = i;
    }
    credit[best] = credit[best]! - total;
    schedule[k] = best;
  }
  return schedule;
}
