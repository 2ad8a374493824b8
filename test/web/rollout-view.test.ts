import { afterEach, describe, expect, it } from "vitest";
import type { Change, Rollout, StoredEvent } from "../../src/control/api-types.js";
import type { Incident } from "../../src/incidents/types.js";
import type { Alert } from "../../src/monitor/types.js";
import {
  alertsSuspecting,
  incidentsDuring,
  rolloutHasTrouble,
  rolloutRows,
  rolloutSummary,
  rolloutTimeline,
} from "../../web/src/data/rollout-view.js";
import { createWebCluster, openTestServer, SAFE_CFG, type TestServer } from "../server/test-server.js";

/** A cluster with lb-1 (the canary) and lb-2, an approved change rolled out, and the agents' tokens. */
async function rolloutStarted(s: TestServer) {
  const v1 = await createWebCluster(s, { approvals: { low: 1, medium: 1, high: 1 } });
  const agents: Record<string, string> = {};
  for (const name of ["lb-1", "lb-2"]) {
    agents[name] = (
      await s.call<{ token: { token: string } }>("POST", "/api/v1/clusters/web/nodes", s.tokens.admin, {
        name,
      })
    ).body.token.token;
  }
  const change = (
    await s.call<Change>("POST", "/api/v1/clusters/web/changes", s.tokens.operator, {
      parent: v1,
      message: "weights",
      config: SAFE_CFG,
    })
  ).body;
  await s.call("POST", `/api/v1/changes/${change.id}/reviews`, s.tokens.approver, {
    decision: "approve",
    comment: "ok",
  });
  const rollout = (await s.call<Rollout>("POST", `/api/v1/changes/${change.id}/rollout`, s.tokens.operator))
    .body;
  return { change, rollout, agents };
}

describe("rollout view", () => {
  let s: TestServer;
  afterEach(async () => s?.dispose());

  it("shows a running rollout canary first, and where it stands", async () => {
    s = await openTestServer("sqlite");
    const { rollout } = await rolloutStarted(s);
    expect(rolloutRows(rollout).map((r) => [r.node, r.roles, r.state, r.tone])).toEqual([
      ["lb-1", ["canary"], "applying", "warn"],
      ["lb-2", [], "pending", "muted"],
    ]);
    expect(rolloutSummary(rollout)).toBe("Running: 0 of 2 nodes applied; lb-1 is applying.");
    expect(rolloutHasTrouble(rollout)).toBe(false);
  });

  it("tells a halted rollout's evidence from the recorded events, and finds the incident it opened", async () => {
    s = await openTestServer("sqlite");
    const { change, rollout, agents } = await rolloutStarted(s);
    const step = (type: string, evidence: object) => ({
      type,
      actor: "agent",
      at: new Date().toISOString(),
      apply: "apply-9",
      evidence,
    });
    await s.call("POST", "/api/v1/agent/events", agents["lb-1"], {
      events: [
        step("apply.started", { source: "control plane" }),
        step("apply.breach", {
          breaches: [{ message: "5xx ratio 40% against at most 5%" }],
          afterMs: 1200,
        }),
        step("apply.rolled-back", { reason: "bake breach", version: "v1" }),
      ],
    });
    await s.call("POST", "/api/v1/agent/applies", agents["lb-1"], {
      version: change.version,
      rollout: rollout.id,
      apply: "apply-9",
      status: "rolled-back",
      detail: "5xx ratio 40% against at most 5%",
    });
    const halted = (await s.call<Rollout>("GET", `/api/v1/rollouts/${rollout.id}`, s.tokens.viewer)).body;
    const events = (
      await s.call<StoredEvent[]>("GET", `/api/v1/rollouts/${rollout.id}/events`, s.tokens.viewer)
    ).body;
    const now = new Date().toISOString();

    expect(rolloutHasTrouble(halted)).toBe(true);
    expect(rolloutSummary(halted)).toBe(
      "Halted: lb-1 rolled back; lb-2 never received the version. The change is rolled back.",
    );
    expect(rolloutRows(halted)[0]).toMatchObject({
      node: "lb-1",
      tone: "bad",
      apply: "apply-9",
      detail: "5xx ratio 40% against at most 5%",
    });
    const timeline = rolloutTimeline(halted, events, now);
    const breach = timeline.find((e) => e.source.type === "agent.apply.breach");
    expect(breach?.kind).toBe("detection");
    expect(breach?.text).toContain("5xx ratio 40% against at most 5%");
    expect(timeline.map((e) => e.source.type)).toContain("rollout.halted");

    const incidents = (await s.call<Incident[]>("GET", "/api/v1/incidents?cluster=web", s.tokens.viewer))
      .body;
    const related = incidentsDuring(incidents, halted, now);
    expect(related.map((i) => i.trigger.kind)).toEqual(["rollback"]);
    // An incident resolved before the rollout started is not this rollout's.
    const earlier = {
      ...related[0]!,
      id: 99,
      trigger: { kind: "manual", by: "x", reason: "y" },
      openedAt: "2020-01-01T00:00:00.000Z",
      resolvedAt: "2020-01-01T01:00:00.000Z",
    } satisfies Incident;
    expect(incidentsDuring([earlier], halted, now)).toEqual([]);
    // One opened by something else while it ran belongs to a halted rollout, not to one that went well.
    const meanwhile = { ...earlier, openedAt: halted.createdAt, resolvedAt: undefined } satisfies Incident;
    expect(incidentsDuring([meanwhile], halted, now).map((i) => i.id)).toEqual([99]);
    const completed: Rollout = {
      ...halted,
      state: "completed",
      nodes: halted.nodes.map((n) => ({ ...n, state: "applied" as const })),
    };
    expect(incidentsDuring([meanwhile], completed, now)).toEqual([]);
  });

  it("finds the alerts that name the change or its version among their suspects", () => {
    const alert = (id: number, ref: string, version?: number) =>
      ({ id, suspects: [{ ref, ...(version !== undefined ? { version } : {}) }] }) as unknown as Alert;
    const alerts = [
      alert(1, "change:7"),
      alert(2, "version:5", 5),
      alert(3, "change:8", 6),
      alert(4, "node:web/lb-1"),
    ];
    expect(alertsSuspecting(alerts, { id: 7, version: 5 }).map((a) => a.id)).toEqual([1, 2]);
  });
});
