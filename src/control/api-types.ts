/**
 * The shapes the control plane's REST API (`/api/v1`) sends and receives. The server, the API
 * client (CLI) and managed agents all use these types, so the three cannot drift apart.
 * Times are ISO 8601 strings; ids of versions, changes and rollouts are integers, so that people
 * can type them (`lbguard diff 3 5`).
 */
import type { AgentEvent } from "../agent/event-log.js";
import type { GateFinding } from "../gate/gate.js";
import type { Plan } from "../plan/types.js";
import type { Risk } from "../plan/risk.js";
import type { VrrpStateName } from "../vrrp/vrrp-state.js";

/** Roles, weakest first; each can do everything the ones before it can. */
export const USER_ROLES = ["viewer", "operator", "approver", "admin"] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A token's role: a user role, or `agent` (may only act for its own node). */
export type TokenRole = UserRole | "agent";

/** The error body of every non-2xx answer. */
export interface ApiError {
  /** A stable code from the error catalog (docs/errors.md), e.g. `LBG_STALE_PARENT`. */
  code: string;
  message: string;
  hint: string;
}

export interface WhoAmI {
  /** The user name, or `node:<cluster>/<node>` for an agent token. */
  name: string;
  role: TokenRole;
  token: string;
  cluster?: string;
  node?: string;
}

export interface User {
  name: string;
  role: UserRole;
  createdAt: string;
}

/** A token as listed (never with its secret). */
export interface TokenInfo {
  id: string;
  label: string;
  role: TokenRole;
  user?: string;
  cluster?: string;
  node?: string;
  createdAt: string;
  revokedAt?: string;
}

/** A token just created: the only time its secret is shown. */
export interface CreatedToken extends TokenInfo {
  token: string;
}

/** What a cluster's policy decides. */
export interface ClusterPolicy {
  /** Approvals a change needs before it can roll out, by the plan's risk. */
  approvals: Record<Risk, number>;
  /** On drift: only report it, or put the approved version back. */
  drift: "report" | "restore";
  /** Bake window of each node's apply, seconds; absent: the agent's policy. */
  bakeS?: number;
}

export const DEFAULT_CLUSTER_POLICY: ClusterPolicy = {
  approvals: { low: 1, medium: 1, high: 2 },
  drift: "report",
};

export interface Cluster {
  name: string;
  policy: ClusterPolicy;
  /** The version every node should run once the last rollout finished. */
  currentVersion: number;
  createdAt: string;
  nodes: NodeStatus[];
}

/** What a node last reported. */
export interface NodeHealth {
  /** Whether the agent could talk to HAProxy. */
  haproxy: "up" | "down";
  workerPid?: number;
  /** Servers UP out of those with checks, over all backends. */
  serversUp?: number;
  serversTotal?: number;
  /** Requests per second through all frontends, from the last stats sample. */
  requestRate?: number;
  error?: string;
}

/** A difference between what a node runs and what was approved. */
export interface Drift {
  /**
   * `file`: haproxy.cfg on disk differs; `runtime`: servers set by hand on the runtime API;
   * `keepalived`: keepalived.conf differs from the one rendered for the approved version.
   */
  kind: "file" | "runtime" | "keepalived";
  /** When the agent first saw it. */
  since: string;
  /** A unified diff (approved -> running) for `file`; one line per server for `runtime`. */
  diff: string;
  /** The running file's hash, for `file`. */
  runningHash?: string;
}

export interface NodeStatus {
  name: string;
  cluster: string;
  desiredVersion: number;
  /** The version the node last applied successfully, if any. */
  appliedVersion?: number;
  /** sha256 of the haproxy.cfg the node runs, as it reported it. */
  runningHash?: string;
  health?: NodeHealth;
  lastSeenAt?: string;
  /** Present while the node differs from what was approved. */
  drift?: Drift[];
  /** The node's VRRP instance as its agent last reported it (nodes of a pair only). */
  vrrp?: NodeVrrp;
}

/** A node's VRRP instance, as its agent reported it at `seenAt`. */
export interface NodeVrrp {
  state: VrrpStateName;
  holdsVip: boolean;
  seenAt: string;
}

