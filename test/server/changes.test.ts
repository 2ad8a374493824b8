import { afterEach, describe, expect, it } from "vitest";
import type { ApiError, Change, Rollout } from "../../src/control/api-types.js";
import { DIALECTS } from "../store/test-stores.js";
import { createWebCluster, OVERLOAD_CFG, openTestServer, SAFE_CFG, type TestServer } from "./test-server.js";

describe.each(DIALECTS)("changes and reviews on %s", (dialect) => {
  let s: TestServer;
  afterEach(async () => s?.dispose());

  it("blocks seed 002's weight typo at proposal and refuses to approve it without an admin override", async () => {
    s = await openTestServer(dialect);
    const v1 = await createWebCluster(s);
    const proposed = await s.call<Change>("POST", "/api/v1/clusters/web/changes", s.tokens.operator, {
      parent: v1,
      message: "tune weights",
      config: OVERLOAD_CFG,
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body).toMatchObject({
      verdict: "block",
      state: "in-review",
      author: "operator",
      parent: v1,
    });
    expect(proposed.body.findings.some((f) => f.severity === "error" && f.rule.startsWith("capacity"))).toBe(
      true,
    );

    const byApprover = await s.call<ApiError>(
      "POST",
      `/api/v1/changes/${proposed.body.id}/reviews`,
      s.tokens.approver,
      {
        decision: "approve",
        comment: "looks fine",
      },
    );
    expect(byApprover.status).toBe(403);
    expect(byApprover.body.code).toBe("LBG_OVERRIDE_REQUIRED");

    const overridden = await s.call<Change>(
      "POST",
      `/api/v1/changes/${proposed.body.id}/reviews`,
      s.tokens.admin,
      {
        decision: "approve",
        comment: "drill",
        override: "rehearsing the rollback",
      },
    );
    expect(overridden.status).toBe(200);
    const events = await s.call<{ type: string; data: { reason?: string } }[]>(
      "GET",
      "/api/v1/events?type=change.override",
      s.tokens.viewer,
    );
    expect(events.body).toHaveLength(1);
    expect(events.body[0]?.data.reason).toBe("rehearsing the rollback");
  });

  it("lets no author approve their own change and counts distinct approvals by risk", async () => {
    s = await openTestServer(dialect);
    const v1 = await createWebCluster(s, { approvals: { low: 2 } });
    const proposed = await s.call<Change>("POST", "/api/v1/clusters/web/changes", s.tokens.approver, {
      parent: v1,
      message: "web-02 a little more",
      config: SAFE_CFG,
    });
    expect(proposed.body).toMatchObject({ verdict: "pass", risk: "low", approvalsRequired: 2 });
    const id = proposed.body.id;
    const self = await s.call<ApiError>("POST", `/api/v1/changes/${id}/reviews`, s.tokens.approver, {
      decision: "approve",
      comment: "mine",
    });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe("LBG_SELF_REVIEW");
    const first = await s.call<Change>("POST", `/api/v1/changes/${id}/reviews`, s.approver2, {
      decision: "approve",
      comment: "ok",
    });
    expect(first.body).toMatchObject({ state: "in-review", approvals: 1 });
    const second = await s.call<Change>("POST", `/api/v1/changes/${id}/reviews`, s.tokens.admin, {
      decision: "approve",
      comment: "ok",
    });
    expect(second.body).toMatchObject({ state: "approved", approvals: 2 });
  });

  it("settles two approvals that race: the change ends approved with both counted", async () => {
    s = await openTestServer(dialect);
    const v1 = await createWebCluster(s, { approvals: { low: 2 } });
    const { body } = await s.call<Change>("POST", "/api/v1/clusters/web/changes", s.tokens.operator, {
      parent: v1,
      message: "m",
      config: SAFE_CFG,
    });
    const answers = await Promise.all(
      [s.tokens.approver, s.approver2, s.tokens.approver].map((token) =>
        s.call("POST", `/api/v1/changes/${body.id}/reviews`, token, { decision: "approve", comment: "race" }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 409].sort());
    const after = await s.call<Change>("GET", `/api/v1/changes/${body.id}`, s.tokens.viewer);
    expect(after.body).toMatchObject({ state: "approved", approvals: 2 });
  });

  it("answers 409 naming the newer version when a change's parent is no longer current", async () => {
    s = await openTestServer(dialect);
    const v1 = await createWebCluster(s, { approvals: { low: 1 } });
    const propose = (message: string, config: string) =>
      s.call<Change>("POST", "/api/v1/clusters/web/changes", s.tokens.operator, {
        parent: v1,
        message,
        config,
      });
    const a = (await propose("a", SAFE_CFG)).body;
    const b = (await propose("b", SAFE_CFG.replace("maxconn 2048", "maxconn 4096"))).body;
    for (const change of [a, b]) {
      await s.call("POST", `/api/v1/changes/${change.id}/reviews`, s.tokens.approver, {
        decision: "approve",
        comment: "ok",
      });
    }
    // No nodes: a rollout completes at once and its version becomes current.
    const rolled = await s.call<Rollout>("POST", `/api/v1/changes/${a.id}/rollout`, s.tokens.operator);
    expect(rolled.body.state).toBe("completed");
    const stale = await s.call<ApiError>("POST", `/api/v1/changes/${b.id}/rollout`, s.tokens.operator);
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe("LBG_STALE_PARENT");
    expect(stale.body.message).toContain(`version ${a.version}`);
    expect((await s.call<Change>("GET", `/api/v1/changes/${b.id}`, s.tokens.viewer)).body.state).toBe(
      "superseded",
    );
  });

  it("stores hostile strings literally and names the bad field on 400", async () => {
    s = await openTestServer(dialect);
    const v1 = await createWebCluster(s);
    const hostile = `'); DROP TABLE changes; -- <script>alert(1)</script> \u0007\u001b[31m`;
    const { body } = await s.call<Change>("POST", "/api/v1/clusters/web/changes", s.tokens.operator, {
      parent: v1,
      message: hostile,
      config: SAFE_CFG,
    });
    expect((await s.call<Change>("GET", `/api/v1/changes/${body.id}`, s.tokens.viewer)).body.message).toBe(
      hostile,
    );
    const bad = await s.call<ApiError>("POST", "/api/v1/clusters/web/changes", s.tokens.operator, {
      message: "no parent",
      config: SAFE_CFG,
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "LBG_BAD_REQUEST" });
    expect(bad.body.message).toContain("parent");
  });
});
