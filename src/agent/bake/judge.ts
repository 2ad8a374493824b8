import type { StatRow, StatSnapshot } from "../../haproxy/runtime/stat-row.js";
import {
  type CounterSpan,
  type Counters,
  indexRows,
  lastWindow,
  perSecond,
  requestsOf,
  rowKey,
  spanOf,
  zeroCounters,
} from "./counters.js";
import type { BakePolicy } from "./policy.js";

/** What the judge needs: the stats before and since the apply, the prediction and the policy. */
export interface BakeInput {
  /** `show stat` before the apply, oldest first; ideally two samples or more over a second or more. */
  baseline: StatSnapshot[];
  /** `show stat` since the apply, oldest first; the first may be from before the reload. */
  samples: StatSnapshot[];
  /** When the change was applied, in milliseconds on the snapshots' clock. */
  appliedAt: number;
  /** The simulator's prediction: backend → server → share of the backend's picks, 0 to 1. */
  expectedShares?: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** `backend/server` pairs whose state a runtime operation changes on purpose. */
  exempt?: ReadonlySet<string>;
  policy: BakePolicy;
}

/** The kinds of breach the judge reports. */
export type BreachCheck =
  "error-ratio" | "connection-errors" | "client-errors" | "rate-collapse" | "server-down" | "share-drift";

/**
 * One threshold the change crossed. `observed`, `baseline` and `threshold` are in the check's
 * unit: percent of requests for error-ratio and client-errors, errors per 100 requests for
 * connection-errors, requests per second for rate-collapse, usable servers for server-down, and
 * percent of the backend's picks for share-drift (where `baseline` is the predicted share and
 * `threshold` the drift allowed, in points).
 */
export interface Breach {
  check: BreachCheck;
  /** `frontend www`, `backend web` or `server web/web-01`. */
  scope: string;
  observed: number;
  baseline: number;
  threshold: number;
  /** The requests (picks for share-drift) the figure is drawn from. */
  requests: number;
  /** The span the figure covers: the last window, or the time since the apply for share-drift. */
  windowMs: number;
  /** One plain sentence with the figures. */
  message: string;
}

/** What a frontend did in the last window. Ratios are in percent. */
export interface FrontendObserved {
  name: string;
  status: string;
  requests: number;
  rps: number;
  pct5xx: number;
  /** 4xx answers other than those the configuration denies on purpose. */
  pct4xx: number;
}

/** What a server did: requests in the last window, picks and share since the apply. */
export interface ServerObserved {
  name: string;
  status: string;
  requests: number;
  picks: number;
  sharePct: number;
  /** The simulator's share, when it predicted one for this backend. */
  expectedSharePct?: number;
}

/** What a backend did in the last window, and its servers. */
export interface BackendObserved extends FrontendObserved {
  /** Connection and response errors per 100 requests. */
  errorsPer100: number;
  servers: ServerObserved[];
}

/** A compact summary of the last window, for the agent's log and the incident report. */
export interface BakeObserved {
  /** When the last sample was taken. */
  at: number;
  sinceApplyMs: number;
  windowMs: number;
  frontends: FrontendObserved[];
  backends: BackendObserved[];
}

/** The judge's answer: every breach (none means keep going) and what it saw. */
export interface BakeVerdict {
  breaches: Breach[];
  observed: BakeObserved;
}

type ServerShare = Pick<ServerObserved, "picks" | "sharePct" | "expectedSharePct">;

// Shared and never written to: the counters of a row that saw nothing in a span.
const NONE: Counters = zeroCounters();

interface RatioCheck {
  check: BreachCheck;
  margin: (policy: BakePolicy) => number;
  bad: (c: Counters) => number;
  sentence: (scope: string, observed: string, requests: number, window: string) => string;
}

const FIVE_XX: RatioCheck = {
  check: "error-ratio",
  margin: (p) => p.errorMarginPct,
  // ereq stays out: it counts what clients got wrong (bad requests, client timeouts), which a
  // change on the HAProxy side does not cause, and HAProxy answers those with a 4xx anyway.
  bad: (c) => c.responses["5xx"],
  sentence: (scope, observed, requests, window) =>
    `${scope} answered 5xx to ${observed}% of ${requests} requests in the last ${window}`,
};

