import { Agent, request as httpRequest } from "node:http";
import { performance } from "node:perf_hooks";
import { SERVED_BY_HEADER } from "./emulated-server.js";
import { isFailure, percentile, TIMEOUT_ERROR } from "./load-summary.js";

/** One kind of request in the load, with its relative weight. */
export interface LoadPath {
  /** Default GET. */
  method?: string;
  /** Path with optional query string, starting with '/'. */
  path: string;
  /** Relative weight in the mix; zero or less leaves the path out. */
  weight: number;
}

/** How to load a target. */
export interface LoadOptions {
  /** The `http://` URL to load; its path is the default request path. */
  url: string;
  /** Requests sent per second, whatever the target does. */
  rps: number;
  /** How long to send for, in seconds. */
  durationS: number;
  /** The request mix (default: GET of the URL's path, `/` for a bare URL). */
  paths?: LoadPath[];
  /** Reuse connections (default true); false sends `Connection: close` on every request. */
  keepAlive?: boolean;
  /** Deadline of each request, from send to the end of the answer, in milliseconds (default 5 000). */
  timeoutMs?: number;
  /**
   * Most requests outstanding at once; a request due while that many are outstanding is not
   * sent and is recorded with the error `max-in-flight` (default: twice what the rate and the
   * timeout allow, so that it binds only when the generator itself falls far behind).
   */
  maxInFlight?: number;
  /** Source address of the client sockets, e.g. `127.0.31.9`. */
  localAddress?: string;
  /** Called about once per second while the run lasts, and once more when it ends. */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborting stops sending; requests already sent still finish and are recorded. */
  signal?: AbortSignal;
  /**
   * The clock, in milliseconds, that schedules sends and times answers (default: wall-clock
   * time with sub-millisecond resolution, since loopback answers take well under a millisecond).
   */
  clock?: () => number;
}

/** Where a load run stands. */
export interface LoadProgress {
  elapsedMs: number;
  sent: number;
  /** Requests finished without failing (2xx/3xx). */
  ok: number;
  failed: number;
  inFlight: number;
  /** 95th percentile latency of the requests that finished since the previous report, if any did. */
  p95Ms: number | null;
  /** True on the last report, once every request has finished. */
  done: boolean;
}

/** What happened to one request. */
export interface RequestRecord {
  /** When it was due, by the schedule (clock ms). */
  scheduledAt: number;
  /** When it was sent (clock ms); later than `scheduledAt` only when the generator lagged. */
  sentAt: number;
  method: string;
  path: string;
  /** The answer's status, when an answer came. */
  status?: number;
  /** Why no answer came: `timeout`, an errno code such as `ECONNREFUSED` or `ECONNRESET`, or `max-in-flight`. */
  error?: string;
  /** From send to the end of the answer or the error. */
  latencyMs: number;
  /** The `x-served-by` header of the answer. */
  servedBy?: string;
}

/** A finished load run. */
export interface LoadResult {
  startedAt: number;
  endedAt: number;
  /** One record per request, in the order they were due. */
  records: RequestRecord[];
  /** TCP connections opened (with keep-alive, far fewer than requests). */
  connections: number;
}

/** The error of a request not sent because `maxInFlight` requests were outstanding. */
export const MAX_IN_FLIGHT_ERROR = "max-in-flight";

const wallClock = (): number => performance.timeOrigin + performance.now();

