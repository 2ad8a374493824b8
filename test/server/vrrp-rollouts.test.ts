import { afterEach, describe, expect, it } from "vitest";
import type { Change, DesiredState, Rollout } from "../../src/control/api-types.js";
import { DIALECTS } from "../store/test-stores.js";
import { openTestServer, type TestServer } from "./test-server.js";
import {
  approvedChange,
  eventTypes,
  heartbeat,
  PAIR_CFG,
  pairCluster,
  pairFile,
  vrrpReport,
} from "./vrrp-fixtures.js";

/** PAIR_CFG with web-02's weight changed: a safe, low-risk change. */
const SAFE_PAIR_CFG = PAIR_CFG.replace(
  "web-02 127.0.10.2:8080 weight 10",
  "web-02 127.0.10.2:8080 weight 11",
);

describe.each(DIALECTS)("pair rollouts on %s", (dialect) => {
  let s: TestServer;
  let now = Date.parse("2025-03-01T10:00:00.000Z");
  afterEach(async () => s?.dispose());

  const desired = (token: string) =>
    s.call<DesiredState>("GET", "/api/v1/agent/desired?wait=0", token).then((r) => r.body);
  const apply = (token: string, body: object) => s.call("POST", "/api/v1/agent/applies", token, body);
  const handover = (token: string, body: object) =>
    s.call<{ ok: boolean; accepted: boolean }>("POST", "/api/v1/agent/handovers", token, body);
  const rolloutOf = async (id: number) =>
    (await s.call<Rollout>("GET", `/api/v1/rollouts/${id}`, s.tokens.viewer)).body;
  const steps = (rollout: Rollout) => rollout.nodes.map((n) => [n.node, n.state]);
  const startRollout = async (change: Change) => {
    const started = await s.call<Rollout>("POST", `/api/v1/changes/${change.id}/rollout`, s.tokens.operator);
    expect(started.status).toBe(201);
    return started.body;
  };

  /**
   * A cluster whose current version (2) has the pair, lb-1 holding the VIP as MASTER and lb-2 as
   * BACKUP (the holder comes first by name, so name order alone would make it the canary), and an
   * approved change to version 3.
   */
  async function pairWithChange(): Promise<{ agents: Record<string, string>; v2: number; change: Change }> {
    s = await openTestServer(dialect, () => now);
    const { v1, agents } = await pairCluster(s);
    const paired = await approvedChange(s, { parent: v1, message: "the pair", vrrp: pairFile() });
    const first = await startRollout(paired);
    for (const node of first.nodes) {
      await apply(agents[node.node]!, {
        version: paired.version,
        rollout: first.id,
        apply: `p-${node.node}`,
        status: "promoted",
      });
    }
    expect((await rolloutOf(first.id)).state).toBe("completed");
    await heartbeat(s, agents["lb-1"]!, vrrpReport("MASTER"));
    await heartbeat(s, agents["lb-2"]!, vrrpReport("BACKUP"));
    const change = await approvedChange(s, {
      parent: paired.version,
      message: "weight",
      config: SAFE_PAIR_CFG,
    });
    return { agents, v2: paired.version!, change };
  }

  it("updates the backup first, has the holder hand the VIP over once it stands by, and the holder last", async () => {
    const { agents, v2, change } = await pairWithChange();
    const lb1 = agents["lb-1"]!;
    const lb2 = agents["lb-2"]!;
    const rollout = await startRollout(change);
    expect(rollout.vipHolder).toBe("lb-1");
    expect(steps(rollout)).toEqual([
      ["lb-2", "applying"],
      ["lb-1", "pending"],
    ]);
    const canary = await desired(lb2);
    expect([canary.version.id, canary.rollout, canary.bakeWhenActive, canary.handover]).toEqual([
      change.version,
      rollout.id,
      true,
      undefined,
    ]);
    const holder = await desired(lb1);
    expect([holder.version.id, holder.rollout, holder.handover]).toEqual([v2, undefined, undefined]);

    // The holder's poll sleeps through the canary's apply and wakes when it is asked to hand over.
    let holderAnswered = false;
    const holderPoll = s
      .call<DesiredState>("GET", `/api/v1/agent/desired?wait=20&have=${holder.version.hash}`, lb1)
      .then((r) => {
        holderAnswered = true;
        return r.body;
      });
    await desired(lb2);
    expect(holderAnswered).toBe(false);
    await apply(lb2, { version: change.version, rollout: rollout.id, apply: "a2", status: "standby" });
    const asked = await holderPoll;
    expect([asked.version.id, asked.rollout, asked.handover, asked.bakeWhenActive]).toEqual([
      v2,
      rollout.id,
      true,
      undefined,
    ]);
    expect(steps(await rolloutOf(rollout.id))).toEqual([
      ["lb-2", "standby"],
      ["lb-1", "handing-over"],
    ]);
    // The canary keeps its rollout while it stands by, so it can report how its bake ended.
    expect((await desired(lb2)).rollout).toBe(rollout.id);

    expect((await handover(lb1, { rollout: rollout.id, status: "handed-over" })).body).toEqual({
      ok: true,
      accepted: true,
    });
    expect(steps(await rolloutOf(rollout.id))).toEqual([
      ["lb-2", "standby"],
      ["lb-1", "handed-over"],
    ]);
    const idle = await desired(lb1);
    expect([idle.version.id, idle.handover, idle.rollout]).toEqual([v2, undefined, undefined]);

    await apply(lb2, { version: change.version, rollout: rollout.id, apply: "a2", status: "promoted" });
    expect(steps(await rolloutOf(rollout.id))).toEqual([
      ["lb-2", "applied"],
      ["lb-1", "applying"],
    ]);
    const last = await desired(lb1);
    expect([last.version.id, last.rollout, last.handover, last.bakeWhenActive]).toEqual([
      change.version,
      rollout.id,
      undefined,
      undefined,
    ]);
    await apply(lb1, { version: change.version, rollout: rollout.id, apply: "a1", status: "promoted" });
    expect((await rolloutOf(rollout.id)).state).toBe("completed");
    expect(await eventTypes(s, "rollout.", "node.standby")).toEqual([
      "rollout.started",
      "rollout.canary-passed",
      "rollout.completed",
      "rollout.started",
      "node.standby",
      "rollout.handover-requested",
      "rollout.handed-over",
      "rollout.canary-passed",
      "rollout.completed",
    ]);
  });

  it("wakes the canary of a version that changes only the pair file, whose HAProxy text it already runs", async () => {
    const { agents, v2 } = await pairWithChange();
    const current = await desired(agents["lb-2"]!);
    const change = await approvedChange(s, {
      parent: v2,
      message: "router id",
      vrrp: pairFile(["lb-1", "lb-2"], 52),
    });
    const rollout = await startRollout(change);
    const answer = await s.call<DesiredState>(
      "GET",
      `/api/v1/agent/desired?wait=20&have=${current.version.hash}`,
      agents["lb-2"],
    );
    expect([answer.body.version.id, answer.body.version.hash, answer.body.rollout]).toEqual([
      change.version,
      current.version.hash,
      rollout.id,
    ]);
    expect(answer.body.version.vrrp).toContain("virtual_router_id: 52");
  });

  it("halts when the canary rolls back under live traffic; the holder that handed over keeps its version", async () => {
    const { agents, v2, change } = await pairWithChange();
    const rollout = await startRollout(change);
    await apply(agents["lb-2"]!, {
      version: change.version,
      rollout: rollout.id,
      apply: "a2",
      status: "standby",
    });
    await handover(agents["lb-1"]!, { rollout: rollout.id, status: "handed-over" });
    await apply(agents["lb-2"]!, {
      version: change.version,
      rollout: rollout.id,
      apply: "a2",
      status: "rolled-back",
      detail: "error ratio",
    });
    const halted = await rolloutOf(rollout.id);
    expect(halted.state).toBe("halted");
    expect(steps(halted)).toEqual([
      ["lb-2", "rolled-back"],
      ["lb-1", "handed-over"],
    ]);
    expect((await desired(agents["lb-2"]!)).version.id).toBe(v2);
    expect((await desired(agents["lb-1"]!)).version.id).toBe(v2);
    expect((await s.call<Change>("GET", `/api/v1/changes/${change.id}`, s.tokens.viewer)).body.state).toBe(
      "rolled-back",
    );
  });

  it("halts when the holder cannot hand the VIP over, and ignores what comes after", async () => {
    const { agents, v2, change } = await pairWithChange();
    const rollout = await startRollout(change);
    await apply(agents["lb-2"]!, {
      version: change.version,
      rollout: rollout.id,
      apply: "a2",
      status: "standby",
    });
    const failed = await handover(agents["lb-1"]!, {
      rollout: rollout.id,
      status: "failed",
      detail: "still holds the VIP after 20 s",
    });
    expect(failed.body).toEqual({ ok: true, accepted: true });
    const halted = await rolloutOf(rollout.id);
    expect(halted.state).toBe("halted");
    expect(halted.nodes.map((n) => [n.node, n.state, n.detail])).toEqual([
      ["lb-2", "standby", undefined],
      ["lb-1", "failed", "still holds the VIP after 20 s"],
    ]);
    // The canary goes back to the parent; its late promotion moves nothing.
    expect((await desired(agents["lb-2"]!)).version.id).toBe(v2);
    await apply(agents["lb-2"]!, {
      version: change.version,
      rollout: rollout.id,
      apply: "a2",
      status: "promoted",
    });
    expect((await rolloutOf(rollout.id)).nodes.map((n) => n.state)).toEqual(["standby", "failed"]);
    expect(
      (await handover(agents["lb-1"]!, { rollout: rollout.id, status: "handed-over" })).body.accepted,
    ).toBe(false);
    expect(await eventTypes(s, "rollout.handover", "rollout.halted")).toEqual([
      "rollout.handover-requested",
      "rollout.handover-failed",
      "rollout.halted",
    ]);
  });

  it("takes a handover report only from the node asked, and only from agents", async () => {
    const { agents, change } = await pairWithChange();
    const rollout = await startRollout(change);
    // Not asked yet: the canary has not stood by.
    expect(
      (await handover(agents["lb-1"]!, { rollout: rollout.id, status: "handed-over" })).body.accepted,
    ).toBe(false);
    await apply(agents["lb-2"]!, {
      version: change.version,
      rollout: rollout.id,
      apply: "a2",
      status: "standby",
    });
    expect((await handover(agents["lb-2"]!, { rollout: rollout.id, status: "failed" })).body.accepted).toBe(
      false,
    );
    expect((await rolloutOf(rollout.id)).state).toBe("running");
    const byViewer = await s.call("POST", "/api/v1/agent/handovers", s.tokens.viewer, {
      rollout: rollout.id,
      status: "failed",
    });
    expect(byViewer.status).toBe(403);
    const malformed = await handover(agents["lb-1"]!, { rollout: rollout.id, status: "gone" });
    expect(malformed.status).toBe(400);
  });

  it("goes by name when no single node is known to hold the VIP: none reported lately, or two at once", async () => {
    const { agents, change } = await pairWithChange();
    now += 11_000;
    const stale = await startRollout(change);
    expect([stale.vipHolder, steps(stale)]).toEqual([
      undefined,
      [
        ["lb-1", "applying"],
        ["lb-2", "pending"],
      ],
    ]);
    expect((await desired(agents["lb-1"]!)).bakeWhenActive).toBeUndefined();
    await apply(agents["lb-1"]!, {
      version: change.version,
      rollout: stale.id,
      apply: "a1",
      status: "rolled-back",
    });

    const again = await approvedChange(s, {
      parent: change.parent,
      message: "weight again",
      config: SAFE_PAIR_CFG,
    });
    await heartbeat(s, agents["lb-1"]!, vrrpReport("MASTER"));
    await heartbeat(s, agents["lb-2"]!, vrrpReport("MASTER"));
    const split = await startRollout(again);
    expect([split.vipHolder, split.nodes.map((n) => n.node)]).toEqual([undefined, ["lb-1", "lb-2"]]);
  });

  it("goes by name for a version without a pair file, whoever holds the VIP", async () => {
    s = await openTestServer(dialect, () => now);
    const { v1, agents } = await pairCluster(s);
    await heartbeat(s, agents["lb-1"]!, vrrpReport("MASTER"));
    const change = await approvedChange(s, { parent: v1, message: "weight", config: SAFE_PAIR_CFG });
    const rollout = await startRollout(change);
    expect([rollout.vipHolder, rollout.nodes.map((n) => n.node)]).toEqual([undefined, ["lb-1", "lb-2"]]);
  });
});
