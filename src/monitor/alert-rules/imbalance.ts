import {
  type ClusterView,
  currentSample,
  expectedSharesOn,
  percentOf,
  rowKey,
  sampleTime,
  serversByBackend,
  takesNewRequests,
  windowTotals,
} from "../cluster-view.js";
import type { AlertCondition, AlertRule, MetricSample } from "../types.js";
import { type AlertRuleMeta, fixed, paramsOf, seconds, subjectOf } from "./rule.js";

/**
 * Traffic spread otherwise than the running configuration says: a weight set by hand on the
 * runtime API, a server slow to accept connections, sticky sessions piling onto one server. The
 * prediction is renormalised over the servers that take requests now, so a server that is DOWN
 * or drained is server-down's business, not a drift of the others. Each node is judged against
 * the version it runs, so a canary baking a new version is not held to the old one's shares.
 */
export const meta: AlertRuleMeta = {
  kind: "imbalance",
  description:
    "Per node and backend, each server's share of the backend's picks over the last `windowS` seconds (or since the node's latest reload, when more recent) against the share the simulator predicts for the version that node runs (during a rollout, the canary's new one or the old one), renormalised over the servers that take new requests in the latest sample (not DOWN, MAINT, DRAIN or NOLB). True when a server is more than `maxPoints` percentage points off, and more than three standard errors of its predicted share (so that chance alone in a random or leastconn pool of few picks does not fire it), with at least `minPicks` picks in the window; the alert names the server furthest off (on a tie, the one below its share).",
  unit: "points",
  defaultSeverity: "warning",
  defaultForS: 2,
  params: {
    windowS: { default: 10, description: "The window the shares are measured over, in seconds." },
    maxPoints: {
      default: 15,
      description: "How many percentage points a server's share may differ from the prediction.",
    },
    minPicks: {
      default: 30,
      description: "The fewest picks the backend's usable servers must make in the window to be judged.",
    },
  },
};

interface Share {
  server: string;
  observedPct: number;
  expectedPct: number;
  offPoints: number;
}

/** Per node and backend, the server whose share is furthest from the prediction, when too far. */
export function evaluate(view: ClusterView, rule: AlertRule): AlertCondition[] {
  const p = paramsOf(meta, rule);
  const windowS = p.windowS ?? 0;
  const maxPoints = p.maxPoints ?? 0;
  const conditions: AlertCondition[] = [];
  for (const [node, samples] of view.samples) {
    const latest = currentSample(samples, view.now);
    if (latest === undefined) continue;
    const window = windowTotals(samples, windowStart(samples, view.now - windowS * 1000), view.now);
    const predicted = expectedSharesOn(view, node);
    for (const [backend, servers] of serversByBackend(latest)) {
      const expected = predicted.get(backend);
      if (expected === undefined) continue;
      const usable = servers.filter((s) => takesNewRequests(s.status));
      const picks = usable.map((s) => window.rows.get(rowKey(s))?.picked ?? 0);
      const totalPicks = picks.reduce((a, b) => a + b, 0);
      const totalExpected = usable.reduce((sum, s) => sum + (expected.get(s.server ?? "") ?? 0), 0);
      if (totalPicks < Math.max(1, p.minPicks ?? 0) || totalExpected <= 0) continue;
      const shares: Share[] = usable.map((s, i) => {
        const observedPct = percentOf(picks[i] ?? 0, totalPicks);
        const expectedPct = percentOf(expected.get(s.server ?? "") ?? 0, totalExpected);
        return {
          server: s.server ?? "",
          observedPct,
          expectedPct,
          offPoints: Math.abs(observedPct - expectedPct),
        };
      });
      const worst = furthestOff(shares);
      if (worst === undefined || worst.offPoints <= Math.max(maxPoints, chance(worst, totalPicks))) continue;
      const labels = { node, backend, server: worst.server };
      conditions.push({
        labels,
        value: worst.offPoints,
        threshold: maxPoints,
        unit: "points",
        summary:
          `${subjectOf(labels)} took ${fixed(worst.observedPct)}% of backend ${backend}'s ${totalPicks} picks ` +
          `over the last ${seconds(windowS)} where ${fixed(worst.expectedPct)}% is predicted ` +
          `(${fixed(worst.offPoints)} points off, limit ${fixed(maxPoints)}).`,
      });
    }
  }
  return conditions;
}

/**
 * Where a node's window starts: `fromMs`, or later at the interval of its latest reload. A reload
 * may change the pool (a rollout adds a server, a rollback takes it away), and picks made under
 * the previous configuration would be judged against the new one's shares; the sample that
 * carries the reload counts, as the agent samples the old worker right before it.
 */
function windowStart(samples: readonly MetricSample[], fromMs: number): number {
  for (let i = samples.length - 1; i >= 0; i--) {
    const sample = samples[i] as MetricSample;
    const endMs = sampleTime(sample);
    if (endMs <= fromMs) break;
    if (sample.reset) return Math.max(fromMs, endMs - sample.intervalMs);
  }
  return fromMs;
}

/**
 * Three standard errors of a share over `picks` picks, in points: how far a balancer that picks
 * at random with the predicted odds strays by chance about once in 370 windows.
 */
function chance(share: Share, picks: number): number {
  const p = share.expectedPct / 100;
  return 300 * Math.sqrt((p * (1 - p)) / picks);
}

/**
 * The share furthest from its prediction. With two servers both are always equally far off, and
 * rounding must not flip the choice between samples (that would change the alert's fingerprint
 * and restart its wait), so near-ties go to the server below its share, then to the first name.
 */
function furthestOff(shares: Share[]): Share | undefined {
  const EPSILON = 1e-6;
  let worst: Share | undefined;
  for (const share of shares) {
    if (worst === undefined || share.offPoints > worst.offPoints + EPSILON) {
      worst = share;
      continue;
    }
    if (share.offPoints < worst.offPoints - EPSILON) continue;
    const below = share.observedPct < share.expectedPct;
    const worstBelow = worst.observedPct < worst.expectedPct;
    if ((below && !worstBelow) || (below === worstBelow && share.server < worst.server)) worst = share;
  }
  return worst;
}
