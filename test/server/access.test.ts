import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiError, TokenRole } from "../../src/control/api-types.js";
import { roleAllows } from "../../src/control/roles.js";
import type { RouteEntry } from "../../src/server/app.js";
import { DIALECTS } from "../store/test-stores.js";
import { createWebCluster, openTestServer, type TestServer } from "./test-server.js";

/** A concrete URL for a route pattern (the resources may not exist: only the access check matters). */
function concrete(url: string): string {
  return url
    .replace(":cluster", "web")
    .replace(":a", "1")
    .replace(":b", "1")
    .replace(/\/tokens\/:id/, "/tokens/000000000000")
    .replace(":id", "1")
    .replace("/agent/desired", "/agent/desired?wait=0");
}

describe.each(DIALECTS)("every endpoint's access on %s", (dialect) => {
  let s: TestServer;
  let agentToken: string;
  let routes: RouteEntry[];
  beforeAll(async () => {
    s = await openTestServer(dialect);
    await createWebCluster(s);
    agentToken = (
      await s.call<{ token: { token: string } }>("POST", "/api/v1/clusters/web/nodes", s.tokens.admin, {
        name: "lb-1",
      })
    ).body.token.token;
    routes = s.app.routeTable.filter((r) => r.url.startsWith("/api/v1"));
  });
  afterAll(async () => s?.dispose());

  it("declares who may call each route, and only the health probe is public", () => {
    expect(routes.length).toBeGreaterThan(25);
    expect(routes.filter((r) => r.access === undefined)).toEqual([]);
    expect(routes.filter((r) => r.access === "none").map((r) => r.url)).toEqual(["/api/v1/health"]);
  });

  it("answers 401 without a token and with a forged or malformed one", async () => {
    for (const route of routes.filter((r) => r.access !== "none")) {
      for (const token of [undefined, "lbg_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not-a-token"]) {
        const answer = await s.call<ApiError>(
          route.method,
          concrete(route.url),
          token,
          route.method === "GET" ? undefined : {},
        );
        expect([route.method, route.url, token, answer.status]).toEqual([
          route.method,
          route.url,
          token,
          401,
        ]);
        expect(answer.body.code).toBe("LBG_UNAUTHENTICATED");
      }
    }
  });

  it("answers 403 to each role below the route's, and lets the others through", async () => {
    const tokens: Record<TokenRole, string> = { ...s.tokens, agent: agentToken };
    for (const route of routes.filter((r) => r.access !== "none")) {
      for (const [role, token] of Object.entries(tokens) as [TokenRole, string][]) {
        const answer = await s.call<ApiError>(
          route.method,
          concrete(route.url),
          token,
          route.method === "GET" ? undefined : {},
        );
        const allowed = route.access === "any" || roleAllows(role, route.access as TokenRole);
        const seen = allowed
          ? answer.status !== 401 && answer.status !== 403
          : answer.status === 403 && answer.body.code === "LBG_FORBIDDEN";
        expect([route.method, route.url, role, seen]).toEqual([route.method, route.url, role, true]);
      }
    }
  });

  it("refuses a revoked token", async () => {
    const created = await s.call<{ id: string; token: string }>("POST", "/api/v1/tokens", s.tokens.admin, {
      user: "viewer",
      label: "short-lived",
    });
    expect((await s.call("GET", "/api/v1/whoami", created.body.token)).status).toBe(200);
    await s.call("DELETE", `/api/v1/tokens/${created.body.id}`, s.tokens.admin);
    expect((await s.call("GET", "/api/v1/whoami", created.body.token)).status).toBe(401);
  });

  it("never shows a token's secret after creating it, and stores only its hash", async () => {
    const created = await s.call<{ id: string; token: string }>("POST", "/api/v1/tokens", s.tokens.admin, {
      user: "operator",
    });
    // The secret is everything after `lbg_<id>_` (base64url, which may itself hold '_').
    const secret = created.body.token.slice(`lbg_${created.body.id}_`.length);
    expect(secret).toHaveLength(32);
    const listed = await s.call<object[]>("GET", "/api/v1/tokens", s.tokens.admin);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const rows = await s.t.store.db.selectFrom("tokens").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it("refuses a token for a stronger role than its user's, and a body over the limit with 413", async () => {
    const stronger = await s.call<ApiError>("POST", "/api/v1/tokens", s.tokens.admin, {
      user: "viewer",
      role: "admin",
    });
    expect(stronger.status).toBe(400);
    const huge = await s.call<ApiError>("POST", "/api/v1/clusters", s.tokens.admin, {
      name: "big",
      config: "x".repeat(5 * 1024 * 1024),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe("LBG_TOO_LARGE");
  });

  it("serves an OpenAPI document that lists the endpoints", async () => {
    const doc = await s.call<{ openapi: string; paths: Record<string, unknown> }>(
      "GET",
      "/api/v1/openapi.json",
      s.tokens.viewer,
    );
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        "/api/v1/clusters/{cluster}/changes",
        "/api/v1/agent/desired",
        "/api/v1/audit/verify",
      ]),
    );
  });
});
