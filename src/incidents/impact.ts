import type { MetricSample, RowSample } from "../monitor/types.js";
import { timeOf } from "./recorded-events.js";
import type { Impact } from "./types.js";

/** A sample needs this many frontend requests for its failed ratio to count as the peak. */
const PEAK_MIN_REQUESTS = 10;
/** A backend needs this many picks in a sample for its servers' shares there to be compared. */
const SHARE_MIN_PICKS = 10;
/** A server's share of its backend's picks must move by more than this (0..1) to count. */
const SHARE_MOVED = 0.1;

/**
 * What an incident cost, from each node's samples (node → samples, oldest first), over
 * `window`. A sample's gains cover (at − intervalMs, at]; a sample counts whole when that
 * interval overlaps (from, to], i.e. it ends after `from` and begins before `to`. Whole samples
 * keep the counts in whole requests, and no failure inside the window is lost; the price is up
 * to one interval (a second, with the agent's samples) of traffic counted at each end. A node's
 * first sample (interval 0) only sets its counters' base and counts for nothing; a sample taken
 * across a reload (`reset`) already holds the gains since the reload and counts as it is.
 *
 * Requests and failed are the frontends' (failed: 4xx, 5xx, other responses and request
 * errors); the peak is the worst failed ratio of one node's sample with at least 10 requests.
 * Backends are affected with any failed response (4xx, 5xx, other) or connection or response
 * error, worst first. Servers are affected with errors (5xx, other, connection and response
 * errors), when a sample shows them going DOWN, or when their share of their backend's picks moved by
 * more than 10 points from the first sample of the window on that node. Pure.
 */
export function computeImpact(
  samples: ReadonlyMap<string, readonly MetricSample[]>,
  window: { from: string; to: string },
): Impact {
  const from = timeOf(window.from);
  const to = timeOf(window.to);
  const counts = (s: MetricSample) =>
    s.intervalMs > 0 && timeOf(s.at) > from && timeOf(s.at) - s.intervalMs < to;
  let requests = 0;
  let failed = 0;
  let peak = 0;
  const backends = new Map<string, { requests: number; failed: number }>();
  const servers = new Map<string, ServerTrouble>();
  const troubleOf = (key: string): ServerTrouble => {
    const found = servers.get(key) ?? { errors: 0, down: [], moved: [] };
    servers.set(key, found);
    return found;
  };
  for (const [node, list] of [...samples].sort(([a], [b]) => a.localeCompare(b))) {
    const ordered = [...list].sort((a, b) => timeOf(a.at) - timeOf(b.at));
    const status = new Map<string, string>();
    const firstShare = new Map<string, number>();
    for (const sample of ordered) {
      const inWindow = counts(sample);
      for (const row of sample.rows) {
        if (row.kind !== "server" || row.server === undefined) continue;
        const key = `${row.proxy}/${row.server}`;
        const before = status.get(key);
        status.set(key, row.status);
        if (!inWindow || !row.status.startsWith("DOWN") || before?.startsWith("DOWN") === true) continue;
        // Without an earlier sample it may have been down before the window began.
        troubleOf(key).down.push(before === undefined ? `DOWN on ${node}` : `went DOWN on ${node}`);
      }
      if (!inWindow) continue;
      let sampleRequests = 0;
      let sampleFailed = 0;
      for (const row of sample.rows) {
        if (row.kind === "frontend") {
          sampleRequests += row.requests;
          sampleFailed += frontendFailed(row);
        } else if (row.kind === "backend") {
          const total = backends.get(row.proxy) ?? { requests: 0, failed: 0 };
          total.requests += row.requests;
          total.failed += backendFailed(row);
          backends.set(row.proxy, total);
        } else if (row.server !== undefined) {
          troubleOf(`${row.proxy}/${row.server}`).errors += serverErrors(row);
        }
      }
      requests += sampleRequests;
      failed += sampleFailed;
      if (sampleRequests >= PEAK_MIN_REQUESTS) peak = Math.max(peak, (sampleFailed / sampleRequests) * 100);
      for (const [key, share] of shares(sample)) {
        const first = firstShare.get(key);
        if (first === undefined) firstShare.set(key, share);
        else if (Math.abs(share - first) > SHARE_MOVED)
          troubleOf(key).moved.push({ node, from: first, to: share });
      }
    }
  }
  return {
    from: window.from,
    to: window.to,
    durationS: Math.max(0, (to - from) / 1000),
    requests,
    failed,
    failedPct: percent(failed, requests),
    peakErrorPct: round2(peak),
    affectedBackends: [...backends]
      .filter(([, b]) => b.failed > 0)
      .map(([backend, b]) => ({ backend, failed: b.failed, failedPct: percent(b.failed, b.requests) }))
      .sort((a, b) => b.failed - a.failed || b.failedPct - a.failedPct || a.backend.localeCompare(b.backend)),
    affectedServers: [...servers]
      .flatMap(([server, trouble]) => {
        const why = whyOf(trouble);
        return why === "" ? [] : [{ server, why, errors: trouble.errors }];
      })
      .sort((a, b) => b.errors - a.errors || a.server.localeCompare(b.server))
      .map(({ server, why }) => ({ server, why })),
  };
}

