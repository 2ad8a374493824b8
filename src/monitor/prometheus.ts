import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";
import type { NodeLatest } from "./metric-store.js";
import { RESPONSE_CLASSES } from "./row-counters.js";
import type { AlertSeverity, MetricSample, RowSample } from "./types.js";

/**
 * The control plane's Prometheus metrics. Counters are this process's running totals of the
 * gains it ingested (samples carry reset-corrected gains, so they only grow, across HAProxy
 * reloads too); the gauges are set from the store at each scrape.
 */
export interface MonitorMetrics {
  readonly registry: Registry;
  /** The exposition's content type. */
  readonly contentType: string;
  /** Adds the gains of newly stored samples of `cluster`/`node` to the counters. */
  countSamples(cluster: string, node: string, samples: readonly MetricSample[]): void;
  /** Replaces the gauges with how each node stood at its latest sample. */
  showLatest(latest: readonly NodeLatest[]): void;
  /**
   * Replaces `cluster`'s `lbguard_alerts_firing` with the alerts firing now; a rule and severity
   * that fired before and no longer does reads 0 rather than vanishing.
   */
  setFiring(cluster: string, firing: readonly { rule: string; severity: AlertSeverity }[]): void;
  /** Counts one notification attempt to `receiver`, e.g. outcome `delivered`, `failed`, `retried`. */
  countNotification(receiver: string, outcome: string): void;
  /** The exposition text. */
  exposition(): Promise<string>;
}

const NODE = ["cluster", "node"] as const;
const ROW = [...NODE, "proxy", "kind", "server"] as const;
const SERVER = [...NODE, "backend", "server"] as const;

/** A fresh registry with lbguard's metrics and the process's default ones under `lbguard_`. */
export function createMonitorMetrics(): MonitorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "lbguard_" });
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge({ name, help, labelNames, registers });

  const requests = counter(
    "lbguard_haproxy_requests_total",
    "Requests (sessions for TCP proxies) a frontend or backend handled.",
    ROW,
  );
  const responses = counter(
    "lbguard_haproxy_responses_total",
    "HTTP responses of a frontend or backend, by status class.",
    [...ROW, "code"],
  );
  const serverRequests = counter(
    "lbguard_haproxy_server_requests_total",
    "Requests (sessions) a server handled.",
    SERVER,
  );
  const connectionErrors = counter(
    "lbguard_haproxy_connection_errors_total",
    "Failed connections to a server (econ), per backend and server.",
    ROW,
  );
  const responseErrors = counter(
    "lbguard_haproxy_response_errors_total",
    "Response errors (eresp), per backend and server.",
    ROW,
  );
  const up = gauge(
    "lbguard_haproxy_server_up",
    "1 when the server is up at its latest sample, else 0.",
    SERVER,
  );
  const weight = gauge("lbguard_haproxy_server_weight", "The server's effective weight.", SERVER);
  const share = gauge(
    "lbguard_haproxy_server_share_ratio",
    "The server's share, 0 to 1, of its backend's picks during the latest sample.",
    SERVER,
  );
  const queueTime = gauge(
    "lbguard_haproxy_queue_time_seconds",
    "HAProxy's average time queued over the last 1024 requests (qtime).",
    ROW,
  );
  const responseTime = gauge(
    "lbguard_haproxy_response_time_seconds",
    "HAProxy's average server response time over the last 1024 requests (rtime).",
    ROW,
  );
  const lastSeen = gauge(
    "lbguard_node_last_seen_timestamp_seconds",
    "When the node's agent was last heard from, Unix time.",
    NODE,
  );
  const alertsFiring = gauge("lbguard_alerts_firing", "Alerts firing now.", ["cluster", "rule", "severity"]);
  const notifications = counter("lbguard_notifications_total", "Notification attempts, by outcome.", [
    "receiver",
    "outcome",
  ]);
  const firingSeen = new Map<string, Set<string>>();

  return {
    registry,
    contentType: registry.contentType,
    countSamples(cluster, node, samples) {
      for (const sample of samples) {
        for (const row of sample.rows) {
          if (row.kind === "server") {
            const labels = { cluster, node, backend: row.proxy, server: row.server ?? "" };
            serverRequests.inc(labels, row.requests);
          } else {
            const labels = { cluster, node, proxy: row.proxy, kind: row.kind };
            requests.inc(labels, row.requests);
            for (const code of RESPONSE_CLASSES) responses.inc({ ...labels, code }, row.responses[code]);
          }
          // Frontends neither connect to servers nor read their responses.
          if (row.kind !== "frontend") {
            connectionErrors.inc(rowLabels(cluster, node, row), row.connectionErrors);
            responseErrors.inc(rowLabels(cluster, node, row), row.responseErrors);
          }
        }
      }
    },
    showLatest(latest) {
      for (const metric of [up, weight, share, queueTime, responseTime, lastSeen]) metric.reset();
      for (const { cluster, node, lastSeenAt, sample } of latest) {
        if (lastSeenAt) lastSeen.set({ cluster, node }, Date.parse(lastSeenAt) / 1000);
        const rows = sample?.rows ?? [];
        const picks = new Map<string, number>();
        for (const row of rows) {
          if (row.kind === "server") picks.set(row.proxy, (picks.get(row.proxy) ?? 0) + row.picked);
        }
        for (const row of rows) {
          if (row.queueTimeMs !== undefined)
            queueTime.set(rowLabels(cluster, node, row), row.queueTimeMs / 1000);
          if (row.responseTimeMs !== undefined)
            responseTime.set(rowLabels(cluster, node, row), row.responseTimeMs / 1000);
          if (row.kind !== "server") continue;
          const labels = { cluster, node, backend: row.proxy, server: row.server ?? "" };
          up.set(labels, isUp(row.status) ? 1 : 0);
          if (row.weight !== undefined) weight.set(labels, row.weight);
          const total = picks.get(row.proxy) ?? 0;
          if (total > 0) share.set(labels, row.picked / total);
        }
      }
    },
    setFiring(cluster, firing) {
      const counts = new Map<string, number>();
      for (const { rule, severity } of firing) {
        const key = JSON.stringify([rule, severity]);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const key of firingSeen.get(cluster) ?? []) if (!counts.has(key)) counts.set(key, 0);
      for (const [key, count] of counts) {
        const [rule, severity] = JSON.parse(key) as [string, string];
        alertsFiring.set({ cluster, rule, severity }, count);
      }
      firingSeen.set(cluster, new Set(counts.keys()));
    },
    countNotification(receiver, outcome) {
      notifications.inc({ receiver, outcome });
    },
    exposition: () => registry.metrics(),
  };
}

/** The labels of a row in the metrics that mix frontends, backends and servers. */
function rowLabels(cluster: string, node: string, row: RowSample): Record<string, string> {
  return {
    cluster,
    node,
    proxy: row.proxy,
    kind: row.kind,
    ...(row.server !== undefined ? { server: row.server } : {}),
  };
}

/** Whether HAProxy counts the server as up: `UP`, `UP 1/3` (going down), `NOLB`, `DRAIN`, `no check`. */
export function isUp(status: string): boolean {
  return /^(UP|NOLB|DRAIN|no check)/.test(status);
}

/** The control plane's metrics, shared by the routes that feed them and the modules that set them. */
export const monitorMetrics: MonitorMetrics = createMonitorMetrics();
