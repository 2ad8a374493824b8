import { type LoadPath, type LoadProgress, runLoad } from "../lab/load-generator.js";
import { isFailure } from "../lab/load-summary.js";

/** The demo's request mix: mostly pages, some API calls, a few static files. */
export const DEMO_PATHS: readonly LoadPath[] = [
  { path: "/", weight: 6 },
  { path: "/api/orders", weight: 3 },
  { path: "/static/app.js", weight: 1 },
];

/** How to send steady traffic. */
export interface SteadyTrafficOptions {
  /** The `http://` URL of the frontend. */
  url: string;
  rps: number;
  paths?: readonly LoadPath[];
  /**
   * Seconds per load run: the traffic is a chain of open-loop runs, one starting every
   * segment, so that no run's records pile up for the life of the demo (default 10).
   */
  segmentS?: number;
}

/** Requests of the traffic so far. */
export interface TrafficTotals {
  sent: number;
  /** Answered 2xx or 3xx. */
  ok: number;
  failed: number;
}

/** Traffic that runs until stopped. */
export interface SteadyTraffic {
  totals(): TrafficTotals;
  /** Stops sending and resolves once the requests already sent have finished. */
  stop(): Promise<void>;
}

/**
 * Sends `rps` requests a second to `url` until stopped, open loop (see `runLoad`), each on a new
 * connection, so that load balancers sharing one address and port through SO_REUSEPORT each
 * take a share. Runs are started on a fixed schedule rather than one after the other, so that a
 * slow answer at the end of a run never opens a gap in the traffic.
 */
export function startSteadyTraffic(options: SteadyTrafficOptions): SteadyTraffic {
  const segmentMs = (options.segmentS ?? 10) * 1000;
  const controller = new AbortController();
  const finished: TrafficTotals = { sent: 0, ok: 0, failed: 0 };
  const current = new Map<number, LoadProgress>();
  const runs = new Set<Promise<void>>();
  const startedAt = Date.now();
  let segment = 0;
  let timer: NodeJS.Timeout | undefined;

  const startSegment = (): void => {
    const id = segment++;
    const run = runLoad({
      url: options.url,
      rps: options.rps,
      durationS: segmentMs / 1000,
      paths: [...(options.paths ?? DEMO_PATHS)],
      keepAlive: false,
      signal: controller.signal,
      onProgress: (progress) => current.set(id, progress),
    }).then((result) => {
      current.delete(id);
      for (const record of result.records) {
        finished.sent += 1;
        if (isFailure(record)) finished.failed += 1;
        else finished.ok += 1;
      }
    });
    runs.add(run);
    void run.finally(() => runs.delete(run));
    if (controller.signal.aborted) return;
    timer = setTimeout(startSegment, Math.max(0, startedAt + segment * segmentMs - Date.now()));
  };
  startSegment();

  let stopping: Promise<void> | undefined;
  return {
    totals: () => {
      const totals = { ...finished };
      for (const progress of current.values()) {
        totals.sent += progress.sent;
        totals.ok += progress.ok;
        totals.failed += progress.failed;
      }
      return totals;
    },
    stop: () => {
      stopping ??= (async () => {
        clearTimeout(timer);
        controller.abort();
        await Promise.all([...runs]);
      })();
      return stopping;
    },
  };
}