/** What went wrong with one server over the window. */
interface ServerTrouble {
  errors: number;
  down: string[];
  /** Share moves, on each node, from the window's first sample to the sample that moved. */
  moved: { node: string; from: number; to: number }[];
}

function whyOf(trouble: ServerTrouble): string {
  const parts: string[] = [];
  if (trouble.errors > 0) parts.push(`${trouble.errors} error${trouble.errors === 1 ? "" : "s"}`);
  parts.push(...new Set(trouble.down));
  const nodes = [...new Set(trouble.moved.map((m) => m.node))];
  for (const node of nodes) {
    // The sample furthest from the first one tells how far the share went.
    const furthest = trouble.moved
      .filter((m) => m.node === node)
      .reduce((a, b) => (Math.abs(b.to - b.from) > Math.abs(a.to - a.from) ? b : a));
    parts.push(`share ${Math.round(furthest.from * 100)}% -> ${Math.round(furthest.to * 100)}% on ${node}`);
  }
  return parts.join("; ");
}

/** Each server's share (0..1) of its backend's picks in one sample, for backends picked enough. */
function shares(sample: MetricSample): Map<string, number> {
  const picks = new Map<string, number>();
  for (const row of sample.rows) {
    if (row.kind === "server") picks.set(row.proxy, (picks.get(row.proxy) ?? 0) + row.picked);
  }
  const result = new Map<string, number>();
  for (const row of sample.rows) {
    const total = picks.get(row.proxy) ?? 0;
    if (row.kind === "server" && row.server !== undefined && total >= SHARE_MIN_PICKS) {
      result.set(`${row.proxy}/${row.server}`, row.picked / total);
    }
  }
  return result;
}

function frontendFailed(row: RowSample): number {
  return row.responses["4xx"] + row.responses["5xx"] + row.responses.other + row.requestErrors;
}

// HAProxy answers a failed connection or an invalid response with a 5xx of its own and counts
// both the error and the answer; the larger of the two counts each failure once, and still
// counts TCP proxies, which have errors but no HTTP answers.
function backendFailed(row: RowSample): number {
  const answered = row.responses["4xx"] + row.responses["5xx"] + row.responses.other;
  return Math.max(answered, row.connectionErrors + row.responseErrors);
}

function serverErrors(row: RowSample): number {
  const answered = row.responses["5xx"] + row.responses.other;
  return Math.max(answered, row.connectionErrors + row.responseErrors);
}

function percent(part: number, whole: number): number {
  return whole > 0 ? round2((part / whole) * 100) : 0;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
