import type { Drift } from "../control/api-types.js";
import type { RecordedEvent } from "../incidents/types.js";
import { addRowCounters, type RowCounters, zeroRowCounters } from "./row-counters.js";
import type { MetricSample, RowSample } from "./types.js";

/** A node as the alert rules see it. */
export interface ClusterNode {
  name: string;
  /** When the control plane last heard from the node's agent, in milliseconds; absent: never. */
  lastSeenAt?: number;
  haproxy?: "up" | "down";
  /** Present while the node differs from what was approved. */
  drift?: readonly Drift[];
  /** The node's last VRRP report, when its agent runs keepalived. */
  vrrp?: { state: string; holdsVip: boolean; seenAt: number };
}

/** Everything an alert rule may read about one cluster at one moment. */
export interface ClusterView {
  cluster: string;
  /** The moment judged, in milliseconds. */
  now: number;
  /** Node → raw samples, oldest first (at least the last 15 minutes when available). */
  samples: ReadonlyMap<string, readonly MetricSample[]>;
  nodes: readonly ClusterNode[];
  /**
   * Backend → server → share of the backend's picks (0 to 1) the simulator predicts for the
   * cluster's current version with its approved runtime changes.
   */
  expectedShares: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /**
   * Node → the same prediction for the version that node runs, which differs from the cluster's
   * during a rollout (a canary bakes the new version, the others still run the old one). A node
   * not listed runs the cluster's version; read it with {@link expectedSharesOn}.
   */
  nodeExpectedShares?: ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<string, number>>>;
  /** Recent events, oldest first. */
  events: readonly RecordedEvent[];
}

/** What one row gained over a window: the counters of its samples added up. */
export type RowTotals = Pick<RowSample, "kind" | "proxy" | "server"> & RowCounters;

/** The gains of every row over a window, and how much time the window's samples cover. */
export interface WindowTotals {
  /** The intervals of the samples in the window added up, in milliseconds. */
  ms: number;
  /** Totals by {@link rowKey}. */
  rows: Map<string, RowTotals>;
}

/**
 * A sample older than this is not taken as how a node stands now: its agent stopped reporting,
 * which the node-unreachable rule says, and a stale DOWN should not keep other alerts open.
 */
export const STALE_SAMPLE_MS = 60_000;

/** The key a row is known by across samples: `frontend:www`, `backend:web`, `server:web/web-01`. */
export function rowKey(row: Pick<RowSample, "kind" | "proxy" | "server">): string {
  return row.kind === "server" ? `server:${row.proxy}/${row.server ?? ""}` : `${row.kind}:${row.proxy}`;
}

/** When a sample's interval ended, in milliseconds. */
export function sampleTime(sample: MetricSample): number {
  return Date.parse(sample.at);
}

/** The samples whose interval ends after `fromMs` and at or before `toMs`, oldest first. */
export function windowSamples(
  samples: readonly MetricSample[],
  fromMs: number,
  toMs: number,
): MetricSample[] {
  return samples.filter((sample) => {
    const at = sampleTime(sample);
    return at > fromMs && at <= toMs;
  });
}

/**
 * Adds up, per row, the gains of the samples whose interval ends in (`fromMs`, `toMs`]. A sample
 * counts whole even when its interval starts before `fromMs`; `ms` adds up the intervals counted,
 * so rates drawn from the totals stay right however the samples fall.
 */
export function windowTotals(samples: readonly MetricSample[], fromMs: number, toMs: number): WindowTotals {
  const rows = new Map<string, RowTotals>();
  let ms = 0;
  for (const sample of windowSamples(samples, fromMs, toMs)) {
    ms += sample.intervalMs;
    for (const row of sample.rows) {
      const key = rowKey(row);
      let total = rows.get(key);
      if (total === undefined) {
        total = emptyTotals(row);
        rows.set(key, total);
      }
      addRowCounters(total, row);
    }
  }
  return { ms, rows };
}

/** The shares the simulator predicts for what `node` runs: its own version's, else the cluster's. */
export function expectedSharesOn(
  view: ClusterView,
  node: string,
): ReadonlyMap<string, ReadonlyMap<string, number>> {
  return view.nodeExpectedShares?.get(node) ?? view.expectedShares;
}

/** A node's newest sample, unless it is older than {@link STALE_SAMPLE_MS} at `now`. */
export function currentSample(samples: readonly MetricSample[], now: number): MetricSample | undefined {
  const last = samples[samples.length - 1];
  if (last === undefined || now - sampleTime(last) > STALE_SAMPLE_MS) return undefined;
  return last;
}

/** The server rows of a sample grouped by backend, in sample order. */
export function serversByBackend(sample: MetricSample): Map<string, RowSample[]> {
  const byBackend = new Map<string, RowSample[]>();
  for (const row of sample.rows) {
    if (row.kind !== "server") continue;
    const list = byBackend.get(row.proxy);
    if (list === undefined) byBackend.set(row.proxy, [row]);
    else list.push(row);
  }
  return byBackend;
}

/** `DOWN`, and `DOWN 1/2` (a server coming back up, still out of the pool). */
export function isDown(status: string): boolean {
  return status.startsWith("DOWN");
}

/** Every kind of maintenance: `MAINT`, `MAINT(via)`, `MAINT (resolution)`. */
export function isMaint(status: string): boolean {
  return status.startsWith("MAINT");
}

/**
 * Whether the balancer gives the server new requests: UP, `UP 1/3` (failing checks but still in),
 * `no check`. DOWN and MAINT take nothing; DRAIN and NOLB serve only sticky sessions.
 */
export function takesNewRequests(status: string): boolean {
  return !isDown(status) && !isMaint(status) && !status.startsWith("DRAIN") && !status.startsWith("NOLB");
}

/** `part` as a percentage of `whole`; 0 when `whole` is 0. */
export function percentOf(part: number, whole: number): number {
  return whole > 0 ? (part * 100) / whole : 0;
}

function emptyTotals(row: RowSample): RowTotals {
  const totals: RowTotals = { kind: row.kind, proxy: row.proxy, ...zeroRowCounters() };
  if (row.server !== undefined) totals.server = row.server;
  return totals;
}
