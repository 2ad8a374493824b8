/**
 * The shapes monitoring shares between the agent that samples, the store that keeps the samples,
 * the alert engine that reads them and the incident code that measures impact with them.
 */

/** HTTP responses by class, as HAProxy counts them. */
export interface ResponseClasses {
  "1xx": number;
  "2xx": number;
  "3xx": number;
  "4xx": number;
  "5xx": number;
  other: number;
}

/** What one frontend, backend or server did during one interval, and how it stood at its end. */
export interface RowSample {
  kind: "frontend" | "backend" | "server";
  /** The frontend, backend or listen section. */
  proxy: string;
  /** The server's name; absent for frontend and backend rows. */
  server?: string;
  /** Requests during the interval: HTTP requests, or sessions for TCP proxies and servers. */
  requests: number;
  responses: ResponseClasses;
  /** `ereq`, `econ`, `eresp`, `wretr`, `dreq + dresp` during the interval. */
  requestErrors: number;
  connectionErrors: number;
  responseErrors: number;
  retries: number;
  denied: number;
  /** Times the balancer picked this server during the interval (`lbtot`). */
  picked: number;
  /** Gauges at the end of the interval. */
  status: string;
  weight?: number;
  sessionsCurrent: number;
  queueCurrent: number;
  /** HAProxy's averages over its last 1024 requests, in milliseconds (`qtime`, `rtime`, `ttime`). */
  queueTimeMs?: number;
  responseTimeMs?: number;
  totalTimeMs?: number;
  checkStatus?: string;
  /** `host:port` of a server. */
  address?: string;
}

/**
 * One node's stats over one interval: the counters each row gained (reset-corrected: a reload
 * restarts HAProxy's counters, and the new values then are the gains) and its gauges at `at`.
 * A rollup of a minute has the same shape, with counters added up and gauges from its last
 * sample (times: the mean of the samples that had one).
 */
export interface MetricSample {
  /** The node's name within its cluster. */
  node: string;
  /** End of the interval (start of the minute for a rollup), ISO 8601 with milliseconds. */
  at: string;
  /** How long the interval was; 0 for a node's first sample, which only sets the counters' base. */
  intervalMs: number;
  /** HAProxy restarted its counters (a reload) during the interval. */
  reset: boolean;
  rows: RowSample[];
}

/** `POST /api/v1/agent/stats`: samples in the order they were taken. */
export interface AgentStatsReport {
  samples: MetricSample[];
}

// --- alerts -----------------------------------------------------------------------------------

/** The kinds of alert rule lbguard knows; each is one file under `src/monitor/alert-rules/`. */
export const ALERT_KINDS = [
  "error-ratio",
  "client-error-surge",
  "latency-p95",
  "request-rate-collapse",
  "server-down",
  "backend-unavailable",
  "imbalance",
  "node-unreachable",
  "drift",
  "config-applied",
  "config-rolled-back",
  "split-brain",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const ALERT_SEVERITIES = ["critical", "warning", "info"] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** What an alert is about; only the labels that apply are set. */
export interface AlertLabels {
  node?: string;
  frontend?: string;
  backend?: string;
  server?: string;
}

/** One rule, as read from YAML (or the shipped defaults), with where it was written. */
export interface AlertRule {
  /** Unique name, kebab-case, e.g. `error-ratio-high`. */
  name: string;
  kind: AlertKind;
  severity: AlertSeverity;
  /** Seconds the condition must hold before the alert fires (0: at once). */
  forS: number;
  /** The kind's own parameters (thresholds, windows), defaults filled in. */
  params: Record<string, number>;
  /** False to switch a shipped rule off. */
  enabled: boolean;
  /** Where the rule was written; absent for the shipped defaults. */
  source?: { file: string; line: number };
}

/** A webhook to notify, from the `receivers:` of the rules file or `--webhook`. */
export interface Receiver {
  name: string;
  url: string;
  /** `generic`: lbguard's JSON; `slack`: a Slack-compatible `{text, blocks}` body. */
  format: "generic" | "slack";
  /** Only alerts at or above this severity; default `warning`. */
  minSeverity: AlertSeverity;
}

/** The rules and receivers in force. */
export interface AlertConfig {
  rules: AlertRule[];
  receivers: Receiver[];
}

/** A condition a rule found true now: what, how much, against what. */
export interface AlertCondition {
  labels: AlertLabels;
  /** The observed figure, in the rule's unit (see `unit`). */
  value: number;
  threshold: number;
  /** `%`, `points`, `ms`, `req/s`, `servers`, `s`, or `` for a count. */
  unit: string;
  /** One plain sentence with the figures, e.g. `backend web: 42.0% of responses were 5xx …`. */
  summary: string;
}

export type AlertState = "pending" | "firing" | "resolved";

/** One alert episode. */
export interface Alert {
  id: number;
  fingerprint: string;
  cluster: string;
  rule: string;
  kind: AlertKind;
  severity: AlertSeverity;
  labels: AlertLabels;
  state: AlertState;
  value: number;
  threshold: number;
  summary: string;
  activeAt: string;
  firedAt?: string;
  resolvedAt?: string;
  /** Ranked, best explanation first; filled when the alert fires. */
  suspects: Suspect[];
  silencedBy?: number;
}

/** A silence: matching alerts still fire and are recorded, but notify nobody until `endsAt`. */
export interface Silence {
  id: number;
  /** Absent: every cluster. */
  cluster?: string;
  /** Label (or `rule`, `severity`) to exact value; every matcher must match. */
  matchers: Record<string, string>;
  comment: string;
  createdBy: string;
  createdAt: string;
  endsAt: string;
  expiredAt?: string;
}

// --- suspects ---------------------------------------------------------------------------------

/** Something that changed the load balancer's behaviour, recorded in the event log. */
export interface ChangeCandidate {
  /** `version`: a new haproxy.cfg applied; `runtime-operation`: an approved runtime change;
   *  `hand-change`: a change made outside lbguard and seen as drift. */
  kind: "version" | "runtime-operation" | "hand-change";
  /** What to look at: `change:12`, `version:7`, `node:web/lb-2`. */
  ref: string;
  /** When it took effect on a node, ISO 8601. */
  at: string;
  actor: string;
  /** The node it took effect on, when known. */
  node?: string;
  /** The node's apply or runtime operation id (`apply-…`, `op-…`), when known. */
  apply?: string;
  /** The control plane's version it applied, for a `version`. */
  version?: number;
  /** One line, e.g. `version 7: "weights for the new servers" by alice`. */
  summary: string;
  /** What it touched: servers as `backend/server`, backends, frontends. */
  touches: { servers: string[]; backends: string[]; frontends: string[] };
  /** Predicted share change per `backend/server`, in points (after − before), from the plan. */
  shareShift?: Record<string, number>;
  /** The command that undoes it. */
  rollback: string;
}

/** A candidate ranked against one alert. */
export interface Suspect extends ChangeCandidate {
  /** 0 to 1: how well it explains the symptom. */
  score: number;
  /** Why it ranks where it does, e.g. `changed the weight of web/web-02, the server the alert names`. */
  reasons: string[];
}