export interface VersionInfo {
  id: number;
  cluster: string;
  /** sha256 of the text, hex. */
  hash: string;
  author: string;
  message: string;
  parent?: number;
  createdAt: string;
}

export interface Version extends VersionInfo {
  text: string;
  /** The keepalived pair file (YAML) versioned with the config; absent without a pair. */
  vrrp?: string;
}

/** A change's states, in the order a change goes through them. */
export const CHANGE_STATES = [
  "draft",
  "in-review",
  "approved",
  "rolling-out",
  "applied",
  "rolled-back",
  "rejected",
  "superseded",
] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];

/** A runtime operation proposed as a change (no new version; the parent stays current). */
export interface RuntimeOperationSpec {
  backend: string;
  server: string;
  action: { kind: "drain" } | { kind: "disable" } | { kind: "enable" } | { kind: "weight"; weight: number };
}

export interface Review {
  reviewer: string;
  decision: "approve" | "reject";
  comment: string;
  /** An admin's written reason for approving a change the gate blocked. */
  override?: string;
  createdAt: string;
}

export interface ChangeSummary {
  id: number;
  cluster: string;
  kind: "config" | "runtime";
  state: ChangeState;
  author: string;
  message: string;
  /** The version this change was proposed against. */
  parent: number;
  /** The proposed version (config changes). */
  version?: number;
  operation?: RuntimeOperationSpec;
  verdict: "pass" | "block";
  risk: Risk;
  approvals: number;
  approvalsRequired: number;
  createdAt: string;
  updatedAt: string;
}

export interface Change extends ChangeSummary {
  findings: GateFinding[];
  plan: Plan;
  reviews: Review[];
  rollout?: Rollout;
}

/**
 * A node's step in a rollout. In a pair rollout the backup canary is `standby` between applying
 * the version and holding the VIP, and the VIP holder goes `handing-over` then `handed-over`
 * before it is given the version.
 */
export type RolloutNodeState =
  "pending" | "applying" | "standby" | "handing-over" | "handed-over" | "applied" | "rolled-back" | "failed";

export interface Rollout {
  id: number;
  change: number;
  cluster: string;
  state: "running" | "completed" | "halted";
  startedBy: string;
  /** The node that held the VIP when a pair rollout started; it goes last, after handing the VIP over. */
  vipHolder?: string;
  /** Canary first. */
  nodes: { node: string; state: RolloutNodeState; apply?: string; detail?: string; updatedAt: string }[];
  createdAt: string;
  finishedAt?: string;
}

/** One record of the append-only, hash-chained event log. */
export interface StoredEvent {
  seq: number;
  at: string;
  /** e.g. `change.proposed`, `review.approved`, `rollout.halted`, `node.drift`, `agent.apply.rolled-back`. */
  type: string;
  actor: string;
  cluster?: string;
  /** What it is about: `change:12`, `version:5`, `node:web/lb-1`, `token:ab12…`. */
  subject?: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Events checked. */
  checked: number;
  /** The first broken link, when not ok. */
  broken?: { seq: number; reason: string };
}

/**
 * How the simulator predicts a cluster spreads each backend's requests in its approved state:
 * the current version with the approved runtime changes applied (`GET …/expected-shares`).
 * Servers drained or disabled by an approved change keep their configured share.
 */
export interface ExpectedShares {
  cluster: string;
  version: number;
  /** The approved runtime changes applied on top of the version, oldest first. */
  runtimeChanges: number[];
  /** The request rate the prediction assumes (the cluster's gate rate). */
  rps: number;
  /** When this state became the approved one (its rollout completed), ISO 8601. */
  since: string;
  /** Backend → server → share of the backend's requests, 0 to 1; backends predicted no traffic are absent. */
  backends: Record<string, Record<string, number>>;
}

/**
 * What a finding's rule catches and why it matters, for reviewers (`GET /rules`). An id ending
 * in `/*` covers a family (`parse/*` for every parser diagnostic).
 */
export interface RuleExplanation {
  id: string;
  description: string;
  /** The first sentence of the rule's "Why it matters". */
  why?: string;
  /** The documentation page, relative to the package (`docs/rules/weight-skew.md`). */
  doc?: string;
}

