import { hostname } from "node:os";
import { sampleBeforeReload, StatsRecorder } from "../../monitor/stats-recorder.js";
import type { AgentContext, HaproxyNode } from "../agent-context.js";
import type { KeepalivedNode } from "../keepalived-node.js";
import { DriftWatch } from "./drift-watch.js";
import { KeepalivedJournal } from "./keepalived-apply.js";
import { loadManagedState } from "./managed-state.js";
import { isAuthFailure, pause, Serial, type ControlPlane, type ManagedRun } from "./managed-run.js";
import { PAIR_TIMINGS, type PairTimings } from "./pair-decide.js";
import { pollDesired } from "./poll-desired.js";
import { StatsBuffer, streamStats } from "./stats-stream.js";

/** What a managed agent needs. */
export interface ManagedAgentOptions {
  node: HaproxyNode;
  ctx: AgentContext;
  client: ControlPlane;
  /** The haproxy binary, for `haproxy -c`. */
  haproxy: string;
  /**
   * The keepalived of a node of a redundant pair. Absent: versions are applied without their
   * pair (the agent says so once), and handovers are refused.
   */
  keepalived?: KeepalivedNode;
  /** How long keepalived must stay up after a reload before its new files count (default 1000 ms). */
  keepalivedSettleMs?: number;
  /** Limits of handovers and of a backup canary's wait for the VIP (defaults: 20 s, 1 s, 60 s). */
  pairTimings?: Partial<PairTimings>;
  /** How often to look for drift, in milliseconds (default 1000; at most 1000 with keepalived). */
  intervalMs?: number;
  /** How often to sample HAProxy's stats for the control plane, in milliseconds (default 1000). */
  statsIntervalMs?: number;
  /** The longest time between two reports, in milliseconds (default 5000). */
  heartbeatMs?: number;
  /** How long the control plane may hold a long poll, in seconds (default 25). */
  waitS?: number;
  /** Stops the agent when it aborts, as `stop()` does. */
  signal?: AbortSignal;
  /** Where to say what the agent does (one line or a short paragraph at a time). */
  log?: (line: string) => void;
}

/** How often a node of a pair looks at its VRRP role, at the longest. */
const VRRP_LOOK_MS = 1000;

/** A running managed agent. */
export interface ManagedAgent {
  /**
   * Settles once the agent stopped: resolves after `stop()` or the signal, rejects with the
   * catalog error when the control plane refused the token (401 or 403), the one failure it
   * does not outlast.
   */
  done: Promise<void>;
  /** Stops the agent: the apply under way, if any, finishes first. Never rejects. */
  stop(): Promise<void>;
}

/**
 * Runs one node for the control plane: long-polls the desired state and applies each new
 * version (forced: the control plane gated it; baked and rolled back as any apply) and each
 * runtime operation once, reporting every outcome; meanwhile looks for drift every interval,
 * reports the node's state and events, and streams its stats samples (with one taken right
 * before each reload, as a reload restarts HAProxy's counters). On a node of a redundant pair
 * (`keepalived`) it also applies each version's keepalived part, reports its VRRP role, hands
 * the VIP over and bakes only once active when the control plane asks. Progress is kept in
 * DATA/managed.json, so a restarted agent neither repeats nor forgets work. The caller
 * finishes interrupted applies first (`recoverNode`, then `recoverKeepalived`).
 */
export function runManagedAgent(options: ManagedAgentOptions): ManagedAgent {
  const controller = new AbortController();
  if (options.signal?.aborted) controller.abort();
  options.signal?.addEventListener("abort", () => controller.abort(), { once: true });
  const log = options.log ?? (() => undefined);
  const sendStats = options.client.sendStats?.bind(options.client);
  const buffer = new StatsBuffer();
  const recorder = new StatsRecorder({
    node: options.node,
    // The control plane knows the node by its token; the name is a placeholder until it says.
    name: hostname(),
    sink: (sample) => buffer.push(sample),
    intervalMs: options.statsIntervalMs ?? 1000,
    onError: (error) => log(`stats sample failed: ${(error as Error).message}`),
  });
  const run: ManagedRun = {
    node: sendStats ? sampleBeforeReload(options.node, recorder) : options.node,
    ctx: options.ctx,
    client: options.client,
    haproxy: options.haproxy,
    ...(options.keepalived
      ? {
          keepalived: {
            node: options.keepalived,
            journal: new KeepalivedJournal(options.ctx.dataDir),
            ...(options.keepalivedSettleMs !== undefined ? { settleMs: options.keepalivedSettleMs } : {}),
          },
        }
      : {}),
    pairTimings: { ...PAIR_TIMINGS, ...options.pairTimings },
    state: loadManagedState(options.ctx.dataDir),
    work: new Serial(),
    delivery: new Serial(),
    signal: controller.signal,
    log,
  };
  const stopOnFailure = (error: unknown): never => {
    controller.abort();
    throw error;
  };
  const intervalMs = options.intervalMs ?? 1000;
  // A change of VRRP role must reach the control plane within about two seconds.
  const watchMs = options.keepalived ? Math.min(intervalMs, VRRP_LOOK_MS) : intervalMs;
  const loops = [
    pollDesired(run, options.waitS ?? 25).catch(stopOnFailure),
    watch(run, watchMs, options.heartbeatMs ?? 5000).catch(stopOnFailure),
    ...(sendStats ? [streamStats(run, recorder, buffer, sendStats).catch(stopOnFailure)] : []),
  ];
  const done = Promise.allSettled(loops).then(async (results) => {
    await run.work.idle();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  });
  done.catch(() => undefined);
  return {
    done,
    async stop() {
      controller.abort();
      await done.catch(() => undefined);
    },
  };
}

/** Ticks the drift watch every interval; a failed tick is logged and the next one tried. */
async function watch(run: ManagedRun, intervalMs: number, heartbeatMs: number): Promise<void> {
  const drift = new DriftWatch(run, heartbeatMs);
  while (!run.signal.aborted) {
    const startedAt = run.ctx.clock();
    try {
      await drift.tick();
    } catch (error) {
      if (isAuthFailure(error)) throw error;
      run.log(`drift check failed: ${(error as Error).message}`);
    }
    await pause(intervalMs - (run.ctx.clock() - startedAt), run.signal);
  }
}
