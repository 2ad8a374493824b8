import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiError, StoredEvent } from "../../src/control/api-types.js";
import { activeSilences, durationSeconds, silenceEndsAt } from "../../src/monitor/silence-store.js";
import type { Alert, Silence } from "../../src/monitor/types.js";
import { DIALECTS } from "../store/test-stores.js";
import { insertAlert, suspect } from "./alert-rows.js";
import { BEFORE_CFG, createWebCluster, openTestServer, type TestServer } from "./test-server.js";

const START = Date.parse("2025-03-01T10:00:00.000Z");
const HOUR = 3_600_000;

describe("durationSeconds and silenceEndsAt", () => {
  it.each([
    ["2h", 7200],
    ["45m", 2700],
    ["90s", 90],
    ["1d", 86_400],
    ["1h30m", 5400],
    ["600", 600],
    [600, 600],
  ] as const)("reads %s as %d seconds", (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });

  it.each(["", "2 hours", "h", "-5", "0", "2w", "1h-30m"])("refuses '%s'", (text) => {
    expect(durationSeconds(text)).toBeUndefined();
  });

  it("ends a duration from now, keeps an explicit end, and wants exactly one of the two", () => {
    expect(silenceEndsAt({ duration: "2h" }, START)).toBe("2025-03-01T12:00:00.000Z");
    expect(silenceEndsAt({ endsAt: "2025-03-02T00:00:00Z" }, START)).toBe("2025-03-02T00:00:00Z");
    for (const body of [
      {},
      { duration: "2h", endsAt: "2025-03-02T00:00:00Z" },
      { duration: "soon" },
      { duration: "31d" },
    ]) {
      expect(() => silenceEndsAt(body, START)).toThrow(
        expect.objectContaining({ code: "LBG_BAD_SILENCE_END" }),
      );
    }
  });
});