// --- requests -------------------------------------------------------------------------------

export interface CreateUserRequest {
  name: string;
  role: UserRole;
}

export interface CreateTokenRequest {
  /** The user the token acts as. */
  user: string;
  /** At most the user's role; default the user's role. */
  role?: UserRole;
  label?: string;
}

export interface CreateClusterRequest {
  name: string;
  /** The haproxy.cfg the nodes run now: version 1. */
  config: string;
  /** Inventory YAML (servers with role and capacity), for the gate. */
  inventory?: string;
  policy?: Partial<ClusterPolicy>;
  /** Requests per second the gate predicts with; default 100. */
  rps?: number;
}

export interface CreateNodeRequest {
  name: string;
}

export interface ProposeRequest {
  /** The version the change is made against; the cluster's current version as the client saw it. */
  parent: number;
  message: string;
  /**
   * A new haproxy.cfg. With `vrrp` it may be left out: the new version keeps the parent's
   * HAProxy text.
   */
  config?: string;
  /** A new keepalived pair file (YAML); absent: the new version keeps the parent's pair. */
  vrrp?: string;
  /** Or a runtime operation. */
  operation?: RuntimeOperationSpec;
  /** Keep it as a draft instead of asking for review. */
  draft?: boolean;
}

export interface ReviewRequest {
  decision: "approve" | "reject";
  comment: string;
  /** Required to approve a change the gate blocked; admins only. */
  override?: string;
}

export interface RollbackRequest {
  /** The version to go back to. */
  to: number;
  message?: string;
}

// --- agents ---------------------------------------------------------------------------------

/** What a node should run, as `GET /api/v1/agent/desired` answers. */
export interface DesiredState {
  cluster: string;
  node: string;
  version: Version;
  /** The rollout this version belongs to, when one is running for this node. */
  rollout?: number;
  change?: number;
  /** Runtime operations of applied or rolling-out changes this node should have carried out. */
  operations: { change: number; operation: RuntimeOperationSpec }[];
  policy: ClusterPolicy;
  /**
   * This node holds the VIP and must hand it over (version unchanged): maintenance flag on,
   * wait until the VIP is gone (at most 20 s), 1 s grace, flag off, then
   * `POST /agent/handovers`.
   */
  handover?: boolean;
  /**
   * This node is the backup canary of a pair rollout: after applying, report `standby`, wait
   * until it holds the VIP (at most 60 s) and bake under that traffic.
   */
  bakeWhenActive?: boolean;
}

/** `POST /api/v1/agent/report`: the node's state, every few seconds and on every change. */
export interface AgentReport {
  runningHash: string;
  health: NodeHealth;
  /** Present (possibly empty) when the agent checked for drift; empty clears it. */
  drift?: Drift[];
  /** The node's VRRP instance, on nodes that run keepalived. */
  vrrp?: AgentVrrpReport;
}

/** What an agent reports of its VRRP instance and keepalived.conf. */
export interface AgentVrrpReport {
  state: VrrpStateName;
  holdsVip: boolean;
  /** sha256 of keepalived.conf as it is on disk. */
  keepalivedHash?: string;
  /**
   * sha256 of the keepalived.conf the agent rendered for the version it applied; a
   * `keepalivedHash` that differs is `keepalived` drift.
   */
  expectedKeepalivedHash?: string;
}

/** `POST /api/v1/agent/applies`: how the node's apply of a version ended. */
export interface ApplyReport {
  version: number;
  rollout?: number;
  /** The agent's apply id (it appears in the node's own events). */
  apply: string;
  /**
   * `standby`: the backup canary of a pair rollout applied the version and waits to hold the
   * VIP before its bake; `promoted` or `rolled-back` follows.
   */
  status: "promoted" | "rolled-back" | "blocked" | "invalid" | "unchanged" | "failed" | "standby";
  detail?: string;
}

/** `POST /api/v1/agent/handovers`: how the VIP holder's handover ended. */
export interface HandoverReport {
  rollout: number;
  status: "handed-over" | "failed";
  detail?: string;
}

/** `POST /api/v1/agent/events`: events from the node's own log, in order. */
export interface AgentEventsReport {
  events: AgentEvent[];
}
