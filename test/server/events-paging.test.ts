import { afterEach, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../src/control/api-types.js";
import { DIALECTS } from "../store/test-stores.js";
import { createWebCluster, openTestServer, SAFE_CFG, type TestServer } from "./test-server.js";

describe.each(DIALECTS)("reading the event log newest first on %s", (dialect) => {
  let s: TestServer;
  afterEach(async () => s?.dispose());

  it("pages back from the newest event with order=desc and before, matching the forward read", async () => {
    s = await openTestServer(dialect);
    const v1 = await createWebCluster(s);
    for (const message of ["one", "two", "three"]) {
      const proposed = await s.call("POST", "/api/v1/clusters/web/changes", s.tokens.operator, {
        parent: v1,
        message,
        config: SAFE_CFG,
      });
      expect(proposed.status).toBe(201);
    }
    const forward = (await s.call<StoredEvent[]>("GET", "/api/v1/events?limit=1000", s.tokens.viewer)).body;
    expect(forward.length).toBeGreaterThan(6);

    const pages: StoredEvent[][] = [];
    let before: number | undefined;
    for (;;) {
      const query = `order=desc&limit=4${before !== undefined ? `&before=${before}` : ""}`;
      const page = await s.call<StoredEvent[]>("GET", `/api/v1/events?${query}`, s.tokens.viewer);
      expect(page.status).toBe(200);
      if (page.body.length === 0) break;
      pages.push(page.body);
      before = page.body.at(-1)?.seq;
    }
    const backward = pages.flat();
    expect(pages[0]?.[0]?.seq).toBe(forward.at(-1)?.seq);
    expect(backward.map((e) => e.seq)).toEqual(forward.map((e) => e.seq).reverse());
  });

  it("keeps the type filter when paging back", async () => {
    s = await openTestServer(dialect);
    const v1 = await createWebCluster(s);
    for (const message of ["one", "two"]) {
      await s.call("POST", "/api/v1/clusters/web/changes", s.tokens.operator, {
        parent: v1,
        message,
        config: SAFE_CFG,
      });
    }
    const proposals = await s.call<StoredEvent[]>(
      "GET",
      "/api/v1/events?type=change.proposed&order=desc",
      s.tokens.viewer,
    );
    expect(proposals.body.map((e) => e.type)).toEqual(["change.proposed", "change.proposed"]);
    const newest = proposals.body[0]?.seq ?? 0;
    const older = await s.call<StoredEvent[]>(
      "GET",
      `/api/v1/events?type=change&order=desc&before=${newest}`,
      s.tokens.viewer,
    );
    expect(older.body.every((e) => e.seq < newest && e.type.startsWith("change."))).toBe(true);
    expect(older.body.map((e) => e.seq)).toEqual([...older.body.map((e) => e.seq)].sort((a, b) => b - a));
  });

  it("refuses an order other than asc or desc", async () => {
    s = await openTestServer(dialect);
    const answer = await s.call<{ code: string }>("GET", "/api/v1/events?order=sideways", s.tokens.viewer);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe("LBG_BAD_REQUEST");
  });
});
