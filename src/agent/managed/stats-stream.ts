import { LbguardError } from "../../errors.js";
import type { StatsRecorder } from "../../monitor/stats-recorder.js";
import type { AgentStatsReport, MetricSample } from "../../monitor/types.js";
import { isAuthFailure, pause, type ManagedRun } from "./managed-run.js";

/**
 * Samples kept while the control plane cannot be reached (15 minutes at one a second), and
 * samples and JSON bytes per `POST /agent/stats`, so a batch stays far below the 4 MiB limit.
 */
export const STATS_LIMITS = { buffered: 900, batchSamples: 60, batchBytes: 1 << 20 } as const;

/** Sends one batch of samples; the signal ends the request when the agent stops. */
export type SendStats = (report: AgentStatsReport, signal?: AbortSignal) => Promise<unknown>;

/**
 * The samples not yet sent, oldest first, at most `limit` of them: past that the oldest go,
 * and `dropped` counts them.
 */
export class StatsBuffer {
  private readonly held: { sample: MetricSample; bytes: number }[] = [];
  dropped = 0;

  constructor(readonly limit: number = STATS_LIMITS.buffered) {}

  get size(): number {
    return this.held.length;
  }

  /** Adds a sample after the others. */
  push(sample: MetricSample): void {
    this.held.push({ sample, bytes: JSON.stringify(sample).length });
    this.trim();
  }

  /**
   * Takes the oldest samples out, up to `maxSamples` and `maxBytes` of JSON (at least one),
   * so that samples taken meanwhile cannot push them out; `putBack` returns them if unsent.
   */
  take(
    maxSamples: number = STATS_LIMITS.batchSamples,
    maxBytes: number = STATS_LIMITS.batchBytes,
  ): MetricSample[] {
    let count = 0;
    let bytes = 0;
    for (const { bytes: size } of this.held) {
      if (count >= maxSamples || (count > 0 && bytes + size > maxBytes)) break;
      count++;
      bytes += size;
    }
    return this.held.splice(0, count).map((h) => h.sample);
  }

  /** Puts taken samples back in front of the newer ones, dropping the oldest past the limit. */
  putBack(samples: MetricSample[]): void {
    this.held.unshift(...samples.map((sample) => ({ sample, bytes: JSON.stringify(sample).length })));
    this.trim();
  }

  private trim(): void {
    const excess = this.held.length - this.limit;
    if (excess <= 0) return;
    this.held.splice(0, excess);
    this.dropped += excess;
  }
}

/**
 * Runs the recorder and sends what it records about every `everyMs`, oldest first, in batches,
 * until the run stops. While the control plane cannot be reached the samples wait in `buffer`
 * (bounded: the oldest go first); that is logged once when it starts, and once when it ends
 * with the number of samples lost. A batch the control plane refuses for what it is (a 4xx
 * other than a refused token) would be refused every time, so it is dropped. Throws only when
 * the control plane refuses the token.
 */
export async function streamStats(
  run: ManagedRun,
  recorder: StatsRecorder,
  buffer: StatsBuffer,
  send: SendStats,
  everyMs = 1000,
): Promise<void> {
  let unreachable = false;
  let refusing = false;
  recorder.start();
  try {
    while (!run.signal.aborted) {
      const startedAt = run.ctx.clock();
      while (buffer.size > 0 && !run.signal.aborted) {
        const samples = buffer.take();
        const node = run.desired?.node;
        const report = { samples: node ? samples.map((s) => ({ ...s, node })) : samples };
        try {
          await send(report, run.signal);
        } catch (error) {
          if (isAuthFailure(error)) throw error;
          if (isRefusal(error)) {
            if (!refusing)
              run.log(`the control plane refused stats samples, which are dropped: ${message(error)}`);
            refusing = true;
            continue;
          }
          buffer.putBack(samples);
          if (!unreachable && !run.signal.aborted) {
            run.log(
              `stats cannot be sent (${message(error)}); keeping the last ${buffer.limit} samples until they can`,
            );
          }
          unreachable = true;
          break;
        }
        refusing = false;
        if (unreachable || buffer.dropped > 0) {
          const lost = buffer.dropped > 0 ? `; ${buffer.dropped} older samples were dropped` : "";
          run.log(`stats reach the control plane again${lost}`);
          unreachable = false;
          buffer.dropped = 0;
        }
      }
      await pause(everyMs - (run.ctx.clock() - startedAt), run.signal);
    }
  } finally {
    await recorder.stop();
  }
}

function isRefusal(error: unknown): boolean {
  return error instanceof LbguardError && error.httpStatus >= 400 && error.httpStatus < 500;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
