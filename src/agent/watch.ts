import type { StatSnapshot } from "../haproxy/runtime/stat-row.js";
import type { SimulationResult, TrafficInput } from "../simulate/types.js";
import { judgeBake, type Breach } from "./bake/judge.js";
import type { AgentContext, HaproxyNode } from "./agent-context.js";
import { failpoint } from "./failpoint.js";

/** At least this much baseline is taken before a change, so rates are over a real interval. */
const BASELINE_MS = 1000;

/**
 * Samples `show stat` before a change for about a second (at the policy's sampling interval),
 * giving the baseline the bake compares with.
 */
export async function sampleBaseline(node: HaproxyNode, ctx: AgentContext): Promise<StatSnapshot[]> {
  const interval = ctx.policy.sampleMs;
  const samples = [await node.snapshot()];
  const until = samples[0]!.at + Math.max(BASELINE_MS, 2 * interval);
  while (ctx.clock() < until) {
    await ctx.sleep(Math.min(interval, Math.max(0, until - ctx.clock())));
    samples.push(await node.snapshot());
  }
  return samples;
}

/**
 * The request rate each frontend received during the baseline, as traffic for the gate's
 * prediction: the change is judged against the load the node carries now.
 */
export function observedTraffic(baseline: readonly StatSnapshot[]): TrafficInput | undefined {
  const first = baseline[0];
  const last = baseline.at(-1);
  if (!first || !last || last.at <= first.at) return undefined;
  const seconds = (last.at - first.at) / 1000;
  const frontendRps: Record<string, number> = {};
  for (const row of last.rows) {
    if (row.type !== "frontend") continue;
    const before = first.rows.find((r) => r.type === "frontend" && r.proxy === row.proxy);
    const total = (r: typeof row): number => r.requestsTotal || r.sessionsTotal;
    const delta = before ? total(row) - total(before) : 0;
    if (delta > 0) frontendRps[row.proxy] = Math.round((delta / seconds) * 10) / 10;
  }
  return Object.keys(frontendRps).length > 0 ? { frontendRps } : undefined;
}

/** Each backend's predicted share per server, for the bake's share check. */
export function expectedShares(prediction: SimulationResult): Map<string, Map<string, number>> {
  const shares = new Map<string, Map<string, number>>();
  for (const backend of prediction.backends) {
    if (backend.rps <= 0) continue;
    shares.set(backend.name, new Map(backend.servers.map((s) => [s.name, s.share])));
  }
  return shares;
}

/** What watching a change found. */
export interface WatchResult {
  /** Empty when the change baked cleanly. */
  breaches: Breach[];
  /** When the breach was decided (ms), or when the bake ended. */
  decidedAt: number;
  samples: number;
}

/**
 * Bakes a change: samples `show stat` every `sampleMs` until `bakeMs` after `appliedAt`, and
 * stops at the first sample the judge finds a breach in.
 */
export async function watchChange(
  node: HaproxyNode,
  ctx: AgentContext,
  options: {
    baseline: StatSnapshot[];
    appliedAt: number;
    bakeMs: number;
    expectedShares?: Map<string, Map<string, number>>;
    exempt?: ReadonlySet<string>;
  },
): Promise<WatchResult> {
  const samples: StatSnapshot[] = [];
  const end = options.appliedAt + options.bakeMs;
  for (;;) {
    const wait = Math.min(ctx.policy.sampleMs, end - ctx.clock());
    if (wait > 0) await ctx.sleep(wait);
    let sample: StatSnapshot;
    try {
      sample = await node.snapshot();
    } catch {
      // A worker that is being replaced can miss one answer; the next sample will tell.
      if (ctx.clock() >= end) break;
      continue;
    }
    samples.push(sample);
    failpoint("during-bake");
    const verdict = judgeBake({
      baseline: options.baseline,
      samples,
      appliedAt: options.appliedAt,
      policy: ctx.policy,
      ...(options.expectedShares ? { expectedShares: options.expectedShares } : {}),
      ...(options.exempt ? { exempt: options.exempt } : {}),
    });
    if (verdict.breaches.length > 0) {
      return { breaches: verdict.breaches, decidedAt: sample.at, samples: samples.length };
    }
    if (ctx.clock() >= end) break;
  }
  return { breaches: [], decidedAt: ctx.clock(), samples: samples.length };
}