/**
 * Loads the URL at a constant rate, open loop: request i is sent at start + i/rps seconds
 * whatever happened to the earlier ones, so a slow target faces the rate it was asked to take
 * rather than one it sets itself by answering slowly; a late timer sends everything due at once
 * instead of letting the schedule drift. Paths are picked by smooth weighted round robin, so the
 * mix is exact. Every request ends in a record (answer, error or timeout) and the promise never
 * rejects once the run has started; it resolves when every request has finished, at most
 * `timeoutMs` after the last send. Rejects at once with a RangeError for unusable options.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  if (target.protocol !== "http:")
    return Promise.reject(new RangeError(`only http:// URLs, not ${options.url}`));
  if (!(options.rps > 0) || !Number.isFinite(options.rps))
    return Promise.reject(new RangeError(`rps must be above 0, not ${options.rps}`));
  if (!(options.durationS > 0) || !Number.isFinite(options.durationS))
    return Promise.reject(new RangeError(`durationS must be above 0, not ${options.durationS}`));
  const paths = (
    options.paths ?? [{ method: "GET", path: `${target.pathname}${target.search}`, weight: 1 }]
  ).filter((p) => p.weight > 0);
  if (paths.length === 0) return Promise.reject(new RangeError("no path with a weight above 0"));

  const clock = options.clock ?? wallClock;
  const keepAlive = options.keepAlive ?? true;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const intervalMs = 1000 / options.rps;
  // A tiny epsilon keeps 100 rps x 2 s at 200 requests despite floating point.
  const total = Math.ceil(options.rps * options.durationS - 1e-9);
  const maxInFlight = options.maxInFlight ?? Math.ceil((options.rps * timeoutMs) / 1000) * 2 + 100;
  const nextPath = smoothWeightedRoundRobin(paths);
  const agent = new Agent({ keepAlive, maxSockets: Infinity, maxFreeSockets: Infinity, scheduling: "lifo" });
  const headers: Record<string, string> = keepAlive ? {} : { connection: "close" };

  const records: RequestRecord[] = [];
  let sent = 0;
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  let connections = 0;
  let recentLatencies: number[] = [];
  let stopped = false;
  let sendTimer: NodeJS.Timeout | undefined;

  const startedAt = clock();

  return new Promise<LoadResult>((resolve) => {
    const progress = (done: boolean): void => {
      if (!options.onProgress) return;
      const sorted = recentLatencies.sort((a, b) => a - b);
      recentLatencies = [];
      options.onProgress({
        elapsedMs: clock() - startedAt,
        sent,
        ok,
        failed,
        inFlight,
        p95Ms: percentile(sorted, 95),
        done,
      });
    };
    const progressTimer = options.onProgress ? setInterval(() => progress(false), 1000) : undefined;

    const finishIfDone = (): void => {
      if (!(stopped || sent >= total) || inFlight > 0) return;
      clearInterval(progressTimer);
      options.signal?.removeEventListener("abort", onAbort);
      agent.destroy();
      progress(true);
      resolve({ startedAt, endedAt: clock(), records, connections });
    };

    const complete = (record: RequestRecord): void => {
      if (isFailure(record)) failed += 1;
      else ok += 1;
      if (options.onProgress && (record.status !== undefined || record.error === TIMEOUT_ERROR))
        recentLatencies.push(record.latencyMs);
    };

    const send = (index: number): void => {
      const scheduledAt = startedAt + index * intervalMs;
      const choice = nextPath();
      const method = choice.method ?? "GET";
      const sentAt = clock();
      const record: RequestRecord = { scheduledAt, sentAt, method, path: choice.path, latencyMs: 0 };
      records.push(record);
      sent += 1;
      if (inFlight >= maxInFlight) {
        record.error = MAX_IN_FLIGHT_ERROR;
        complete(record);
        return;
      }
      inFlight += 1;
      let finished = false;
      const finish = (outcome: { status?: number; error?: string; servedBy?: string }): void => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        record.latencyMs = clock() - sentAt;
        if (outcome.status !== undefined) record.status = outcome.status;
        if (outcome.error !== undefined) record.error = outcome.error;
        if (outcome.servedBy !== undefined) record.servedBy = outcome.servedBy;
        inFlight -= 1;
        complete(record);
        finishIfDone();
      };
      const fail = (error: Error): void => {
        finish({ error: (error as NodeJS.ErrnoException).code ?? "error" });
        outgoing.destroy();
      };

      const outgoing = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: choice.path,
          method,
          headers,
          agent,
          localAddress: options.localAddress,
        },
        (response) => {
          const servedBy = response.headers[SERVED_BY_HEADER];
          const status = response.statusCode ?? 0;
          response.resume();
          response.once("end", () =>
            finish(typeof servedBy === "string" ? { status, servedBy } : { status }),
          );
          response.once("error", fail);
          // A connection cut mid-answer closes the response without 'end' (and not always with 'error').
          response.once("close", () => {
            if (!response.complete)
              fail(Object.assign(new Error("answer cut short"), { code: "ECONNRESET" }));
          });
        },
      );
      outgoing.once("socket", () => {
        if (!outgoing.reusedSocket) connections += 1;
      });
      // One deadline for the whole exchange; the socket's own timeout only measures idleness.
      const timer = setTimeout(() => {
        finish({ error: TIMEOUT_ERROR });
        outgoing.destroy();
      }, timeoutMs);
      outgoing.once("error", fail);
      outgoing.end();
    };

    const tick = (): void => {
      sendTimer = undefined;
      if (stopped) return;
      // Everything due by now goes out at once: a late timer catches up instead of drifting.
      const due = Math.min(total, Math.floor((clock() - startedAt) / intervalMs) + 1);
      while (sent < due) send(sent);
      if (sent >= total) {
        finishIfDone();
        return;
      }
      const wait = startedAt + sent * intervalMs - clock();
      sendTimer = setTimeout(tick, Math.max(0, wait));
    };

    function onAbort(): void {
      stopped = true;
      clearTimeout(sendTimer);
      finishIfDone();
    }
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener("abort", onAbort, { once: true });
    tick();
  });
}

/**
 * Returns a picker that cycles through the paths in proportion to their weights, spread out
 * evenly (nginx's smooth weighted round robin): over any whole cycle the mix is exact, and a
 * path of weight 1 among 7 comes every seventh request rather than in a burst.
 */
export function smoothWeightedRoundRobin<T extends { weight: number }>(items: readonly T[]): () => T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  const current = items.map(() => 0);
  return () => {
    let best = 0;
    for (let i = 0; i < items.length; i++) {
      current[i] = (current[i] ?? 0) + (items[i]?.weight ?? 0);
      if ((current[i] ?? 0) > (current[best] ?? 0)) best = i;
    }
    current[best] = (current[best] ?? 0) - total;
    return items[best] as T;
  };
}
