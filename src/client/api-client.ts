import type {
  AgentEventsReport,
  AgentReport,
  ApplyReport,
  AuditVerification,
  Change,
  ChangeState,
  ChangeSummary,
  Cluster,
  ClusterPolicy,
  CreateClusterRequest,
  CreatedToken,
  CreateTokenRequest,
  CreateUserRequest,
  DesiredState,
  ExpectedShares,
  HandoverReport,
  NodeStatus,
  ProposeRequest,
  ReviewRequest,
  RollbackRequest,
  Rollout,
  RuleExplanation,
  StoredEvent,
  TokenInfo,
  User,
  Version,
  VersionInfo,
  WhoAmI,
} from "../control/api-types.js";
import { ERRORS, LbguardError, type ErrorCode } from "../errors.js";
import type { IncidentView, PostmortemView } from "../incidents/assemble.js";
import type { IncidentFilter, OpenedIncident, OpenIncidentBody } from "../incidents/incident-store.js";
import type { Incident } from "../incidents/types.js";
import type { AlertFilter } from "../monitor/alert-store.js";
import type { SilenceBody, SilenceFilter } from "../monitor/silence-store.js";
import type { AgentStatsReport, Alert, MetricSample, Silence } from "../monitor/types.js";

/** Where the control plane is and who is calling. */
export interface ApiClientOptions {
  /** e.g. `http://127.0.0.1:8700` (with or without a trailing slash). */
  server: string;
  token?: string;
  /** Milliseconds before a request (other than a long poll) gives up; default 30 s. */
  timeoutMs?: number;
}

/** Query string filters for `GET /events`. */
export interface EventQuery {
  cluster?: string;
  type?: string;
  /** Only events with a larger sequence number. */
  after?: number;
  /** Only events with a smaller sequence number. */
  before?: number;
  /** `desc`: newest first (default oldest first). */
  order?: "asc" | "desc";
  limit?: number;
}

/**
 * A typed client of the control plane's REST API (docs/api.md). Non-2xx answers become the
 * catalog's LbguardError with the server's code, so the CLI exits and prints exactly as it would
 * for a local error; a server that cannot be reached is LBG_SERVER_UNREACHABLE.
 */
