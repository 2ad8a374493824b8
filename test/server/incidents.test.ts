import { afterEach, describe, expect, it } from "vitest";
import type { ApiError, Change, Rollout, StoredEvent } from "../../src/control/api-types.js";
import type { IncidentView, PostmortemView } from "../../src/incidents/assemble.js";
import type { OpenedIncident } from "../../src/incidents/incident-store.js";
import type { Incident } from "../../src/incidents/types.js";
import { recordSamples } from "../../src/monitor/metric-store.js";
import type { MetricSample } from "../../src/monitor/types.js";
import { metricSample, type RowFields, rowSample } from "../monitor/sample-builders.js";
import { DIALECTS } from "../store/test-stores.js";
import { createWebCluster, openTestServer, SAFE_CFG, type TestServer } from "./test-server.js";

const T0 = Date.parse("2026-11-21T10:00:00.000Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

/** One second of traffic through frontend www and backend web: `requests`, of which `failed` 5xx. */
function sample(seconds: number, requests: number, failed: number, intervalMs = 1000): MetricSample {
  const traffic: RowFields = {
    requests,
    responses: { "2xx": requests - failed, "5xx": failed },
    picked: requests,
    status: "UP",
  };
  return metricSample(
    "lb-1",
    at(seconds),
    [
      rowSample("frontend", "www", traffic),
      rowSample("backend", "web", traffic),
      rowSample("server", "web", { server: "web-02", ...traffic }),
    ],
    { intervalMs },
  );
}

describe.each(DIALECTS)("incidents on %s", (dialect) => {
  let s: TestServer;
  let now = T0;
  afterEach(async () => s?.dispose());

  async function start(): Promise<void> {
    now = T0;
    s = await openTestServer(dialect, () => now);
    await createWebCluster(s, { approvals: { low: 1, medium: 1, high: 1 } });
  }
  const events = async (type: string) =>
    (await s.call<StoredEvent[]>("GET", `/api/v1/events?type=${type}&limit=1000`, s.tokens.viewer)).body;
  const open = (body: object) => s.call<OpenedIncident>("POST", "/api/v1/incidents", s.tokens.operator, body);

  it("opens one by hand, links a second report to it, takes notes and resolves it once", async () => {
    await start();
    const first = await open({
      cluster: "web",
      title: "checkout is slow",
      severity: "warning",
      reason: "tickets",
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      cluster: "web",
      title: "checkout is slow",
      severity: "warning",
      state: "open",
      openedBy: "operator",
      openedAt: at(0),
      trigger: { kind: "manual", by: "operator", reason: "tickets" },
      linked: false,
    });
    const id = first.body.id;
    expect((await events("incident.opened")).map((e) => [e.subject, e.actor])).toEqual([
      [`incident:${id}`, "operator"],
    ]);

    now += 1000;
    const second = await open({ cluster: "web", title: "checkout fails", reason: "5xx on the dashboard" });
    expect(second.status).toBe(200);
    // The second report raises the severity (critical by default) but opens nothing new.
    expect(second.body).toMatchObject({ id, linked: true, severity: "critical", title: "checkout is slow" });
    const linked = await events("incident.linked");
    expect(linked.map((e) => [e.subject, e.data.trigger])).toEqual([
      [`incident:${id}`, { kind: "manual", by: "operator", reason: "5xx on the dashboard" }],
    ]);
    const listed = await s.call<Incident[]>(
      "GET",
      "/api/v1/incidents?cluster=web&state=open",
      s.tokens.viewer,
    );
    expect(listed.body.map((i) => i.id)).toEqual([id]);

    now += 1000;
    const noted = await s.call<Incident>("POST", `/api/v1/incidents/${id}/notes`, s.tokens.operator, {
      text: "lb-1 answers 503 for /cart",
    });
    expect(noted.status).toBe(201);
    expect((await events("incident.note")).map((e) => [e.subject, e.actor, e.data.text])).toEqual([
      [`incident:${id}`, "operator", "lb-1 answers 503 for /cart"],
    ]);

    now += 1000;
    const resolved = await s.call<Incident>("POST", `/api/v1/incidents/${id}/resolve`, s.tokens.operator, {
      summary: "web-02 put back in the pool",
    });
    expect(resolved.body).toMatchObject({ state: "resolved", resolvedBy: "operator", resolvedAt: at(3) });
    expect((await events("incident.resolved")).map((e) => e.data.summary)).toEqual([
      "web-02 put back in the pool",
    ]);
    const again = await s.call<ApiError>("POST", `/api/v1/incidents/${id}/resolve`, s.tokens.operator, {
      summary: "twice",
    });
    expect([again.status, again.body.code]).toEqual([409, "LBG_INCIDENT_RESOLVED"]);

    const view = await s.call<IncidentView>("GET", `/api/v1/incidents/${id}`, s.tokens.viewer);
    expect(view.body.incident.state).toBe("resolved");
    expect(view.body.timeline.map((t) => t.source.type)).toEqual([
      "incident.opened",
      "incident.linked",
      "incident.note",
      "incident.resolved",
    ]);
    expect(view.body.impact).toMatchObject({ from: at(0), to: at(3), requests: 0 });

    // Once resolved, the next report opens a new incident.
    const next = await open({ cluster: "web", title: "again", reason: "pager" });
    expect([next.status, next.body.linked, next.body.id === id]).toEqual([201, false, false]);
    const resolvedOnly = await s.call<Incident[]>("GET", "/api/v1/incidents?state=resolved", s.tokens.viewer);
    expect(resolvedOnly.body.map((i) => i.id)).toEqual([id]);
  });

  it("answers 404 for an incident or a cluster that does not exist, and 400 for a bad body", async () => {
    await start();
    for (const [method, url, body] of [
      ["GET", "/api/v1/incidents/99", undefined],
      ["POST", "/api/v1/incidents/99/notes", { text: "x" }],
      ["POST", "/api/v1/incidents/99/resolve", { summary: "x" }],
      ["GET", "/api/v1/incidents/99/postmortem", undefined],
      ["POST", "/api/v1/incidents/99/postmortem", undefined],
      ["PUT", "/api/v1/incidents/99/postmortem", { markdown: "# x" }],
    ] as const) {
      const answer = await s.call<ApiError>(method, url, s.tokens.operator, body);
      expect([method, url, answer.status, answer.body.code]).toEqual([
        method,
        url,
        404,
        "LBG_INCIDENT_NOT_FOUND",
      ]);
    }
    const noCluster = await open({ cluster: "nope", title: "t", reason: "r" });
    expect([noCluster.status, (noCluster.body as unknown as ApiError).code]).toEqual([404, "LBG_NOT_FOUND"]);
    const noReason = await s.call<ApiError>("POST", "/api/v1/incidents", s.tokens.operator, {
      cluster: "web",
      title: "t",
    });
    expect([noReason.status, noReason.body.message]).toEqual([400, "body.reason: is required"]);
  });

  it("opens a critical incident when an agent rolls a version back by itself, and blames that change in the postmortem", async () => {
    await start();
    const agent = (
      await s.call<{ token: { token: string } }>("POST", "/api/v1/clusters/web/nodes", s.tokens.admin, {
        name: "lb-1",
      })
    ).body.token.token;
    const proposed = await s.call<Change>("POST", "/api/v1/clusters/web/changes", s.tokens.operator, {
      parent: 1,
      message: "more weight for web-02",
      config: SAFE_CFG,
    });
    const change = proposed.body;
    await s.call("POST", `/api/v1/changes/${change.id}/reviews`, s.tokens.approver, {
      decision: "approve",
      comment: "ok",
    });
    const rollout = (await s.call<Rollout>("POST", `/api/v1/changes/${change.id}/rollout`, s.tokens.operator))
      .body;

    // The node reloads at +10 s, errors follow, its bake rolls the version back at +20 s.
    await recordSamples(s.ctx, "web/lb-1", [
      sample(9, 0, 0, 0),
      sample(10, 100, 0),
      ...[11, 12, 13, 14, 15, 16, 17, 18, 19, 20].map((t) => sample(t, 100, 40)),
    ]);
    const shipped = await s.call("POST", "/api/v1/agent/events", agent, {
      events: [
        { apply: "apply-7", type: "apply.started", actor: "operator", at: at(9), evidence: { source: "v" } },
        { apply: "apply-7", type: "apply.reloaded", actor: "agent", at: at(10), evidence: { workerPid: 7 } },
        { apply: "apply-7", type: "apply.rolled-back", actor: "agent", at: at(20), evidence: {} },
      ],
    });
    expect(shipped.status).toBe(200);
    now = T0 + 21_000;
    const reported = await s.call("POST", "/api/v1/agent/applies", agent, {
      version: change.version,
      rollout: rollout.id,
      apply: "apply-7",
      status: "rolled-back",
      detail: "error ratio 40% over 5%",
    });
    expect(reported.status).toBe(200);

    const incidents = (await s.call<Incident[]>("GET", "/api/v1/incidents", s.tokens.viewer)).body;
    expect(incidents).toEqual([
      expect.objectContaining({
        cluster: "web",
        state: "open",
        severity: "critical",
        title: `lb-1 rolled back version ${change.version} by itself`,
        openedBy: "control-plane",
        openedAt: at(21),
        trigger: {
          kind: "rollback",
          node: "lb-1",
          apply: "apply-7",
          version: change.version,
          detail: "error ratio 40% over 5%",
        },
      }),
    ]);
    const id = incidents[0]!.id;
    // The agent's outbox sends a report again when it lost the answer: no second incident.
    await s.call("POST", "/api/v1/agent/applies", agent, {
      version: change.version,
      rollout: rollout.id,
      apply: "apply-7",
      status: "rolled-back",
    });
    expect((await s.call<Incident[]>("GET", "/api/v1/incidents", s.tokens.viewer)).body).toHaveLength(1);

    const view = (await s.call<IncidentView>("GET", `/api/v1/incidents/${id}`, s.tokens.viewer)).body;
    expect(view.suspects[0]).toMatchObject({
      ref: `change:${change.id}`,
      score: 1,
      node: "lb-1",
      at: at(10),
    });
    // The impact runs from the change going live, before the incident opened.
    expect(view.impact).toMatchObject({ from: at(10), to: at(21), requests: 1000, failed: 400 });

    now = T0 + 60_000;
    await s.call("POST", `/api/v1/incidents/${id}/resolve`, s.tokens.operator, { summary: "stayed on v1" });
    const drafted = await s.call<PostmortemView>(
      "GET",
      `/api/v1/incidents/${id}/postmortem`,
      s.tokens.viewer,
    );
    expect(drafted.status).toBe(200);
    const doc = drafted.body.document;
    expect(doc.rootCause).toMatchObject({
      suspect: { ref: `change:${change.id}` },
      change: {
        id: change.id,
        author: "operator",
        reviewers: ["approver"],
        message: "more weight for web-02",
      },
    });
    expect(doc.rootCause?.diff).toContain("+    server web-02 127.0.10.2:8080 weight 11");
    expect(doc.impact).toMatchObject({ from: at(10), to: at(60), failed: 400 });
    expect(doc.timeline.map((t) => t.source.type)).toEqual(
      expect.arrayContaining(["node.applied", "incident.opened", "incident.resolved"]),
    );
    expect(doc.resolution).toContain("stayed on v1");
    expect(drafted.body.markdown).toContain(`change ${change.id}`);
  });

  it("drafts the postmortem once, keeps a person's edit, and regenerates it on request", async () => {
    await start();
    const id = (await open({ cluster: "web", title: "checkout fails", reason: "pager" })).body.id;
    now += 5000;
    await s.call("POST", `/api/v1/incidents/${id}/resolve`, s.tokens.operator, {
      summary: "restarted web-02",
    });

    const drafted = await s.call<PostmortemView>(
      "GET",
      `/api/v1/incidents/${id}/postmortem`,
      s.tokens.viewer,
    );
    expect(drafted.body).toMatchObject({ incident: id, edited: false });
    expect(drafted.body.markdown).toContain("checkout fails");
    const row = await s.ctx.store.db
      .selectFrom("incidents")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect([row.postmortem, Number(row.postmortem_edited)]).toEqual([drafted.body.markdown, 0]);
    expect(JSON.parse(row.postmortem_json!)).toEqual(drafted.body.document);

    // Drafted after the resolution, the stored draft is answered as it is.
    now += 60_000;
    const stored = await s.call<PostmortemView>("GET", `/api/v1/incidents/${id}/postmortem`, s.tokens.viewer);
    expect(stored.body.document.generatedAt).toBe(drafted.body.document.generatedAt);
    const markdown = await s.app.inject({
      method: "GET",
      url: `/api/v1/incidents/${id}/postmortem?format=md`,
      headers: { authorization: `Bearer ${s.tokens.viewer}` },
    });
    expect(markdown.headers["content-type"]).toMatch(/^text\/markdown/);
    expect(markdown.body).toBe(drafted.body.markdown);

    const edit = "# Checkout failed\n\nweb-02 ran out of file descriptors.\n";
    const saved = await s.call<PostmortemView>(
      "PUT",
      `/api/v1/incidents/${id}/postmortem`,
      s.tokens.operator,
      {
        markdown: edit,
      },
    );
    expect(saved.body).toMatchObject({ edited: true, markdown: edit });
    expect(
      (await events("incident.postmortem-edited")).map((e) => [e.subject, e.actor, e.data.markdown]),
    ).toEqual([[`incident:${id}`, "operator", edit]]);
    now += 60_000;
    const kept = await s.call<PostmortemView>(
      "GET",
      `/api/v1/incidents/${id}/postmortem?tz=Europe/Paris`,
      s.tokens.viewer,
    );
    expect(kept.body).toMatchObject({ edited: true, markdown: edit });
    expect(
      (await s.call<IncidentView>("GET", `/api/v1/incidents/${id}`, s.tokens.viewer)).body,
    ).toMatchObject({
      incident: { postmortem: { edited: true } },
    });

    const regenerated = await s.call<PostmortemView>(
      "POST",
      `/api/v1/incidents/${id}/postmortem?tz=Europe/Paris`,
      s.tokens.operator,
    );
    expect(regenerated.body.edited).toBe(false);
    expect(regenerated.body.markdown).not.toBe(edit);
    expect(regenerated.body.document.summary.timeZone).toBe("Europe/Paris");
    expect(regenerated.body.document.generatedAt).toBe(new Date(now).toISOString());

    const badZone = await s.call<ApiError>(
      "POST",
      `/api/v1/incidents/${id}/postmortem?tz=Mars/Olympus`,
      s.tokens.operator,
    );
    expect([badZone.status, badZone.body.code]).toEqual([400, "LBG_BAD_REQUEST"]);
  });

  it("drafts again while the incident is open, so the draft follows it to its resolution", async () => {
    await start();
    const id = (await open({ cluster: "web", title: "slow", reason: "pager" })).body.id;
    now += 5000;
    const early = (await s.call<PostmortemView>("GET", `/api/v1/incidents/${id}/postmortem`, s.tokens.viewer))
      .body;
    expect(early.document.resolution).toContain("still open");
    now += 5000;
    await s.call("POST", `/api/v1/incidents/${id}/resolve`, s.tokens.operator, {
      summary: "cache warmed up",
    });
    const late = (await s.call<PostmortemView>("GET", `/api/v1/incidents/${id}/postmortem`, s.tokens.viewer))
      .body;
    expect(late.document.resolution).toContain("cache warmed up");
    expect(late.document.summary.end).toBe(at(10));
  });
});
