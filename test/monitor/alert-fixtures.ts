import { DEFAULT_ALERT_RULES } from "../../src/monitor/alert-config.js";
import type { ClusterNode, ClusterView } from "../../src/monitor/cluster-view.js";
import type { AlertKind, AlertRule, MetricSample, RowSample } from "../../src/monitor/types.js";
import { metricSample, rowSample } from "./sample-builders.js";

/** The clock the synthetic samples run on: second `s` is `T0 + s * 1000`. */
export const T0 = Date.parse("2026-11-21T10:00:00.000Z");

/** An instant `s` seconds after T0, in milliseconds. */
export const at = (s: number): number => T0 + s * 1000;

/** One second of traffic through frontend `www` to backend `web` and its servers. */
export interface Traffic {
  /** Requests this second (default 100). */
  rps?: number;
  /** Fractions of the requests answered 5xx by the servers and 4xx by the frontend. */
  fail5xx?: number;
  fail4xx?: number;
  /** How many of the 4xx were deliberate denies. */
  denied?: number;
  /** Relative weights of the servers that take requests (default web-01: 1, web-02: 1). */
  weights?: Record<string, number>;
  /** Server statuses (default UP). */
  status?: Record<string, string>;
  backendStatus?: string;
  /** The backend's `rtime` (default 20 ms). */
  rtMs?: number;
}

const SERVERS = ["web-01", "web-02"];

/** The rows of one second of `traffic`: the picks split by weight, the remainder to the last. */
export function trafficRows(traffic: Traffic = {}): RowSample[] {
  const rps = traffic.rps ?? 100;
  const fail5xx = Math.round(rps * (traffic.fail5xx ?? 0));
  const fail4xx = Math.round(rps * (traffic.fail4xx ?? 0));
  const weights = traffic.weights ?? { "web-01": 1, "web-02": 1 };
  const totalWeight = Object.values(weights).reduce((a, b) => a + b, 0);
  const taking = SERVERS.filter((s) => (weights[s] ?? 0) > 0);
  let left = rps;
  const picks = new Map<string, number>();
  taking.forEach((server, i) => {
    const n = i === taking.length - 1 ? left : Math.round((rps * (weights[server] ?? 0)) / totalWeight);
    picks.set(server, n);
    left -= n;
  });
  const classes = (ok: number, five: number, four: number) => ({ "2xx": ok, "4xx": four, "5xx": five });
  return [
    rowSample("frontend", "www", {
      requests: rps,
      responses: classes(rps - fail5xx - fail4xx, fail5xx, fail4xx),
      denied: traffic.denied ?? 0,
    }),
    rowSample("backend", "web", {
      requests: rps - fail4xx,
      responses: classes(rps - fail5xx - fail4xx, fail5xx, 0),
      picked: rps - fail4xx,
      status: traffic.backendStatus ?? "UP",
      responseTimeMs: traffic.rtMs ?? 20,
    }),
    ...SERVERS.map((server) => {
      const n = picks.get(server) ?? 0;
      return rowSample("server", "web", {
        server,
        requests: n,
        picked: n,
        responses: classes(n, 0, 0),
        status: traffic.status?.[server] ?? "UP",
        weight: weights[server] ?? 0,
      });
    }),
  ];
}

/** One sample per second for seconds `from` to `to` (inclusive) on `node`, each one second long. */
export function series(
  node: string,
  from: number,
  to: number,
  traffic: (second: number) => Traffic = () => ({}),
): MetricSample[] {
  const samples: MetricSample[] = [];
  for (let s = from; s <= to; s++)
    samples.push(metricSample(node, new Date(at(s)).toISOString(), trafficRows(traffic(s))));
  return samples;
}

/**
 * A healthy cluster at second `now` for the nodes of `samples`: each node seen just now, no
 * drift, no events, servers web-01 and web-02 predicted to take half of web's picks each.
 */
export function viewOf(
  samples: Record<string, MetricSample[]>,
  now: number,
  extra: Partial<ClusterView> = {},
): ClusterView {
  const nodes: ClusterNode[] = Object.keys(samples).map((name) => ({
    name,
    lastSeenAt: at(now),
    haproxy: "up",
  }));
  return {
    cluster: "shop",
    now: at(now),
    samples: new Map(Object.entries(samples)),
    nodes,
    expectedShares: new Map([
      [
        "web",
        new Map([
          ["web-01", 0.5],
          ["web-02", 0.5],
        ]),
      ],
    ]),
    events: [],
    ...extra,
  };
}

/** The shipped rule of a kind, with some parameters or fields changed. */
export function ruleOf(
  kind: AlertKind,
  params: Record<string, number> = {},
  fields: Partial<AlertRule> = {},
): AlertRule {
  const shipped = DEFAULT_ALERT_RULES.find((r) => r.kind === kind);
  if (shipped === undefined) throw new Error(`no shipped rule of kind ${kind}`);
  return { ...shipped, params: { ...shipped.params, ...params }, ...fields };
}
