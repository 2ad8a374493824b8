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