const FOUR_XX: RatioCheck = {
  check: "client-errors",
  margin: (p) => p.clientErrorMarginPct,
  // A deny rule answers 403 on purpose; only the 4xx the configuration did not ask for count.
  bad: (c) => Math.max(0, c.responses["4xx"] - c.denied),
  sentence: (scope, observed, requests, window) =>
    `${scope} answered 4xx to ${observed}% of ${requests} requests in the last ${window}`,
};

const CONNECTION: RatioCheck = {
  check: "connection-errors",
  margin: (p) => p.connectionErrorMarginPct,
  // Retries count too: a dead port shows in them at once, while each request waits out
  // HAProxy's one-second turn-around per retry before it becomes a 503 and a connection error.
  bad: (c) => c.connectionErrors + c.retries + c.responseErrors,
  sentence: (scope, observed, requests, window) =>
    `${scope} had ${observed} failed connection attempts or response errors per 100 requests over ${requests} requests in the last ${window}`,
};

const CHECKS_BY_TYPE: Record<"frontend" | "backend" | "server", RatioCheck[]> = {
  frontend: [FIVE_XX, FOUR_XX],
  backend: [FIVE_XX, CONNECTION, FOUR_XX],
  server: [FIVE_XX, CONNECTION],
};

/** DOWN, `DOWN 1/2` (coming back up) and every kind of MAINT take no traffic. */
function isDown(status: string): boolean {
  return status.startsWith("DOWN") || status.startsWith("MAINT");
}

function scopeOf(row: StatRow): string {
  if (row.type === "frontend") return `frontend ${row.proxy}`;
  if (row.type === "backend") return `backend ${row.proxy}`;
  return `server ${row.proxy}/${row.name}`;
}

const fixed = (n: number) => n.toFixed(1);
// Two decimals at most, so a 250 ms window reads 0.25 s and a full one 1 s.
const seconds = (ms: number) => `${Number((ms / 1000).toFixed(2))} s`;
const pctOf = (part: number, whole: number) => (whole > 0 ? (part * 100) / whole : 0);

/**
 * Judges one moment of a bake: compares the last window of samples since the apply with the
 * baseline and the simulator's prediction, and lists every breach of the policy. It is pure:
 * the same input always gives the same verdict, and it reads no clock.
 */
