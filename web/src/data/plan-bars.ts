// The plan's traffic prediction shaped for bars: for each backend, each server's share of its
// backend's requests before and after the change, the move in points, and where the server's
// capacity falls on the after bar. Backends whose traffic moves come first: they are what the
// reviewer decides on. Pure.
import type { BackendTraffic, Plan, ServerTraffic, TrafficPoint } from "../../../src/plan/types.js";

/** Moves smaller than this (in points of share) are rounding, not a change worth showing. */
const MOVE_POINTS = 0.5;

export interface ServerBar {
  server: string;
  /** Inventory role when the machine is not a web server (`db`): traffic to it is a finding. */
  role?: string;
  before?: TrafficPoint;
  after?: TrafficPoint;
  /** `added` / `removed`: the server exists in one configuration only. */
  presence: "added" | "removed" | "kept";
  /** After minus before, in percentage points (a missing side counts as 0%). */
  deltaPoints: number;
  moved: boolean;
  capacityRps?: number;
  /**
   * Where the capacity falls on the after bar, as a share of the backend's after rate (0..1);
   * undefined when the capacity is unknown, the backend gets no traffic, or it is off the scale.
   */
  capacityShare?: number;
  /** The same on the before bar, against the backend's before rate. */
  capacityShareBefore?: number;
  /** After rate over capacity, when both are known (1.2 = 120% of capacity). */
  loadAfter?: number;
  overCapacity: boolean;
}

export interface BackendBars {
  backend: string;
  beforeRps?: number;
  afterRps?: number;
  servers: ServerBar[];
  /** Share of the backend's requests that find no server (answered 503), when any side has some. */
  unserved?: { before?: number; after?: number };
  /** Whether any server's share moved, a server was added or removed, or requests lost their server. */
  moved: boolean;
  /** The largest move of one server, in points, for ordering and the heading. */
  largestMovePoints: number;
}

/** Capacity as a share of a backend's rate: where its marker falls on a 0–100% bar. */
function capacityShareOf(capacityRps: number, backendRps: number | undefined): number | undefined {
  if (backendRps === undefined || backendRps <= 0) return undefined;
  const share = capacityRps / backendRps;
  return share <= 1 ? share : undefined;
}

function serverBar(s: ServerTraffic, backend: BackendTraffic): ServerBar {
  const deltaPoints = ((s.after?.share ?? 0) - (s.before?.share ?? 0)) * 100;
  const presence = s.before && !s.after ? "removed" : s.after && !s.before ? "added" : "kept";
  const bar: ServerBar = {
    server: s.server,
    ...(s.role !== undefined && s.role !== "web" ? { role: s.role } : {}),
    ...(s.before ? { before: s.before } : {}),
    ...(s.after ? { after: s.after } : {}),
    presence,
    deltaPoints,
    moved: presence !== "kept" || Math.abs(deltaPoints) >= MOVE_POINTS,
    overCapacity: false,
  };
  if (s.capacityRps !== undefined) {
    bar.capacityRps = s.capacityRps;
    const after = capacityShareOf(s.capacityRps, backend.after?.rps);
    if (after !== undefined) bar.capacityShare = after;
    const before = capacityShareOf(s.capacityRps, backend.before?.rps);
    if (before !== undefined) bar.capacityShareBefore = before;
    if (s.after && s.capacityRps > 0) {
      bar.loadAfter = s.after.rps / s.capacityRps;
      bar.overCapacity = s.after.rps > s.capacityRps;
    }
  }
  return bar;
}

function backendBars(t: BackendTraffic): BackendBars {
  const servers = t.servers.map((s) => serverBar(s, t));
  const unservedBefore = t.before?.unservedShare ?? 0;
  const unservedAfter = t.after?.unservedShare ?? 0;
  const unservedMoved = Math.abs(unservedAfter - unservedBefore) * 100 >= MOVE_POINTS;
  const largestMovePoints = Math.max(0, ...servers.map((s) => Math.abs(s.deltaPoints)));
  return {
    backend: t.backend,
    ...(t.before ? { beforeRps: t.before.rps } : {}),
    ...(t.after ? { afterRps: t.after.rps } : {}),
    servers,
    ...(unservedBefore > 0 || unservedAfter > 0
      ? {
          unserved: {
            ...(t.before ? { before: unservedBefore } : {}),
            ...(t.after ? { after: unservedAfter } : {}),
          },
        }
      : {}),
    moved: servers.some((s) => s.moved) || unservedMoved || !t.before || !t.after,
    largestMovePoints,
  };
}

/**
 * Every backend of the plan's prediction as bars: the ones whose traffic moves first (largest
 * move first), then the others in the plan's order.
 */
export function planBars(plan: Plan): BackendBars[] {
  const all = plan.traffic.map(backendBars);
  const moved = all.filter((b) => b.moved).sort((a, b) => b.largestMovePoints - a.largestMovePoints);
  return [...moved, ...all.filter((b) => !b.moved)];
}

/** A move in points with its sign: `+49 pts`, `−12 pts`, `±0 pts`. */
export function deltaText(points: number): string {
  const rounded = Math.round(points);
  if (rounded === 0) return Math.abs(points) >= MOVE_POINTS ? `${points > 0 ? "+" : "−"}<1 pt` : "±0 pts";
  return `${rounded > 0 ? "+" : "−"}${Math.abs(rounded)} pt${Math.abs(rounded) === 1 ? "" : "s"}`;
}
