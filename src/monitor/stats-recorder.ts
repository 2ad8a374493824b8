import type { HaproxyNode } from "../agent/agent-context.js";
import { pause } from "../agent/managed/managed-run.js";
import type { StatSnapshot } from "../haproxy/runtime/stat-row.js";
import { sampleFrom, withLateGains } from "./stats-sample.js";
import type { MetricSample, RowSample } from "./types.js";

/**
 * How long, and how often, an old worker's stats are read after a reload. Often: it exits as
 * soon as its last request ends, and what it counted since the read before is lost with it.
 */
const OLD_WORKER_FOLLOW_MS = 60_000;
const OLD_WORKER_POLL_MS = 50;

/** What a stats recorder samples, where the samples go, and how often. */
export interface StatsRecorderOptions {
  /** The HAProxy to read `show stat` from. */
  node: Pick<HaproxyNode, "snapshot" | "workerSnapshot">;
  /** The node's name, written into every sample. */
  name: string;
  /** Receives each sample, in the order they were taken. */
  sink: (sample: MetricSample) => void;
  /** Milliseconds from the start of one sample to the start of the next (default 1000). */
  intervalMs?: number;
  /** Told the first failure after a good sample, not every failure while HAProxy stays away. */
  onError?: (error: unknown) => void;
  clock?: () => number;
  /** Waits `ms`, or less when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Samples one HAProxy's stats every interval and hands each sample to a sink. Counters are
 * measured against the last good snapshot, so a failed snapshot is simply skipped: the next
 * good one covers its interval. Samples and reloads run one at a time, which lets a reload be
 * bracketed: a sample just before it keeps the old worker's last counts, and the next sample
 * knows the counters restarted.
 */
export class StatsRecorder {
  private readonly options: StatsRecorderOptions;
  private readonly stopping = new AbortController();
  private previous: StatSnapshot | undefined;
  private restarted = false;
  private failing = false;
  private queue: Promise<unknown> = Promise.resolve();
  private loop: Promise<void> | undefined;
  /** What old workers counted after their reload, for the next sample. */
  private late: RowSample[] = [];
  private readonly following = new Set<Promise<void>>();

  constructor(options: StatsRecorderOptions) {
    this.options = options;
  }

  /** Starts sampling every interval, the first sample at once. Calling it again does nothing. */
  start(): void {
    if (this.loop || this.stopping.signal.aborted) return;
    this.loop = this.run();
  }

  /** Takes a sample now (after any sample or reload under way) and resolves once the sink has it. */
  flush(): Promise<void> {
    return this.serially(() => this.take());
  }

  /**
   * Runs `reload` between a sample of the old worker and the next sample, which then counts
   * every counter of the new worker whole. A reload that throws marks nothing: the old worker
   * may still be the one serving, and the counters then tell for themselves.
   */
  reloading<T>(reload: () => Promise<T>): Promise<T> {
    return this.serially(async () => {
      await this.take();
      const result = await reload();
      this.restarted = true;
      const last = this.previous;
      for (const pid of (result as { previousWorkerPids?: number[] }).previousWorkerPids ?? []) {
        if (last) this.follow(pid, last);
      }
      return result;
    });
  }

  /** Stops sampling; resolves once the sample under way, if any, has reached the sink. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await Promise.all(this.following);
  }

  /**
   * Reads an old worker's stats until it exits (or a minute passes), so that the requests it
   * finishes after the reload — a request waiting out retries against a dead server ends in a
   * 503 a second later — count in the samples that follow. `from` is its last snapshot before
   * the reload.
   */
  private follow(pid: number, from: StatSnapshot): void {
    const read = this.options.node.workerSnapshot?.bind(this.options.node);
    if (!read) return;
    const clock = this.options.clock ?? Date.now;
    const sleep = this.options.sleep ?? pause;
    const until = clock() + OLD_WORKER_FOLLOW_MS;
    const task = (async () => {
      let last = from;
      const stopping = this.stopping.signal;
      while (clock() < until && !stopping.aborted) {
        await sleep(OLD_WORKER_POLL_MS, stopping);
        let snapshot: StatSnapshot;
        try {
          snapshot = await read(pid);
        } catch {
          return; // The old worker is gone: everything it counted was read.
        }
        this.late.push(...sampleFrom(this.options.name, last, snapshot).rows);
        last = snapshot;
      }
    })();
    this.following.add(task);
    void task.finally(() => this.following.delete(task));
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async take(): Promise<void> {
    let current: StatSnapshot;
    try {
      current = await this.options.node.snapshot();
    } catch (error) {
      if (!this.failing) this.options.onError?.(error);
      this.failing = true;
      return;
    }
    this.failing = false;
    const sample = withLateGains(
      sampleFrom(this.options.name, this.previous, current, { restarted: this.restarted }),
      this.late,
    );
    this.late = [];
    this.previous = current;
    this.restarted = false;
    this.options.sink(sample);
  }

  private async run(): Promise<void> {
    const clock = this.options.clock ?? Date.now;
    const sleep = this.options.sleep ?? pause;
    const intervalMs = this.options.intervalMs ?? 1000;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      const startedAt = clock();
      await this.flush().catch((error: unknown) => this.options.onError?.(error));
      const left = intervalMs - (clock() - startedAt);
      if (left > 0 && !signal.aborted) await sleep(left, signal);
    }
  }
}

/**
 * The node as it is, except that a reload is bracketed by the recorder's samples (see
 * {@link StatsRecorder.reloading}): HAProxy restarts its counters at every reload, and without
 * a sample right before it, what the old worker counted since its last sample would be lost.
 */
export function sampleBeforeReload(node: HaproxyNode, recorder: StatsRecorder): HaproxyNode {
  return {
    configPath: node.configPath,
    check: (path) => node.check(path),
    reload: (onDisk) => recorder.reloading(() => node.reload(onDisk)),
    snapshot: () => node.snapshot(),
    ...(node.workerSnapshot ? { workerSnapshot: (pid: number) => node.workerSnapshot!(pid) } : {}),
    runtime: (command) => node.runtime(command),
  };
}