export class ApiClient {
  readonly base: string;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.base = `${options.server.replace(/\/+$/, "")}/api/v1`;
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** One request; `body` is sent as JSON. Resolves with the parsed answer (undefined for 204). */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = this.timeoutMs,
    signal?: AbortSignal,
  ): Promise<T> {
    const url = `${this.base}${path}`;
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: signal
          ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
          : AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error
          ? ((error.cause as Error | undefined)?.message ?? error.message)
          : String(error);
      throw new LbguardError("LBG_SERVER_UNREACHABLE", { url: this.base, reason }, { cause: error });
    }
    const text = await response.text();
    if (!response.ok) throw errorFromAnswer(response.status, text);
    return (text === "" ? undefined : JSON.parse(text)) as T;
  }

  health(): Promise<{ ok: boolean; version: string }> {
    return this.request("GET", "/health");
  }
  whoami(): Promise<WhoAmI> {
    return this.request("GET", "/whoami");
  }
  users(): Promise<User[]> {
    return this.request("GET", "/users");
  }
  createUser(body: CreateUserRequest): Promise<User> {
    return this.request("POST", "/users", body);
  }
  tokens(): Promise<TokenInfo[]> {
    return this.request("GET", "/tokens");
  }
  createToken(body: CreateTokenRequest): Promise<CreatedToken> {
    return this.request("POST", "/tokens", body);
  }
  revokeToken(id: string): Promise<TokenInfo> {
    return this.request("DELETE", `/tokens/${encodeURIComponent(id)}`);
  }
  clusters(): Promise<Cluster[]> {
    return this.request("GET", "/clusters");
  }
  cluster(name: string): Promise<Cluster> {
    return this.request("GET", `/clusters/${encodeURIComponent(name)}`);
  }
  createCluster(body: CreateClusterRequest): Promise<Cluster> {
    return this.request("POST", "/clusters", body);
  }
  setPolicy(cluster: string, policy: Partial<ClusterPolicy>): Promise<Cluster> {
    return this.request("PUT", `/clusters/${encodeURIComponent(cluster)}/policy`, policy);
  }
  nodes(cluster: string): Promise<NodeStatus[]> {
    return this.request("GET", `/clusters/${encodeURIComponent(cluster)}/nodes`);
  }
  createNode(cluster: string, name: string): Promise<{ node: NodeStatus; token: CreatedToken }> {
    return this.request("POST", `/clusters/${encodeURIComponent(cluster)}/nodes`, { name });
  }
  versions(cluster: string): Promise<VersionInfo[]> {
    return this.request("GET", `/clusters/${encodeURIComponent(cluster)}/versions`);
  }
  version(id: number): Promise<Version> {
    return this.request("GET", `/versions/${id}`);
  }
  diff(from: number, to: number): Promise<{ from: number; to: number; diff: string }> {
    return this.request("GET", `/versions/${from}/diff/${to}`);
  }
  changes(cluster: string, state?: ChangeState): Promise<ChangeSummary[]> {
    const query = state ? `?state=${encodeURIComponent(state)}` : "";
    return this.request("GET", `/clusters/${encodeURIComponent(cluster)}/changes${query}`);
  }
  change(id: number): Promise<Change> {
    return this.request("GET", `/changes/${id}`);
  }
  propose(cluster: string, body: ProposeRequest): Promise<Change> {
    return this.request("POST", `/clusters/${encodeURIComponent(cluster)}/changes`, body);
  }
  submit(change: number): Promise<Change> {
    return this.request("POST", `/changes/${change}/submit`);
  }
  review(change: number, body: ReviewRequest): Promise<Change> {
    return this.request("POST", `/changes/${change}/reviews`, body);
  }
  rollout(change: number): Promise<Rollout> {
    return this.request("POST", `/changes/${change}/rollout`);
  }
  rolloutStatus(id: number): Promise<Rollout> {
    return this.request("GET", `/rollouts/${id}`);
  }
  rollback(cluster: string, body: RollbackRequest): Promise<Change> {
    return this.request("POST", `/clusters/${encodeURIComponent(cluster)}/rollback`, body);
  }
  events(query: EventQuery = {}): Promise<StoredEvent[]> {
    return this.request("GET", `/events${queryString(query)}`);
  }
  /** The events that tell how a rollout went: its nodes' apply steps and the rollout's own. */
  rolloutEvents(id: number): Promise<StoredEvent[]> {
    return this.request("GET", `/rollouts/${id}/events`);
  }
  /** Why each rule's findings matter, for showing findings to reviewers. */
  ruleExplanations(): Promise<RuleExplanation[]> {
    return this.request("GET", "/rules");
  }
  /** Each node's stats samples in the window (raw where kept, minute rollups before). */
  metrics(
    cluster: string,
    window: { from: string; to?: string },
  ): Promise<{ nodes: Record<string, MetricSample[]> }> {
    return this.request("GET", `/clusters/${encodeURIComponent(cluster)}/metrics${queryString(window)}`);
  }
  /** Each backend's predicted share per server for the cluster's approved state. */
  expectedShares(cluster: string): Promise<ExpectedShares> {
    return this.request("GET", `/clusters/${encodeURIComponent(cluster)}/expected-shares`);
  }
  verifyAudit(): Promise<AuditVerification> {
    return this.request("GET", "/audit/verify");
  }
  incidents(filter: IncidentFilter = {}): Promise<Incident[]> {
    return this.request("GET", `/incidents${queryString(filter)}`);
  }
  incident(id: number): Promise<IncidentView> {
    return this.request("GET", `/incidents/${id}`);
  }
  openIncident(body: OpenIncidentBody): Promise<OpenedIncident> {
    return this.request("POST", "/incidents", body);
  }
  addIncidentNote(id: number, text: string): Promise<Incident> {
    return this.request("POST", `/incidents/${id}/notes`, { text });
  }
  resolveIncident(id: number, summary: string): Promise<Incident> {
    return this.request("POST", `/incidents/${id}/resolve`, { summary });
  }
  /** The postmortem, drafted by the server if there is none yet; `regenerate` drafts it anew. */
  postmortem(id: number, options: { tz?: string; regenerate?: boolean } = {}): Promise<PostmortemView> {
    const tz = options.tz !== undefined ? { tz: options.tz } : {};
    return options.regenerate
      ? this.request("POST", `/incidents/${id}/postmortem${queryString(tz)}`)
      : this.request("GET", `/incidents/${id}/postmortem${queryString({ format: "json", ...tz })}`);
  }
  savePostmortem(id: number, markdown: string): Promise<PostmortemView> {
    return this.request("PUT", `/incidents/${id}/postmortem`, { markdown });
  }
  alerts(filter: AlertFilter = {}): Promise<Alert[]> {
    return this.request("GET", `/alerts${queryString(filter)}`);
  }
  alert(id: number): Promise<Alert> {
    return this.request("GET", `/alerts/${id}`);
  }
  silences(filter: SilenceFilter = {}): Promise<Silence[]> {
    return this.request("GET", `/silences${queryString(filter)}`);
  }
  createSilence(body: SilenceBody): Promise<Silence> {
    return this.request("POST", "/silences", body);
  }
  expireSilence(id: number): Promise<Silence> {
    return this.request("DELETE", `/silences/${id}`);
  }

  /**
   * Long poll: answers when the desired state's hash differs from `have`, or after `waitS`;
   * `signal` ends it early (an agent stopping).
   */
  desired(have: string | undefined, waitS: number, signal?: AbortSignal): Promise<DesiredState> {
    const params = new URLSearchParams({ wait: String(waitS) });
    if (have) params.set("have", have);
    return this.request("GET", `/agent/desired?${params.toString()}`, undefined, (waitS + 15) * 1000, signal);
  }
  report(body: AgentReport): Promise<{ ok: true }> {
    return this.request("POST", "/agent/report", body);
  }
  reportApply(body: ApplyReport): Promise<{ ok: true }> {
    return this.request("POST", "/agent/applies", body);
  }
  /** How the VIP holder's handover ended; `accepted` is false for a report that came too late. */
  reportHandover(body: HandoverReport): Promise<{ ok: true; accepted: boolean }> {
    return this.request("POST", "/agent/handovers", body);
  }
  shipEvents(body: AgentEventsReport): Promise<{ accepted: number }> {
    return this.request("POST", "/agent/events", body);
  }
  /** Stats samples of the agent's node, oldest first; `signal` ends the request (an agent stopping). */
  sendStats(report: AgentStatsReport, signal?: AbortSignal): Promise<{ recorded: number }> {
    return this.request("POST", "/agent/stats", report, this.timeoutMs, signal);
  }
}

/** `?key=value&…` of the filters that are set, or nothing when none is. */
function queryString(filter: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The catalog error a non-2xx answer stands for (its own code when the server sent one). */
function errorFromAnswer(status: number, text: string): LbguardError {
  let body: { code?: string; message?: string } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // Not ours (a proxy in between?): fall back on the status.
  }
  const code = body.code && body.code in ERRORS ? (body.code as ErrorCode) : codeForStatus(status);
  const detail = body.message ?? `the server answered ${status}: ${text.slice(0, 200)}`;
  // The server already filled the message in; keep its words rather than the template's.
  const error = new LbguardError(code, {});
  error.message = detail;
  return error;
}

function codeForStatus(status: number): ErrorCode {
  if (status === 400) return "LBG_BAD_REQUEST";
  if (status === 401) return "LBG_UNAUTHENTICATED";
  if (status === 403) return "LBG_FORBIDDEN";
  if (status === 404) return "LBG_NOT_FOUND";
  if (status === 409) return "LBG_WRONG_STATE";
  if (status === 413) return "LBG_TOO_LARGE";
  return "LBG_INTERNAL";
}