describe.each(DIALECTS)("alerts and silences on %s", (dialect) => {
  let s: TestServer;
  let now = START;
  /** Ids of the alerts inserted in beforeAll, oldest first. */
  const ids: Record<"webFiring" | "webPending" | "webResolved" | "apiFiring", number> = {
    webFiring: 0,
    webPending: 0,
    webResolved: 0,
    apiFiring: 0,
  };

  beforeAll(async () => {
    s = await openTestServer(dialect, () => now);
    await createWebCluster(s);
    const api = await s.call("POST", "/api/v1/clusters", s.tokens.admin, { name: "api", config: BEFORE_CFG });
    expect(api.status).toBe(201);
    const db = s.t.store.db;
    ids.webResolved = await insertAlert(db, { state: "resolved", activeAt: "2025-03-01T09:00:00.000Z" });
    ids.webFiring = await insertAlert(db, {
      state: "firing",
      labels: { backend: "web", server: "web-02" },
      activeAt: "2025-03-01T09:50:00.000Z",
      firedAt: "2025-03-01T09:51:00.000Z",
      suspects: [suspect(), suspect({ ref: "change:4", kind: "runtime-operation", score: 0.4 })],
      silencedBy: 7,
    });
    ids.webPending = await insertAlert(db, {
      state: "pending",
      rule: "imbalance",
      activeAt: "2025-03-01T09:55:00.000Z",
    });
    ids.apiFiring = await insertAlert(db, {
      cluster: "api",
      state: "firing",
      activeAt: "2025-03-01T09:56:00.000Z",
    });
  });
  afterAll(async () => s?.dispose());

  async function alertIds(query: string): Promise<number[]> {
    const answer = await s.call<Alert[]>("GET", `/api/v1/alerts${query}`, s.tokens.viewer);
    expect(answer.status).toBe(200);
    return answer.body.map((a) => a.id);
  }

  async function silenceEvents(): Promise<StoredEvent[]> {
    return (await s.call<StoredEvent[]>("GET", "/api/v1/events?type=silence", s.tokens.viewer)).body;
  }

  it("lists alerts newest first and filters them by cluster, state, start and count", async () => {
    const { webFiring, webPending, webResolved, apiFiring } = ids;
    expect(await alertIds("")).toEqual([apiFiring, webPending, webFiring, webResolved]);
    expect(await alertIds("?cluster=web")).toEqual([webPending, webFiring, webResolved]);
    expect(await alertIds("?state=firing")).toEqual([apiFiring, webFiring]);
    expect(await alertIds("?state=open&cluster=web")).toEqual([webPending, webFiring]);
    expect(await alertIds("?state=resolved")).toEqual([webResolved]);
    expect(await alertIds("?since=2025-03-01T09:55:00.000Z")).toEqual([apiFiring, webPending]);
    expect(await alertIds("?limit=2")).toEqual([apiFiring, webPending]);
    expect(await alertIds("?cluster=nowhere")).toEqual([]);
  });

  it("refuses an unknown state filter or a since that is not a time", async () => {
    for (const query of ["?state=burning", "?since=yesterday"]) {
      const answer = await s.call<ApiError>("GET", `/api/v1/alerts${query}`, s.tokens.viewer);
      expect([query, answer.status, answer.body.code]).toEqual([query, 400, "LBG_BAD_REQUEST"]);
    }
  });

  it("answers one alert with its labels, times, silence and ranked suspects", async () => {
    const answer = await s.call<Alert>("GET", `/api/v1/alerts/${ids.webFiring}`, s.tokens.viewer);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      id: ids.webFiring,
      fingerprint: 'fp-error-ratio-high-{"backend":"web","server":"web-02"}',
      cluster: "web",
      rule: "error-ratio-high",
      kind: "error-ratio",
      severity: "critical",
      labels: { backend: "web", server: "web-02" },
      state: "firing",
      value: 42.5,
      threshold: 5,
      summary: "backend web: 42.5% of responses were 5xx over 1 minute (threshold 5%)",
      activeAt: "2025-03-01T09:50:00.000Z",
      firedAt: "2025-03-01T09:51:00.000Z",
      suspects: [suspect(), suspect({ ref: "change:4", kind: "runtime-operation", score: 0.4 })],
      silencedBy: 7,
    });
    const pending = await s.call<Alert>("GET", `/api/v1/alerts/${ids.webPending}`, s.tokens.viewer);
    expect(pending.body).not.toHaveProperty("firedAt");
    expect(pending.body).not.toHaveProperty("resolvedAt");
    expect(pending.body).not.toHaveProperty("silencedBy");
  });

  it("answers 404 LBG_ALERT_NOT_FOUND for an alert that does not exist", async () => {
    const answer = await s.call<ApiError>("GET", "/api/v1/alerts/9999", s.tokens.viewer);
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe("LBG_ALERT_NOT_FOUND");
    expect(answer.body.message).toBe("there is no alert 9999");
  });

  describe("silences", () => {
    let maintenance: Silence;
    let everywhere: Silence;

    it("creates a silence from a duration and records silence.created", async () => {
      const answer = await s.call<Silence>("POST", "/api/v1/silences", s.tokens.operator, {
        cluster: "web",
        matchers: { rule: "imbalance", backend: "web" },
        comment: "maintenance",
        duration: "2h",
      });
      expect(answer.status).toBe(201);
      maintenance = answer.body;
      expect(maintenance).toEqual({
        id: expect.any(Number),
        cluster: "web",
        matchers: { rule: "imbalance", backend: "web" },
        comment: "maintenance",
        createdBy: "operator",
        createdAt: "2025-03-01T10:00:00.000Z",
        endsAt: "2025-03-01T12:00:00.000Z",
      });
      expect(await silenceEvents()).toEqual([
        expect.objectContaining({
          type: "silence.created",
          actor: "operator",
          cluster: "web",
          subject: `silence:${maintenance.id}`,
          data: {
            matchers: { rule: "imbalance", backend: "web" },
            comment: "maintenance",
            endsAt: maintenance.endsAt,
          },
        }),
      ]);
    });

    it("takes seconds or an end time, and a cluster-wide silence with no matcher", async () => {
      const seconds = await s.call<Silence>("POST", "/api/v1/silences", s.tokens.approver, {
        matchers: { severity: "warning" },
        comment: "noisy warnings",
        duration: 600,
      });
      expect(seconds.status).toBe(201);
      expect(seconds.body.endsAt).toBe("2025-03-01T10:10:00.000Z");
      expect(seconds.body).not.toHaveProperty("cluster");
      everywhere = seconds.body;
      const until = await s.call<Silence>("POST", "/api/v1/silences", s.tokens.operator, {
        cluster: "api",
        matchers: {},
        comment: "api cluster rebuilt",
        endsAt: "2025-03-02T10:00:00+02:00",
      });
      expect(until.status).toBe(201);
      expect(until.body.endsAt).toBe("2025-03-02T08:00:00.000Z");
    });

    it.each([
      [{ matchers: { pool: "web" } }, "LBG_BAD_SILENCE_MATCHER", /matcher 'pool'/],
      [{ matchers: { severity: "urgent" } }, "LBG_BAD_SILENCE_MATCHER", /'urgent' is not one of critical/],
      [{ matchers: { backend: "" } }, "LBG_BAD_SILENCE_MATCHER", /needs a value/],
      [{ cluster: undefined, matchers: {} }, "LBG_BAD_SILENCE_MATCHER", /needs at least one matcher/],
      [{ duration: undefined, endsAt: "2025-03-01T09:00:00Z" }, "LBG_BAD_SILENCE_END", /not in the future/],
      [{ duration: "31d" }, "LBG_BAD_SILENCE_END", /more than 30 days/],
      [
        { duration: undefined, endsAt: "2025-04-01T10:00:01Z" },
        "LBG_BAD_SILENCE_END",
        /more than 30 days away/,
      ],
      [{ duration: "two hours" }, "LBG_BAD_SILENCE_END", /not a duration/],
      [{ endsAt: "2025-03-01T12:00:00Z" }, "LBG_BAD_SILENCE_END", /not both or neither/],
      [{ duration: undefined }, "LBG_BAD_SILENCE_END", /not both or neither/],
      [{ comment: "" }, "LBG_BAD_REQUEST", /comment/],
      [{ cluster: "nowhere" }, "LBG_NOT_FOUND", /there is no cluster nowhere/],
    ] as const)("refuses %j with %s and keeps nothing", async (change, code, message) => {
      const before = await s.t.store.db.selectFrom("silences").select("id").execute();
      const eventsBefore = (await silenceEvents()).length;
      const body = { cluster: "web", matchers: { backend: "web" }, comment: "x", duration: "1h", ...change };
      const answer = await s.call<ApiError>(
        "POST",
        "/api/v1/silences",
        s.tokens.operator,
        JSON.parse(JSON.stringify(body)),
      );
      expect([answer.status, answer.body.code]).toEqual([code === "LBG_NOT_FOUND" ? 404 : 400, code]);
      expect(answer.body.message).toMatch(message);
      expect(await s.t.store.db.selectFrom("silences").select("id").execute()).toHaveLength(before.length);
      expect(await silenceEvents()).toHaveLength(eventsBefore);
    });

    it("lets only operators and above create or expire silences", async () => {
      const body = { cluster: "web", matchers: { backend: "web" }, comment: "x", duration: "1h" };
      const create = await s.call<ApiError>("POST", "/api/v1/silences", s.tokens.viewer, body);
      expect([create.status, create.body.code]).toEqual([403, "LBG_FORBIDDEN"]);
      const expire = await s.call<ApiError>("DELETE", `/api/v1/silences/${maintenance.id}`, s.tokens.viewer);
      expect([expire.status, expire.body.code]).toEqual([403, "LBG_FORBIDDEN"]);
    });

    it("lists the silences that hold in a cluster, its own and those for every cluster", async () => {
      const all = await s.call<Silence[]>("GET", "/api/v1/silences", s.tokens.viewer);
      expect(all.body.map((x) => x.comment)).toEqual([
        "api cluster rebuilt",
        "noisy warnings",
        "maintenance",
      ]);
      const web = await s.call<Silence[]>("GET", "/api/v1/silences?cluster=web", s.tokens.viewer);
      expect(web.body.map((x) => x.id)).toEqual([everywhere.id, maintenance.id]);
    });

    it("expires a silence once, records silence.expired, and drops it from the active ones", async () => {
      now = START + 5 * 60_000;
      const expired = await s.call<Silence>(
        "DELETE",
        `/api/v1/silences/${maintenance.id}`,
        s.tokens.operator,
      );
      expect(expired.status).toBe(200);
      expect(expired.body).toEqual({ ...maintenance, expiredAt: "2025-03-01T10:05:00.000Z" });
      const again = await s.call<Silence>("DELETE", `/api/v1/silences/${maintenance.id}`, s.tokens.admin);
      expect(again.body).toEqual(expired.body);
      const events = (await silenceEvents()).filter((e) => e.type === "silence.expired");
      expect(events).toEqual([
        expect.objectContaining({ actor: "operator", cluster: "web", subject: `silence:${maintenance.id}` }),
      ]);
      const active = await s.call<Silence[]>(
        "GET",
        "/api/v1/silences?active=true&cluster=web",
        s.tokens.viewer,
      );
      expect(active.body.map((x) => x.id)).toEqual([everywhere.id]);
      const ended = await s.call<Silence[]>("GET", "/api/v1/silences?active=false", s.tokens.viewer);
      expect(ended.body.map((x) => x.id)).toEqual([maintenance.id]);
    });

    it("answers 404 LBG_SILENCE_NOT_FOUND when expiring a silence that does not exist", async () => {
      const answer = await s.call<ApiError>("DELETE", "/api/v1/silences/9999", s.tokens.operator);
      expect([answer.status, answer.body.code]).toEqual([404, "LBG_SILENCE_NOT_FOUND"]);
    });

    it("gives the evaluator the silences in force at a time: not expired, not yet ended", async () => {
      const at = (iso: string) =>
        activeSilences(s.ctx, Date.parse(iso)).then((list) => list.map((x) => x.comment));
      expect(await at("2025-03-01T10:05:00Z")).toEqual(["noisy warnings", "api cluster rebuilt"]);
      expect(await at("2025-03-01T10:10:00Z")).toEqual(["api cluster rebuilt"]);
      expect(await at("2025-03-02T08:00:00Z")).toEqual([]);
      now = START + HOUR;
      expect((await activeSilences(s.ctx)).map((x) => x.comment)).toEqual(["api cluster rebuilt"]);
      const ended = await s.call<Silence[]>("GET", "/api/v1/silences?active=false", s.tokens.viewer);
      expect(ended.body.map((x) => x.comment)).toEqual(["noisy warnings", "maintenance"]);
    });

    it("keeps the audit chain intact", async () => {
      const verified = await s.call<{ ok: boolean }>("GET", "/api/v1/audit/verify", s.tokens.viewer);
      expect(verified.body.ok).toBe(true);
    });
  });
});
