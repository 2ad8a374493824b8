import { afterEach, describe, expect, it } from "vitest";
import type { ApiError, Change, ExpectedShares, Rollout } from "../../src/control/api-types.js";
import { DIALECTS } from "../store/test-stores.js";
import { BEFORE_CFG, openTestServer, type TestServer } from "./test-server.js";
import { approvedChange } from "./vrrp-fixtures.js";

/** A backend of two servers weighted 3 and 1: round robin gives them 75% and 25% of the requests. */
const WEIGHTED_CFG = BEFORE_CFG.replace("weight 10 check", "weight 3 check").replace(
  "weight 10 check",
  "weight 1 check",
);

const EVEN_CFG = WEIGHTED_CFG.replace("weight 3 check", "weight 1 check");

describe.each(DIALECTS)("expected shares on %s", (dialect) => {
  let s: TestServer;
  afterEach(async () => s?.dispose());

  const expected = async () => {
    const answer = await s.call<ExpectedShares>(
      "GET",
      "/api/v1/clusters/web/expected-shares",
      s.tokens.viewer,
    );
    expect(answer.status).toBe(200);
    return answer.body;
  };

  /** Proposes, approves and rolls out a change; with no node registered the rollout completes at once. */
  const shipped = async (body: object): Promise<Change> => {
    const change = await approvedChange(s, body);
    const rollout = await s.call<Rollout>("POST", `/api/v1/changes/${change.id}/rollout`, s.tokens.operator);
    expect(rollout.status).toBe(201);
    const done = await s.call<Change>("GET", `/api/v1/changes/${change.id}`, s.tokens.viewer);
    expect(done.body.state).toBe("applied");
    return done.body;
  };

  it("predicts the current version's shares, and follows a new version and an approved runtime weight", async () => {
    let now = Date.parse("2024-05-01T12:00:00.000Z");
    s = await openTestServer(dialect, () => now);
    const created = await s.call<{ currentVersion: number }>("POST", "/api/v1/clusters", s.tokens.admin, {
      name: "web",
      config: WEIGHTED_CFG,
      rps: 100,
      policy: { approvals: { low: 1, medium: 1, high: 1 } },
    });
    expect(created.status).toBe(201);
    const v1 = created.body.currentVersion;

    const first = await expected();
    expect(first).toMatchObject({ cluster: "web", version: v1, runtimeChanges: [], rps: 100 });
    expect(first.since).toBe("2024-05-01T12:00:00.000Z");
    expect(Object.keys(first.backends)).toEqual(["web"]);
    expect(first.backends.web?.["web-01"]).toBeCloseTo(0.75, 6);
    expect(first.backends.web?.["web-02"]).toBeCloseTo(0.25, 6);

    now += 60_000;
    const even = await shipped({ parent: v1, message: "even weights", config: EVEN_CFG });
    const second = await expected();
    expect(second.version).toBe(even.version);
    expect(second.version).not.toBe(v1);
    expect(second.since).toBe("2024-05-01T12:01:00.000Z");
    expect(second.backends.web?.["web-01"]).toBeCloseTo(0.5, 6);
    expect(second.backends.web?.["web-02"]).toBeCloseTo(0.5, 6);

    now += 60_000;
    const weight = await shipped({
      parent: second.version,
      message: "more to web-02",
      operation: { backend: "web", server: "web-02", action: { kind: "weight", weight: 3 } },
    });
    const third = await expected();
    expect(third).toMatchObject({ version: second.version, runtimeChanges: [weight.id] });
    expect(third.since).toBe("2024-05-01T12:02:00.000Z");
    expect(third.backends.web?.["web-01"]).toBeCloseTo(0.25, 6);
    expect(third.backends.web?.["web-02"]).toBeCloseTo(0.75, 6);
  });

  it("answers 404 for a cluster that does not exist", async () => {
    s = await openTestServer(dialect);
    const answer = await s.call<ApiError>("GET", "/api/v1/clusters/nope/expected-shares", s.tokens.viewer);
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe("LBG_NOT_FOUND");
  });
});
