import { afterEach, describe, expect, it } from "vitest";
import type { Change, Rollout, RuleExplanation, StoredEvent } from "../../src/control/api-types.js";
import { RULES } from "../../src/rules/index.js";
import { DIALECTS } from "../store/test-stores.js";
import { createWebCluster, openTestServer, OVERLOAD_CFG, SAFE_CFG, type TestServer } from "./test-server.js";

describe.each(DIALECTS)("review aids on %s", (dialect) => {
  let s: TestServer;
  afterEach(async () => s?.dispose());

  it("explains every check rule from its doc page and every rule the gate blocked a change on", async () => {
    s = await openTestServer(dialect);
    const v1 = await createWebCluster(s);
    const answer = await s.call<RuleExplanation[]>("GET", "/api/v1/rules", s.tokens.viewer);
    expect(answer.status).toBe(200);
    const byId = new Map(answer.body.map((e) => [e.id, e]));
    for (const rule of RULES) {
      const explained = byId.get(rule.meta.id);
      expect(explained?.description).toBe(rule.meta.description);
      expect(explained?.doc).toBe(`docs/rules/${rule.meta.id}.md`);
      expect(explained?.why?.length ?? 0).toBeGreaterThan(20);
    }
    expect(byId.get("weight-skew")?.why).toMatch(/^Weights are proportions\./);
    expect(byId.has("parse/*")).toBe(true);

    const blocked = await s.call<Change>("POST", "/api/v1/clusters/web/changes", s.tokens.operator, {
      parent: v1,
      message: "weight typo",
      config: OVERLOAD_CFG,
    });
    expect(blocked.body.verdict).toBe("block");
    const unexplained = blocked.body.findings.filter((f) => !byId.get(f.rule)?.why).map((f) => f.rule);
    expect(unexplained).toEqual([]);
  });

  it("gives a halted rollout's own events and its nodes' apply steps, not another rollout's", async () => {
    s = await openTestServer(dialect);
    const v1 = await createWebCluster(s, { approvals: { low: 1, medium: 1, high: 1 } });
    const agent = (
      await s.call<{ token: { token: string } }>("POST", "/api/v1/clusters/web/nodes", s.tokens.admin, {
        name: "lb-1",
      })
    ).body.token.token;
    const proposed = await s.call<Change>("POST", "/api/v1/clusters/web/changes", s.tokens.operator, {
      parent: v1,
      message: "weights",
      config: SAFE_CFG,
    });
    await s.call("POST", `/api/v1/changes/${proposed.body.id}/reviews`, s.tokens.approver, {
      decision: "approve",
      comment: "ok",
    });
    const rollout = (
      await s.call<Rollout>("POST", `/api/v1/changes/${proposed.body.id}/rollout`, s.tokens.operator)
    ).body;
    const step = (type: string, apply: string, evidence: object) => ({
      type,
      actor: "agent",
      at: new Date().toISOString(),
      apply,
      evidence,
    });
    await s.call("POST", "/api/v1/agent/events", agent, {
      events: [
        step("apply.started", "apply-1", { source: "control plane" }),
        step("apply.breach", "apply-1", { breaches: [{ message: "5xx ratio 40% over 5%" }], afterMs: 900 }),
        step("apply.rolled-back", "apply-1", { reason: "bake breach" }),
        // Another apply of the same node in the window (a later rollback rolling out).
        step("apply.started", "apply-2", { source: "control plane" }),
      ],
    });
    await s.call("POST", "/api/v1/agent/applies", agent, {
      version: proposed.body.version,
      rollout: rollout.id,
      apply: "apply-1",
      status: "rolled-back",
      detail: "5xx ratio 40% over 5%",
    });

    const answer = await s.call<StoredEvent[]>(
      "GET",
      `/api/v1/rollouts/${rollout.id}/events`,
      s.tokens.viewer,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.map((e) => [e.type, e.data.apply ?? null])).toEqual([
      ["rollout.started", null],
      ["agent.apply.started", "apply-1"],
      ["agent.apply.breach", "apply-1"],
      ["agent.apply.rolled-back", "apply-1"],
      ["node.applied", "apply-1"],
      ["rollout.halted", null],
    ]);
    expect((await s.call("GET", "/api/v1/rollouts/999/events", s.tokens.viewer)).status).toBe(404);
  });
});