export function judgeBake(input: BakeInput): BakeVerdict {
  const { policy, samples, appliedAt } = input;
  const exempt = input.exempt ?? new Set<string>();
  const last = samples[samples.length - 1];
  const window = lastWindow(samples, policy.windowMs);
  const since = spanOf(samples);
  const base = spanOf(input.baseline);
  const lastBaseline = input.baseline[input.baseline.length - 1];
  const baseRows = lastBaseline === undefined ? new Map<string, StatRow>() : indexRows(lastBaseline);
  const sinceApplyMs = last === undefined ? 0 : last.at - appliedAt;
  const observed: BakeObserved = {
    at: last?.at ?? appliedAt,
    sinceApplyMs,
    windowMs: window.ms,
    frontends: [],
    backends: [],
  };
  const breaches: Breach[] = [];
  if (last === undefined || window.ms <= 0) return { breaches, observed };

  const inWindow = (row: StatRow) => window.counters.get(rowKey(row)) ?? NONE;
  const serversOf = new Map<string, StatRow[]>();
  for (const row of last.rows) {
    if (row.type !== "server") continue;
    const list = serversOf.get(row.proxy);
    if (list === undefined) serversOf.set(row.proxy, [row]);
    else list.push(row);
  }

  for (const row of last.rows) {
    if (row.type === "listener") continue;
    const counters = inWindow(row);
    for (const check of CHECKS_BY_TYPE[row.type]) {
      const breach = judgeRatio(check, row, counters, base.counters.get(rowKey(row)), window, policy);
      if (breach !== undefined) breaches.push(breach);
    }
    if (row.type === "frontend") {
      const breach = judgeRate(row, counters, base, window, sinceApplyMs, policy);
      if (breach !== undefined) breaches.push(breach);
    }
    const before = baseRows.get(rowKey(row));
    // A server or backend new in this change may still be running its first checks (init-state down).
    const settling = before === undefined && sinceApplyMs < policy.graceMs;
    if (!isDown(row.status) || settling || (before !== undefined && isDown(before.status))) continue;
    if (row.type === "backend") {
      const breach = judgeBackendDown(
        row,
        serversOf.get(row.proxy) ?? [],
        baseRows,
        exempt,
        counters,
        window,
      );
      if (breach !== undefined) breaches.push(breach);
    } else if (row.type === "server" && policy.serverDown && !exempt.has(rowKey(row))) {
      breaches.push(serverDown(row, before, counters, window));
    }
  }

  const shares = new Map<string, Map<string, ServerShare>>();
  for (const [backend, servers] of serversOf) {
    const result = judgeShares(backend, servers, input.expectedShares?.get(backend), exempt, since, policy);
    shares.set(backend, result.shares);
    breaches.push(...result.breaches);
  }

  for (const row of last.rows) {
    if (row.type !== "frontend" && row.type !== "backend") continue;
    const c = inWindow(row);
    const requests = requestsOf(c);
    const summary: FrontendObserved = {
      name: row.proxy,
      status: row.status,
      requests,
      rps: perSecond(requests, window.ms),
      pct5xx: pctOf(FIVE_XX.bad(c), requests),
      pct4xx: pctOf(FOUR_XX.bad(c), requests),
    };
    if (row.type === "frontend") {
      observed.frontends.push(summary);
      continue;
    }
    const byServer = shares.get(row.proxy);
    observed.backends.push({
      ...summary,
      errorsPer100: pctOf(CONNECTION.bad(c), requests),
      servers: (serversOf.get(row.proxy) ?? []).map((server) => {
        const share = byServer?.get(server.name);
        return {
          name: server.name,
          status: server.status,
          requests: requestsOf(inWindow(server)),
          picks: share?.picks ?? 0,
          sharePct: share?.sharePct ?? 0,
          ...(share?.expectedSharePct === undefined ? {} : { expectedSharePct: share.expectedSharePct }),
        };
      }),
    });
  }
  return { breaches, observed };
}

function judgeRatio(
  check: RatioCheck,
  row: StatRow,
  counters: Counters,
  before: Counters | undefined,
  window: CounterSpan,
  policy: BakePolicy,
): Breach | undefined {
  const requests = requestsOf(counters);
  if (requests < policy.minRequests) return undefined;
  const observed = pctOf(check.bad(counters), requests);
  const baseRequests = before === undefined ? 0 : requestsOf(before);
  // A baseline of a handful of requests says nothing about standing errors: judge against zero.
  const baseline =
    before === undefined || baseRequests < policy.minRequests ? 0 : pctOf(check.bad(before), baseRequests);
  const threshold = baseline + check.margin(policy);
  if (observed <= threshold) return undefined;
  const scope = scopeOf(row);
  const head = check.sentence(scope, fixed(observed), requests, seconds(window.ms));
  const tail =
    check.check === "connection-errors"
      ? `(baseline ${fixed(baseline)}, limit ${fixed(threshold)})`
      : `(baseline ${fixed(baseline)}%, limit ${fixed(threshold)}%)`;
  return {
    check: check.check,
    scope,
    observed,
    baseline,
    threshold,
    requests,
    windowMs: window.ms,
    message: `${head} ${tail}.`,
  };
}

function judgeRate(
  row: StatRow,
  counters: Counters,
  base: CounterSpan,
  window: CounterSpan,
  sinceApplyMs: number,
  policy: BakePolicy,
): Breach | undefined {
  // Right after a reload, keep-alive clients finish on the old worker and the new one ramps up.
  if (sinceApplyMs < policy.graceMs || base.ms <= 0) return undefined;
  const before = base.counters.get(rowKey(row));
  if (before === undefined) return undefined;
  const baseline = perSecond(requestsOf(before), base.ms);
  if (baseline < policy.rateCollapseMinRps) return undefined;
  const requests = requestsOf(counters);
  const observed = perSecond(requests, window.ms);
  const threshold = baseline * (1 - policy.rateCollapseDropPct / 100);
  if (observed >= threshold) return undefined;
  const scope = scopeOf(row);
  return {
    check: "rate-collapse",
    scope,
    observed,
    baseline,
    threshold,
    requests,
    windowMs: window.ms,
    message:
      `${scope} received ${fixed(observed)} requests/s in the last ${seconds(window.ms)}, down from ` +
      `${fixed(baseline)} requests/s before the apply (limit ${fixed(threshold)} requests/s).`,
  };
}

