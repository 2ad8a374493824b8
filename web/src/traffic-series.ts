// The live traffic view's numbers, shaped from the agents' stats samples: per backend, each
// server's share of the requests over time beside the share the simulator expects, and the
// response rate by class. Pure (no DOM, no chart library), so it is tested on its own.
//
// A share counts the balancer's picks of the server (HAProxy's lbtot), as the simulator predicts
// them and the imbalance alert judges them: a server that refuses connections (a database put in
// a web pool) is picked, and so visibly takes its part, though it completes no request.
//
// Samples are not aligned across nodes (each agent samples on its own clock), so each sample's
// gains are spread over the whole seconds its interval covers before nodes are added up; then a
// trailing average of a few seconds keeps a second with one request from swinging a share 0→100%.
import { sampleTime, takesNewRequests } from "../../src/monitor/cluster-view.js";
import type { MetricSample, RowSample } from "../../src/monitor/types.js";

export type SamplesByNode = Readonly<Record<string, readonly MetricSample[]>>;

/** The response classes the rate chart draws. */
export const RATE_CLASSES = ["2xx", "4xx", "5xx"] as const;
export type RateClass = (typeof RATE_CLASSES)[number];

/** One approved state's predicted shares (backend → server → 0..1), from when it took effect. */
export interface ExpectedEpoch {
  sinceMs: number;
  /** Tells states apart: the same key is the same prediction. */
  key: string;
  backends: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface TrafficWindow {
  /** The first and last second drawn (Unix seconds; a point at `t` stands for the second ending at `t`). */
  fromS: number;
  toS: number;
  /** Seconds each chart point averages over. */
  smoothS: number;
  /** Seconds the table's "now" figures cover. */
  nowS: number;
}

/** How one server stands now on one node. */
export interface ServerOnNode {
  node: string;
  status: string;
  weight?: number;
}

/** A row of the per-server table: the last `nowS` seconds, all nodes added up. */
export interface ServerNow {
  server: string;
  /** Share of the backend's picks, %; 0 when the backend had none. */
  observedPct: number;
  /** The simulator's share renormalised over the servers taking requests now, %; absent when unknown. */
  expectedPct?: number;
  /** The simulator's share as predicted for the approved state, %, before renormalising. */
  predictedPct?: number;
  /** observed − expected, percentage points. */
  diffPoints?: number;
  requestsPerS: number;
  errors5xxPerS: number;
  /** The latest sample of each node that reports it. */
  nodes: ServerOnNode[];
  takesRequests: boolean;
}

export interface BackendTraffic {
  backend: string;
  /** In the order the stats list them; servers only the prediction names come last. */
  servers: string[];
  /** Unix seconds, one per second from `fromS` to `toS`. */
  times: number[];
  /**
   * Per server (same order as `servers`): observed share, %, null where the backend picked none
   * or no node lists the server.
   */
  observed: (number | null)[][];
  /** Per server: expected share, %, null where no prediction applies or no node lists the server. */
  expected: (number | null)[][];
  /** The backend's responses per second by class, averaged like the shares; null before any stats. */
  rates: Record<RateClass, (number | null)[]>;
  now: ServerNow[];
  /** All servers' requests per second and the backend's responses per class, over `nowS`. */
  nowRequestsPerS: number;
  nowRates: Record<RateClass, number>;
}

/** A node whose latest sample is this much older than the newest node's no longer reports. */
export const STALE_NODE_MS = 10_000;

/**
 * Until when every reporting node has sent its stats (ms): the oldest of the nodes' latest
 * samples, leaving out nodes that stopped reporting; undefined without any sample.
 */
export function completeUntilMs(nodes: SamplesByNode): number | undefined {
  const lasts = latestSampleTimes(nodes);
  if (lasts.length === 0) return undefined;
  const newest = Math.max(...lasts);
  return Math.min(...lasts.filter((at) => at >= newest - STALE_NODE_MS));
}

/**
 * Adds newly fetched samples to those held, once each (a node's samples arrive in order; the
 * window's start is included by the server, so the last one held comes back), and forgets those
 * before `keepFromMs`.
 */
export function mergeSamples(
  held: SamplesByNode,
  fetched: Readonly<Record<string, readonly MetricSample[]>>,
  keepFromMs: number,
): Record<string, MetricSample[]> {
  const merged: Record<string, MetricSample[]> = {};
  for (const node of new Set([...Object.keys(held), ...Object.keys(fetched)])) {
    const have = held[node] ?? [];
    const lastAt = have.length > 0 ? Date.parse(have[have.length - 1]!.at) : -Infinity;
    const fresh = (fetched[node] ?? []).filter((s) => Date.parse(s.at) > lastAt);
    merged[node] = [...have, ...fresh].filter((s) => Date.parse(s.at) >= keepFromMs);
  }
  return merged;
}

/** How far a node may lag behind the newest before the next fetch stops waiting for it. */
const FETCH_LAG_MS = 30_000;

/**
 * Where the next incremental fetch starts (ms): the oldest of the nodes' latest samples, but no
 * more than half a minute behind the newest, so a node that stopped reporting does not make
 * every fetch read its whole gap again. `fallbackMs` when nothing is held.
 */
export function nextFetchFromMs(held: SamplesByNode, fallbackMs: number): number {
  const lasts = latestSampleTimes(held);
  if (lasts.length === 0) return fallbackMs;
  return Math.max(Math.min(...lasts), Math.max(...lasts) - FETCH_LAG_MS);
}

/** When each node's latest sample was taken (ms), leaving out nodes without one. */
function latestSampleTimes(nodes: SamplesByNode): number[] {
  return Object.values(nodes)
    .map((samples) => samples[samples.length - 1])
    .filter((s): s is MetricSample => s !== undefined)
    .map(sampleTime);
}

/** Per backend: the server rows' counts and the backend row's responses, one slot per second. */
interface Buckets {
  servers: Map<string, { picked: Float64Array; requests: Float64Array; errors5xx: Float64Array }>;
  rates: Record<RateClass, Float64Array>;
}

/**
 * Shapes the held samples into one {@link BackendTraffic} per backend that has servers, in the
 * order the stats list them. `epochs` are the predictions known, in any order.
 */
export function shapeTraffic(
  nodes: SamplesByNode,
  epochs: readonly ExpectedEpoch[],
  window: TrafficWindow,
): BackendTraffic[] {
  const firstS = Math.min(window.fromS - window.smoothS + 1, window.toS - window.nowS + 1);
  const size = window.toS - firstS + 1;
  if (size <= 0) return [];
  const backends = new Map<string, Buckets>();
  const bucketsOf = (backend: string) => {
    let b = backends.get(backend);
    if (!b) {
      b = {
        servers: new Map(),
        rates: {
          "2xx": new Float64Array(size),
          "4xx": new Float64Array(size),
          "5xx": new Float64Array(size),
        },
      };
      backends.set(backend, b);
    }
    return b;
  };

  // Backends and servers first, in the order the stats list them, so a backend row counts from
  // the first sample whatever the order of the rows.
  for (const samples of Object.values(nodes)) {
    for (const sample of samples) {
      for (const row of serverRows(sample)) {
        const b = bucketsOf(row.proxy);
        if (!b.servers.has(row.server ?? "")) {
          b.servers.set(row.server ?? "", {
            picked: new Float64Array(size),
            requests: new Float64Array(size),
            errors5xx: new Float64Array(size),
          });
        }
      }
    }
  }
  // How much of each second some node's stats cover: rates are counts over covered time, so the
  // seconds before the first sample are unknown rather than zero.
  const covered = new Float64Array(size);
  for (const samples of Object.values(nodes)) {
    const coveredByNode = new Float64Array(size);
    for (const sample of samples) {
      spread(sample, firstS, size, (slot, fraction, overlapMs) => {
        coveredByNode[slot]! += overlapMs / 1000;
        for (const row of sample.rows) {
          if (row.kind === "server") {
            const server = bucketsOf(row.proxy).servers.get(row.server ?? "")!;
            server.picked[slot]! += row.picked * fraction;
            server.requests[slot]! += row.requests * fraction;
            server.errors5xx[slot]! += row.responses["5xx"] * fraction;
          } else if (row.kind === "backend" && backends.has(row.proxy)) {
            const rates = bucketsOf(row.proxy).rates;
            for (const cls of RATE_CLASSES) rates[cls][slot]! += row.responses[cls] * fraction;
          }
        }
      });
    }
    coveredByNode.forEach((part, slot) => (covered[slot] = Math.max(covered[slot]!, Math.min(1, part))));
  }
  /** `values` per second over the `span` seconds ending at `slot`; null when no stats cover them. */
  const perSecond = (values: Float64Array | undefined, slot: number, span: number): number | null => {
    const seconds = windowSum(covered, slot, span);
    return seconds > 0 ? windowSum(values, slot, span) / seconds : null;
  };

  const standing = standingPerSecond(nodes, firstS, size);
  const sortedEpochs = [...epochs].sort((a, b) => a.sinceMs - b.sinceMs);
  const result: BackendTraffic[] = [];
  for (const [backend, buckets] of backends) {
    if (buckets.servers.size === 0) continue;
    const predicted = (t: number) => epochAt(sortedEpochs, t * 1000)?.backends[backend];
    const servers = [...buckets.servers.keys()];
    for (const epoch of sortedEpochs) {
      for (const server of Object.keys(epoch.backends[backend] ?? {}))
        if (!servers.includes(server)) servers.push(server);
    }
    const picksOf = (server: string) => buckets.servers.get(server)?.picked;
    const usableAt = (slot: number, server: string) =>
      standing[slot]?.usable.has(`${backend}/${server}`) ?? false;

    const times: number[] = [];
    const observed: (number | null)[][] = servers.map(() => []);
    const expected: (number | null)[][] = servers.map(() => []);
    const rates = { "2xx": [], "4xx": [], "5xx": [] } as Record<RateClass, (number | null)[]>;
    for (let t = window.fromS; t <= window.toS; t++) {
      times.push(t);
      const slot = t - firstS;
      const sums = servers.map((s) => windowSum(picksOf(s), slot, window.smoothS));
      const total = sums.reduce((a, b) => a + b, 0);
      const renormalised = expectedShares(predicted(t), servers, (s) => usableAt(slot, s));
      servers.forEach((server, i) => {
        // A server no node lists (not yet, or no longer, in the running configuration) draws no line.
        const listed = standing[slot]?.servers.has(`${backend}/${server}`) ?? false;
        observed[i]!.push(listed && total > 0 ? (sums[i]! * 100) / total : null);
        expected[i]!.push(listed ? (renormalised?.[i] ?? null) : null);
      });
      for (const cls of RATE_CLASSES) rates[cls].push(perSecond(buckets.rates[cls], slot, window.smoothS));
    }

    const last = size - 1;
    const nowSums = servers.map((s) => windowSum(picksOf(s), last, window.nowS));
    const nowTotal = nowSums.reduce((a, b) => a + b, 0);
    const latestPrediction = predicted(window.toS);
    const nowExpected = expectedShares(latestPrediction, servers, (s) => usableAt(last, s));
    const now: ServerNow[] = servers.map((server, i) => {
      const observedPct = nowTotal > 0 ? (nowSums[i]! * 100) / nowTotal : 0;
      const expectedPct = nowExpected?.[i];
      const predictedShare = latestPrediction?.[server];
      return {
        server,
        observedPct,
        ...(expectedPct !== undefined ? { expectedPct, diffPoints: observedPct - expectedPct } : {}),
        ...(predictedShare !== undefined ? { predictedPct: predictedShare * 100 } : {}),
        requestsPerS: perSecond(buckets.servers.get(server)?.requests, last, window.nowS) ?? 0,
        errors5xxPerS: perSecond(buckets.servers.get(server)?.errors5xx, last, window.nowS) ?? 0,
        nodes: standing[last]?.servers.get(`${backend}/${server}`) ?? [],
        takesRequests: usableAt(last, server),
      };
    });
    const nowRates = Object.fromEntries(
      RATE_CLASSES.map((cls) => [cls, perSecond(buckets.rates[cls], last, window.nowS) ?? 0]),
    ) as Record<RateClass, number>;
    result.push({
      backend,
      servers,
      times,
      observed,
      expected,
      rates,
      now,
      nowRequestsPerS: now.reduce((sum, row) => sum + row.requestsPerS, 0),
      nowRates,
    });
  }
  return result;
}

/**
 * Calls `add(slot, fraction, overlapMs)` for each second (slot 0 is the second ending at
 * `firstS`) the sample's interval overlaps, with the part of the interval that falls in it (a
 * fraction of the interval, and in ms). A node's first sample (no interval) gains nothing.
 */
function spread(
  sample: MetricSample,
  firstS: number,
  size: number,
  add: (slot: number, fraction: number, overlapMs: number) => void,
) {
  if (sample.intervalMs <= 0) return;
  const end = Date.parse(sample.at);
  const start = end - sample.intervalMs;
  const firstSlot = Math.max(0, Math.floor(start / 1000) + 1 - firstS);
  const lastSlot = Math.min(size - 1, Math.ceil(end / 1000) - firstS);
  for (let slot = firstSlot; slot <= lastSlot; slot++) {
    const t = firstS + slot;
    const overlap = Math.min(end, t * 1000) - Math.max(start, (t - 1) * 1000);
    if (overlap > 0) add(slot, overlap / sample.intervalMs, overlap);
  }
}

/** The sum of `values` over the `span` slots ending at `slot` (fewer at the start). */
function windowSum(values: Float64Array | undefined, slot: number, span: number): number {
  if (!values) return 0;
  let sum = 0;
  for (let i = Math.max(0, slot - span + 1); i <= slot; i++) sum += values[i]!;
  return sum;
}

/** The prediction in force at `ms`: the latest that took effect by then. */
function epochAt(sorted: readonly ExpectedEpoch[], ms: number): ExpectedEpoch | undefined {
  let found: ExpectedEpoch | undefined;
  for (const epoch of sorted) if (epoch.sinceMs <= ms) found = epoch;
  return found;
}

/**
 * The predicted shares in %, renormalised over the servers taking requests (as the imbalance
 * alert does: a server DOWN or drained is expected to take nothing, the others its part);
 * undefined when there is no prediction or none of its servers takes requests.
 */
function expectedShares(
  predicted: Readonly<Record<string, number>> | undefined,
  servers: readonly string[],
  usable: (server: string) => boolean,
): number[] | undefined {
  if (!predicted) return undefined;
  const total = servers.reduce((sum, s) => sum + (usable(s) ? (predicted[s] ?? 0) : 0), 0);
  if (total <= 0) return undefined;
  return servers.map((s) => (usable(s) ? ((predicted[s] ?? 0) * 100) / total : 0));
}

/** Per second: the servers (`backend/server`) taking requests on some node, and each node's status and weight. */
interface Standing {
  usable: Set<string>;
  servers: Map<string, ServerOnNode[]>;
}

/**
 * How the servers stood at the end of each second: on each node, the gauges of its first sample
 * taken at or after that moment (none once the node stopped reporting).
 */
function standingPerSecond(nodes: SamplesByNode, firstS: number, size: number): Standing[] {
  const standing: Standing[] = Array.from({ length: size }, () => ({
    usable: new Set(),
    servers: new Map(),
  }));
  for (const [node, samples] of Object.entries(nodes)) {
    let next = 0;
    for (let slot = 0; slot < size; slot++) {
      const end = (firstS + slot) * 1000;
      while (next < samples.length && Date.parse(samples[next]!.at) < end) next++;
      const sample = samples[next];
      if (!sample) break;
      for (const row of serverRows(sample)) {
        const key = `${row.proxy}/${row.server ?? ""}`;
        if (takesNewRequests(row.status)) standing[slot]!.usable.add(key);
        const list = standing[slot]!.servers.get(key) ?? [];
        list.push({ node, status: row.status, ...(row.weight !== undefined ? { weight: row.weight } : {}) });
        standing[slot]!.servers.set(key, list);
      }
    }
  }
  return standing;
}

function serverRows(sample: MetricSample): RowSample[] {
  return sample.rows.filter((row) => row.kind === "server");
}
