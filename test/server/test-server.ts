import type { FastifyInstance } from "fastify";
import { bootstrapAdmin } from "../../src/control/access.js";
import type { UserRole } from "../../src/control/api-types.js";
import type { ControlContext } from "../../src/control/control-context.js";
import type { StoreDialect } from "../../src/store/database.js";
import { buildApp } from "../../src/server/app.js";
import { openTestStore, type TestStore } from "../store/test-stores.js";

/** An in-process control plane on a fresh store, with a token per role. */
export interface TestServer {
  app: FastifyInstance;
  ctx: ControlContext;
  t: TestStore;
  /** Tokens of users named after their role (`viewer`, `operator`, …; `admin` is the bootstrap). */
  tokens: Record<UserRole, string>;
  /** A second approver, for changes that need two approvals. */
  approver2: string;
  call<T = unknown>(
    method: string,
    url: string,
    token?: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  dispose(): Promise<void>;
}

export const BEFORE_CFG = `global
    maxconn 2048

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend www
    bind 127.0.0.1:18080
    default_backend web

backend web
    balance roundrobin
    option httpchk GET /health
    server web-01 127.0.10.1:8080 weight 10 check inter 1s fall 2 rise 2
    server web-02 127.0.10.2:8080 weight 10 check inter 1s fall 2 rise 2
`;

export const INVENTORY = `servers:
  - { name: web-01, role: web, address: 127.0.10.1:8080, capacity_rps: 120 }
  - { name: web-02, role: web, address: 127.0.10.2:8080, capacity_rps: 120 }
`;

/** BEFORE with web-02's weight changed: a safe, low-risk change. */
export const SAFE_CFG = BEFORE_CFG.replace(
  "web-02 127.0.10.2:8080 weight 10",
  "web-02 127.0.10.2:8080 weight 11",
);
/** Seed 002's typo: nearly everything onto web-01, over its capacity at 160 req/s. */
export const OVERLOAD_CFG = BEFORE_CFG.replace("weight 10 check", "weight 100 check").replace(
  "web-02 127.0.10.2:8080 weight 10",
  "web-02 127.0.10.2:8080 weight 1",
);

export async function openTestServer(dialect: StoreDialect, clock?: () => number): Promise<TestServer> {
  const t = await openTestStore(dialect);
  const ctx: ControlContext = { store: t.store, clock: clock ?? Date.now };
  const admin = (await bootstrapAdmin(ctx)) as string;
  const app = await buildApp(ctx);
  const call = async <T>(method: string, url: string, token?: string, body?: unknown) => {
    const response = await app.inject({
      method: method as "GET",
      url,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return {
      status: response.statusCode,
      body: (response.body ? JSON.parse(response.body) : undefined) as T,
    };
  };
  const tokens = { admin } as Record<UserRole, string>;
  for (const role of ["viewer", "operator", "approver"] as const) {
    await call("POST", "/api/v1/users", admin, { name: role, role });
    tokens[role] = (
      await call<{ token: string }>("POST", "/api/v1/tokens", admin, { user: role })
    ).body.token;
  }
  await call("POST", "/api/v1/users", admin, { name: "approver2", role: "approver" });
  const approver2 = (await call<{ token: string }>("POST", "/api/v1/tokens", admin, { user: "approver2" }))
    .body.token;
  return {
    app,
    ctx,
    t,
    tokens,
    approver2,
    call,
    dispose: async () => {
      await app.close();
      await t.dispose();
    },
  };
}

/** Creates the `web` cluster (BEFORE_CFG, the seed inventory, 160 req/s) and returns its version 1. */
export async function createWebCluster(s: TestServer, policy?: object): Promise<number> {
  const created = await s.call<{ currentVersion: number }>("POST", "/api/v1/clusters", s.tokens.admin, {
    name: "web",
    config: BEFORE_CFG,
    inventory: INVENTORY,
    rps: 160,
    ...(policy ? { policy } : {}),
  });
  if (created.status !== 201) throw new Error(`cluster not created: ${JSON.stringify(created.body)}`);
  return created.body.currentVersion;
}