function serverDown(
  row: StatRow,
  before: StatRow | undefined,
  counters: Counters,
  window: CounterSpan,
): Breach {
  const scope = scopeOf(row);
  const check = row.checkStatus === undefined || row.checkStatus === "" ? "" : ` (${row.checkStatus})`;
  const was = before === undefined ? "it is new in this change" : `it was ${before.status} before the apply`;
  return {
    check: "server-down",
    scope,
    observed: 0,
    baseline: before === undefined ? 0 : 1,
    threshold: 1,
    requests: requestsOf(counters),
    windowMs: window.ms,
    message: `${scope} is ${row.status}${check}; ${was}.`,
  };
}

function judgeBackendDown(
  row: StatRow,
  servers: StatRow[],
  baseRows: Map<string, StatRow>,
  exempt: ReadonlySet<string>,
  counters: Counters,
  window: CounterSpan,
): Breach | undefined {
  // Every server taken out on purpose: the operation meant to empty the backend.
  if (servers.length > 0 && servers.every((s) => exempt.has(rowKey(s)))) return undefined;
  const scope = scopeOf(row);
  const usableBefore = servers.filter((s) => {
    const was = baseRows.get(rowKey(s));
    return was !== undefined && !isDown(was.status);
  }).length;
  const requests = requestsOf(counters);
  return {
    check: "server-down",
    scope,
    observed: 0,
    baseline: usableBefore,
    threshold: 1,
    requests,
    windowMs: window.ms,
    message:
      `${scope} is ${row.status} with no usable server left (${usableBefore} of its servers were usable ` +
      `before the apply); it got ${requests} requests in the last ${seconds(window.ms)}.`,
  };
}

function judgeShares(
  backend: string,
  servers: StatRow[],
  expected: ReadonlyMap<string, number> | undefined,
  exempt: ReadonlySet<string>,
  since: CounterSpan,
  policy: BakePolicy,
): { shares: Map<string, ServerShare>; breaches: Breach[] } {
  // Servers taken out on purpose leave the comparison, and both sides are renormalised over the
  // rest, so draining one server is not read as the others drifting.
  const judged = (name: string) => !exempt.has(`${backend}/${name}`);
  const picks = new Map(servers.map((s) => [s.name, since.counters.get(rowKey(s))?.picked ?? 0]));
  const names = new Set([...picks.keys(), ...(expected?.keys() ?? [])]);
  let totalPicks = 0;
  let totalExpected = 0;
  for (const name of names) {
    if (!judged(name)) continue;
    totalPicks += picks.get(name) ?? 0;
    totalExpected += expected?.get(name) ?? 0;
  }
  const shares = new Map<string, ServerShare>();
  const breaches: Breach[] = [];
  for (const name of names) {
    const own = picks.get(name) ?? 0;
    const sharePct = judged(name) ? pctOf(own, totalPicks) : 0;
    if (expected === undefined || totalExpected <= 0 || !judged(name)) {
      if (picks.has(name)) shares.set(name, { picks: own, sharePct });
      continue;
    }
    const expectedSharePct = pctOf(expected.get(name) ?? 0, totalExpected);
    if (picks.has(name)) shares.set(name, { picks: own, sharePct, expectedSharePct });
    if (totalPicks < policy.shareMinRequests) continue;
    if (Math.abs(sharePct - expectedSharePct) <= policy.shareDriftPct) continue;
    const scope = `server ${backend}/${name}`;
    breaches.push({
      check: "share-drift",
      scope,
      observed: sharePct,
      baseline: expectedSharePct,
      threshold: policy.shareDriftPct,
      requests: totalPicks,
      windowMs: since.ms,
      message:
        `${scope} took ${fixed(sharePct)}% of backend ${backend}'s ${totalPicks} picks since the apply ` +
        `where ${fixed(expectedSharePct)}% was predicted (allowed drift ${fixed(policy.shareDriftPct)} points).`,
    });
  }
  return { shares, breaches };
}
