import type { Generated } from "kysely";

/**
 * The control plane's tables, as Kysely sees them. Times are ISO 8601 text and structured values
 * JSON text, so that SQLite and PostgreSQL hold the same bytes and a backup moves between them.
 */
export interface Database {
  users: UsersTable;
  tokens: TokensTable;
  clusters: ClustersTable;
  nodes: NodesTable;
  versions: VersionsTable;
  changes: ChangesTable;
  reviews: ReviewsTable;
  rollouts: RolloutsTable;
  rollout_nodes: RolloutNodesTable;
  events: EventsTable;
  audit_head: AuditHeadTable;
  metric_samples: MetricSamplesTable;
  metric_rollups: MetricRollupsTable;
  alerts: AlertsTable;
  silences: SilencesTable;
  notifications: NotificationsTable;
  incidents: IncidentsTable;
}

export interface UsersTable {
  name: string;
  role: string;
  created_at: string;
}

export interface TokensTable {
  /** Public part of the token, shown in lists. */
  id: string;
  /** sha256 of the secret part, hex; the secret itself is never stored. */
  secret_hash: string;
  role: string;
  user_name: string | null;
  /** `cluster/node` for agent tokens. */
  node_id: string | null;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

export interface ClustersTable {
  name: string;
  /** ClusterPolicy as JSON. */
  policy: string;
  /** Inventory YAML, for the gate. */
  inventory: string | null;
  /** Requests per second the gate predicts with. */
  rps: number;
  current_version: number | null;
  created_at: string;
}

export interface NodesTable {
  /** `cluster/name`. */
  id: string;
  cluster: string;
  name: string;
  desired_version: number;
  applied_version: number | null;
  running_hash: string | null;
  /** NodeHealth as JSON. */
  health: string | null;
  last_seen_at: string | null;
  /** Drift[] as JSON, null when none. */
  drift: string | null;
  created_at: string;
  /** The VRRP instance's state as the agent last reported it (MASTER, BACKUP, FAULT, …). */
  vrrp_state: string | null;
  /** 1 when the node held the VIP at that report, 0 when not. */
  vrrp_holds_vip: number | null;
  /** When the agent last reported its VRRP state. */
  vrrp_seen_at: string | null;
  /** sha256 of the keepalived.conf on the node, as it reported it. */
  keepalived_hash: string | null;
}

export interface VersionsTable {
  id: Generated<number>;
  cluster: string;
  hash: string;
  text: string;
  author: string;
  message: string;
  parent: number | null;
  created_at: string;
  /** The keepalived pair file (YAML) versioned with the config, null without a pair. */
  vrrp: string | null;
}

export interface ChangesTable {
  id: Generated<number>;
  cluster: string;
  kind: string;
  state: string;
  author: string;
  message: string;
  parent: number;
  version: number | null;
  /** RuntimeOperationSpec as JSON. */
  operation: string | null;
  verdict: string;
  risk: string;
  /** GateFinding[] as JSON. */
  findings: string;
  /** Plan as JSON. */
  plan: string;
  created_at: string;
  updated_at: string;
}

export interface ReviewsTable {
  id: Generated<number>;
  change_id: number;
  reviewer: string;
  decision: string;
  comment: string;
  override: string | null;
  created_at: string;
}

export interface RolloutsTable {
  id: Generated<number>;
  change_id: number;
  cluster: string;
  state: string;
  started_by: string;
  created_at: string;
  finished_at: string | null;
  /**
   * `cluster/node` of the node that held the VIP when a pair rollout started: it goes last and
   * hands the VIP over once the backup canary stands by. Null: the nodes go in name order.
   */
  vip_holder: string | null;
}

export interface RolloutNodesTable {
  rollout_id: number;
  node_id: string;
  /** 0 is the canary. */
  position: number;
  state: string;
  apply: string | null;
  detail: string | null;
  updated_at: string;
}

export interface EventsTable {
  seq: number;
  at: string;
  type: string;
  actor: string;
  cluster: string | null;
  subject: string | null;
  /** JSON object. */
  data: string;
  prev_hash: string;
  hash: string;
}

/** One row (id 1): the last event's seq and hash, so that a removed last event shows. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

/** One stats sample a node's agent sent: what each proxy row did during one interval. */
export interface MetricSamplesTable {
  /** `cluster/node`. */
  node_id: string;
  /** End of the interval, ISO 8601. */
  at: string;
  interval_ms: number;
  /** MetricSample's `reset` and `rows` as JSON. */
  data: string;
}

/** One minute of a node's samples added up (see `rollupSamples`). */
export interface MetricRollupsTable {
  node_id: string;
  /** Start of the minute, ISO 8601. */
  minute: string;
  interval_ms: number;
  data: string;
}

/** One alert episode: from pending to resolved, for one rule and one subject. */
export interface AlertsTable {
  id: Generated<number>;
  /** Rule name and labels, hashed: the same symptom keeps the same fingerprint. */
  fingerprint: string;
  cluster: string;
  rule: string;
  kind: string;
  severity: string;
  /** AlertLabels as JSON. */
  labels: string;
  state: string;
  value: number;
  threshold: number;
  summary: string;
  active_at: string;
  fired_at: string | null;
  resolved_at: string | null;
  /** Suspect[] as JSON, ranked, set when the alert fires. */
  suspects: string;
  /** The silence that held its notifications back, if any. */
  silenced_by: number | null;
  updated_at: string;
}

/** A silence: alerts matching it notify nobody until it ends. */
export interface SilencesTable {
  id: Generated<number>;
  cluster: string | null;
  /** Record<label, value> as JSON: rule, severity, node, frontend, backend, server. */
  matchers: string;
  comment: string;
  created_by: string;
  created_at: string;
  ends_at: string;
  /** Set when someone ends it early. */
  expired_at: string | null;
}

/** One notification to one receiver: kept until delivered or out of attempts, never dropped. */
export interface NotificationsTable {
  id: Generated<number>;
  alert_id: number;
  receiver: string;
  /** `firing` or `resolved`. */
  status: string;
  /** The exact body posted, JSON. */
  payload: string;
  /** `pending`, `delivered` or `failed`. */
  state: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

/** An incident, with the postmortem drafted for it. */
export interface IncidentsTable {
  id: Generated<number>;
  cluster: string;
  title: string;
  severity: string;
  /** `open` or `resolved`. */
  state: string;
  opened_at: string;
  opened_by: string;
  /** IncidentTrigger as JSON: the alert, rollback or person that opened it. */
  trigger: string;
  resolved_at: string | null;
  resolved_by: string | null;
  /** Postmortem markdown, generated or edited; null until first drafted. */
  postmortem: string | null;
  /** PostmortemDocument as JSON, from the last generation. */
  postmortem_json: string | null;
  /** 1 when a person edited the markdown since it was generated. */
  postmortem_edited: number;
  updated_at: string;
}
