import { afterEach, describe, expect, it } from "vitest";
import type { ApiError, Change, DesiredState, NodeStatus, Rollout } from "../../src/control/api-types.js";
import { DIALECTS } from "../store/test-stores.js";
import { createWebCluster, openTestServer, SAFE_CFG, type TestServer } from "./test-server.js";
import { approvedChange } from "./vrrp-fixtures.js";

/** A cluster with nodes lb-1 (the canary) and lb-2, and their agent tokens. */
async function withTwoNodes(s: TestServer): Promise<{ v1: number; agents: Record<string, string> }> {
  const v1 = await createWebCluster(s, { approvals: { low: 1, medium: 1, high: 1 } });
  const agents: Record<string, string> = {};
  for (const name of ["lb-2", "lb-1"]) {
    const created = await s.call<{ token: { token: string } }>(
      "POST",
      "/api/v1/clusters/web/nodes",
      s.tokens.admin,
      { name },
    );
    agents[name] = created.body.token.token;
  }
  return { v1, agents };
}

describe.each(DIALECTS)("rollouts on %s", (dialect) => {
  let s: TestServer;
  afterEach(async () => s?.dispose());

  const desired = (token: string) =>
    s.call<DesiredState>("GET", "/api/v1/agent/desired?wait=0", token).then((r) => r.body);
  const report = (token: string, body: object) => s.call("POST", "/api/v1/agent/applies", token, body);

  it("gives the version to the canary first, the others once it promoted it, then makes it current", async () => {
    s = await openTestServer(dialect);
    const { v1, agents } = await withTwoNodes(s);
    const change = await approvedChange(s, { parent: v1, message: "m", config: SAFE_CFG });
    const rollout = (await s.call<Rollout>("POST", `/api/v1/changes/${change.id}/rollout`, s.tokens.operator))
      .body;
    expect(rollout.nodes.map((n) => [n.node, n.state])).toEqual([
      ["lb-1", "applying"],
      ["lb-2", "pending"],
    ]);
    expect((await desired(agents["lb-1"]!)).version.id).toBe(change.version);
    expect((await desired(agents["lb-2"]!)).version.id).toBe(v1);
    // lb-2's poll sleeps on through the canary's step and wakes when the canary releases it.
    const v1Hash = (await desired(agents["lb-2"]!)).version.hash;
    let lb2Answered = false;
    const lb2Poll = s
      .call<DesiredState>("GET", `/api/v1/agent/desired?wait=20&have=${v1Hash}`, agents["lb-2"])
      .then((r) => {
        lb2Answered = true;
        return r.body;
      });

    // An agent reports for its own node only: lb-2's token cannot move lb-1's step.
    await report(agents["lb-2"]!, {
      version: change.version,
      rollout: rollout.id,
      apply: "x",
      status: "promoted",
    });
    expect(
      (await s.call<Rollout>("GET", `/api/v1/rollouts/${rollout.id}`, s.tokens.viewer)).body.nodes[0]?.state,
    ).toBe("applying");

    expect(lb2Answered).toBe(false);
    await report(agents["lb-1"]!, {
      version: change.version,
      rollout: rollout.id,
      apply: "a1",
      status: "promoted",
    });
    expect((await lb2Poll).version.id).toBe(change.version);
    await report(agents["lb-2"]!, {
      version: change.version,
      rollout: rollout.id,
      apply: "a2",
      status: "promoted",
    });
    const done = (await s.call<Rollout>("GET", `/api/v1/rollouts/${rollout.id}`, s.tokens.viewer)).body;
    expect(done.state).toBe("completed");
    expect(
      (await s.call<{ currentVersion: number }>("GET", "/api/v1/clusters/web", s.tokens.viewer)).body
        .currentVersion,
    ).toBe(change.version);
    expect((await s.call<Change>("GET", `/api/v1/changes/${change.id}`, s.tokens.viewer)).body.state).toBe(
      "applied",
    );
  });

  it("halts on the canary's rollback, leaves the other node untouched and points the canary back at the parent", async () => {
    s = await openTestServer(dialect);
    const { v1, agents } = await withTwoNodes(s);
    const change = await approvedChange(s, { parent: v1, message: "m", config: SAFE_CFG });
    const rollout = (await s.call<Rollout>("POST", `/api/v1/changes/${change.id}/rollout`, s.tokens.operator))
      .body;
    await report(agents["lb-1"]!, {
      version: change.version,
      rollout: rollout.id,
      apply: "a1",
      status: "rolled-back",
      detail: "error ratio",
    });
    const halted = (await s.call<Rollout>("GET", `/api/v1/rollouts/${rollout.id}`, s.tokens.viewer)).body;
    expect(halted.state).toBe("halted");
    expect(halted.nodes.map((n) => [n.node, n.state, n.detail])).toEqual([
      ["lb-1", "rolled-back", "error ratio"],
      ["lb-2", "pending", undefined],
    ]);
    expect((await s.call<Change>("GET", `/api/v1/changes/${change.id}`, s.tokens.viewer)).body.state).toBe(
      "rolled-back",
    );
    expect((await desired(agents["lb-1"]!)).version.id).toBe(v1);
    expect((await desired(agents["lb-2"]!)).version.id).toBe(v1);
    expect(
      (await s.call<{ currentVersion: number }>("GET", "/api/v1/clusters/web", s.tokens.viewer)).body
        .currentVersion,
    ).toBe(v1);
  });

  it("hands a runtime operation to each node in turn and keeps the version", async () => {
    s = await openTestServer(dialect);
    const { v1, agents } = await withTwoNodes(s);
    const operation = { backend: "web", server: "web-02", action: { kind: "weight", weight: 12 } };
    const change = await approvedChange(s, { parent: v1, message: "a little more on web-02", operation });
    expect(change).toMatchObject({ kind: "runtime", verdict: "pass" });
    const rollout = (await s.call<Rollout>("POST", `/api/v1/changes/${change.id}/rollout`, s.tokens.operator))
      .body;
    const canary = await desired(agents["lb-1"]!);
    expect(canary).toMatchObject({
      rollout: rollout.id,
      change: change.id,
      operations: [{ change: change.id, operation }],
    });
    expect((await desired(agents["lb-2"]!)).operations).toEqual([]);
    await report(agents["lb-1"]!, { version: v1, rollout: rollout.id, apply: "op1", status: "promoted" });
    expect((await desired(agents["lb-2"]!)).operations).toEqual([{ change: change.id, operation }]);
    await report(agents["lb-2"]!, { version: v1, rollout: rollout.id, apply: "op2", status: "promoted" });
    expect((await s.call<Change>("GET", `/api/v1/changes/${change.id}`, s.tokens.viewer)).body.state).toBe(
      "applied",
    );
    expect(
      (await s.call<{ currentVersion: number }>("GET", "/api/v1/clusters/web", s.tokens.viewer)).body
        .currentVersion,
    ).toBe(v1);
    // Applied operations stay listed, so that drift detection expects the weight set.
    expect((await desired(agents["lb-1"]!)).operations).toEqual([{ change: change.id, operation }]);
  });

  it("refuses a second rollout while one runs, and rolls back to a former version at an approver's word", async () => {
    s = await openTestServer(dialect);
    const { v1, agents } = await withTwoNodes(s);
    const first = await approvedChange(s, { parent: v1, message: "m", config: SAFE_CFG });
    const second = await approvedChange(s, {
      parent: v1,
      message: "n",
      config: SAFE_CFG.replace("maxconn 2048", "maxconn 3000"),
    });
    const rollout = (await s.call<Rollout>("POST", `/api/v1/changes/${first.id}/rollout`, s.tokens.operator))
      .body;
    const busy = await s.call<ApiError>("POST", `/api/v1/changes/${second.id}/rollout`, s.tokens.operator);
    expect(busy.status).toBe(409);
    expect(busy.body.code).toBe("LBG_WRONG_STATE");
    for (const node of ["lb-1", "lb-2"]) {
      await report(agents[node]!, {
        version: first.version,
        rollout: rollout.id,
        apply: node,
        status: "promoted",
      });
    }
    const byOperator = await s.call<ApiError>("POST", "/api/v1/clusters/web/rollback", s.tokens.operator, {
      to: v1,
    });
    expect(byOperator.status).toBe(403);
    const back = await s.call<Change>("POST", "/api/v1/clusters/web/rollback", s.tokens.approver, {
      to: v1,
      message: "back to 1",
    });
    expect(back.body).toMatchObject({ version: v1, parent: first.version, state: "rolling-out" });
    expect((await desired(agents["lb-1"]!)).version.id).toBe(v1);
    const nodes = (await s.call<NodeStatus[]>("GET", "/api/v1/clusters/web/nodes", s.tokens.viewer)).body;
    expect(nodes.map((n) => [n.name, n.appliedVersion])).toEqual([
      ["lb-1", first.version],
      ["lb-2", first.version],
    ]);
  });
});
