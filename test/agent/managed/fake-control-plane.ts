import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { contentHash } from "../../../src/agent/config-store.js";
import type { AgentEvent } from "../../../src/agent/event-log.js";
import {
  DEFAULT_CLUSTER_POLICY,
  type AgentReport,
  type ApplyReport,
  type ClusterPolicy,
  type DesiredState,
  type HandoverReport,
  type RuntimeOperationSpec,
} from "../../../src/control/api-types.js";
import { listenOn } from "../../../src/lab/listen.js";

const STATUSES = new Set(["promoted", "rolled-back", "blocked", "invalid", "unchanged", "failed", "standby"]);
const BODY_LIMIT = 4 * 1024 * 1024;

/**
 * The five `/api/v1/agent/...` endpoints of docs/api.md for one node, in memory: bearer-token
 * auth, the long poll on `desired`, the same error bodies and statuses, and a record of
 * everything the agent sent.
 */
export interface FakeControlPlane {
  url: string;
  reports: AgentReport[];
  applies: ApplyReport[];
  handovers: HandoverReport[];
  events: AgentEvent[];
  desired: DesiredState;
  /**
   * Makes `text` (with the pair file `vrrp`, if given) the desired version (a new id),
   * optionally in a rollout; wakes waiting polls.
   */
  publish(text: string, rollout?: number, vrrp?: string): number;
  /** Changes the desired state (`handover`, `bakeWhenActive`, …) and wakes waiting polls. */
  update(patch: Partial<DesiredState>): void;
  setPolicy(policy: Partial<ClusterPolicy>): void;
  /** Adds a runtime operation, waiting until an apply report names its rollout. */
  addOperation(change: number, operation: RuntimeOperationSpec, rollout: number): void;
  close(): Promise<void>;
}

/** Starts the fake control plane on `host:port`, accepting only `token`. */
export async function startFakeControlPlane(
  host: string,
  port: number,
  token: string,
  firstVersion: string,
): Promise<FakeControlPlane> {
  const waiters = new Set<() => void>();
  const waitingOperations = new Map<number, number>();
  const wake = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  const plane: FakeControlPlane = {
    url: `http://${host}:${port}`,
    reports: [],
    applies: [],
    handovers: [],
    events: [],
    desired: {
      cluster: "web",
      node: "lb-1",
      version: version(1, firstVersion),
      operations: [],
      policy: { ...DEFAULT_CLUSTER_POLICY },
    },
    publish(text, rollout, vrrp) {
      const id = plane.desired.version.id + 1;
      plane.desired = {
        ...plane.desired,
        version: { ...version(id, text), ...(vrrp !== undefined ? { vrrp } : {}) },
      };
      if (rollout === undefined) delete plane.desired.rollout;
      else plane.desired.rollout = rollout;
      wake();
      return id;
    },
    update(patch) {
      plane.desired = { ...plane.desired, ...patch };
      wake();
    },
    setPolicy(policy) {
      plane.desired = { ...plane.desired, policy: { ...plane.desired.policy, ...policy } };
    },
    addOperation(change, operation, rollout) {
      plane.desired.operations.push({ change, operation });
      waitingOperations.set(change, rollout);
      wake();
    },
    close: () =>
      new Promise<void>((resolve) => {
        wake();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const answerDesired = (url: URL, res: ServerResponse): void => {
    const wait = Number(url.searchParams.get("wait") ?? 25);
    if (!Number.isFinite(wait) || wait < 0 || wait > 60) return fail(res, 400, "LBG_BAD_REQUEST", "wait");
    const have = url.searchParams.get("have");
    const ready = (): boolean =>
      plane.desired.version.hash !== have ||
      [...waitingOperations.values()].some((rollout) => !plane.applies.some((a) => a.rollout === rollout));
    if (ready()) return json(res, 200, plane.desired);
    const answer = (): void => {
      clearTimeout(timer);
      waiters.delete(answer);
      if (!res.writableEnded) json(res, 200, plane.desired);
    };
    const timer = setTimeout(answer, wait * 1000);
    waiters.add(answer);
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => fail(res, 500, "LBG_INTERNAL", String(error)));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", plane.url);
    if (req.headers.authorization !== `Bearer ${token}`) {
      return fail(res, 401, "LBG_UNAUTHENTICATED", "unknown or revoked token");
    }
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /api/v1/agent/desired") return answerDesired(url, res);
    const body = await readBody(req);
    if (body === undefined) return fail(res, 413, "LBG_TOO_LARGE", "body over 4 MiB");
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return fail(res, 400, "LBG_BAD_REQUEST", "the body is not JSON");
    }
    if (route === "POST /api/v1/agent/report") {
      if (typeof parsed.runningHash !== "string") return fail(res, 400, "LBG_BAD_REQUEST", "runningHash");
      if (typeof parsed.health !== "object" || parsed.health === null) {
        return fail(res, 400, "LBG_BAD_REQUEST", "health");
      }
      if (parsed.drift !== undefined && !Array.isArray(parsed.drift))
        return fail(res, 400, "LBG_BAD_REQUEST", "drift");
      plane.reports.push(parsed as unknown as AgentReport);
      return json(res, 200, { ok: true });
    }
    if (route === "POST /api/v1/agent/applies") {
      if (!Number.isInteger(parsed.version)) return fail(res, 400, "LBG_BAD_REQUEST", "version");
      if (typeof parsed.apply !== "string") return fail(res, 400, "LBG_BAD_REQUEST", "apply");
      if (!STATUSES.has(String(parsed.status))) return fail(res, 400, "LBG_BAD_REQUEST", "status");
      plane.applies.push(parsed as unknown as ApplyReport);
      return json(res, 200, { ok: true });
    }
    if (route === "POST /api/v1/agent/handovers") {
      if (!Number.isInteger(parsed.rollout)) return fail(res, 400, "LBG_BAD_REQUEST", "rollout");
      if (parsed.status !== "handed-over" && parsed.status !== "failed")
        return fail(res, 400, "LBG_BAD_REQUEST", "status");
      plane.handovers.push(parsed as unknown as HandoverReport);
      return json(res, 200, { ok: true, accepted: true });
    }
    if (route === "POST /api/v1/agent/events") {
      if (!Array.isArray(parsed.events)) return fail(res, 400, "LBG_BAD_REQUEST", "events");
      plane.events.push(...(parsed.events as AgentEvent[]));
      return json(res, 200, { accepted: parsed.events.length });
    }
    return fail(res, 404, "LBG_NOT_FOUND", `no route ${route}`);
  }

  await listenOn(server, host, port);
  return plane;
}

function version(id: number, text: string): DesiredState["version"] {
  return {
    id,
    cluster: "web",
    hash: contentHash(text),
    author: "alice",
    message: `version ${id}`,
    createdAt: new Date().toISOString(),
    text,
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, status: number, code: string, message: string): void {
  if (!res.headersSent) json(res, status, { code, message, hint: "" });
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
