import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { appendEvent, verifyChain } from "../../src/store/event-chain.js";
import { DIALECTS, openTestStore, type TestStore } from "./test-stores.js";

describe.each(DIALECTS)("the event chain on %s", (dialect) => {
  let t: TestStore;
  afterEach(async () => t?.dispose());

  async function appendThree(): Promise<void> {
    for (const type of ["version.created", "change.proposed", "review.approved"]) {
      await t.store.db
        .transaction()
        .execute((trx) =>
          appendEvent(
            trx,
            dialect,
            { type, actor: "alice", cluster: "web", data: { note: `'; DROP TABLE events; --` } },
            new Date(),
          ),
        );
    }
  }

  it("links each event to the one before and verifies an untouched log", async () => {
    t = await openTestStore(dialect);
    await appendThree();
    const rows = await t.store.db.selectFrom("events").selectAll().orderBy("seq").execute();
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3]);
    expect(rows[1]!.prev_hash).toBe(rows[0]!.hash);
    expect(JSON.parse(rows[0]!.data)).toEqual({ note: `'; DROP TABLE events; --` });
    expect(await verifyChain(t.store.db)).toEqual({ ok: true, checked: 3 });
  });

  it("names the first altered event", async () => {
    t = await openTestStore(dialect);
    await appendThree();
    await sql`UPDATE events SET actor = 'mallory' WHERE seq = 2`.execute(t.store.db);
    const result = await verifyChain(t.store.db);
    expect(result.ok).toBe(false);
    expect(result.broken?.seq).toBe(2);
    expect(result.broken?.reason).toMatch(/altered/);
  });

  it("names a removed event, in the middle and at the end", async () => {
    t = await openTestStore(dialect);
    await appendThree();
    await sql`DELETE FROM events WHERE seq = 3`.execute(t.store.db);
    expect((await verifyChain(t.store.db)).broken?.seq).toBe(3);
    await sql`DELETE FROM events WHERE seq = 1`.execute(t.store.db);
    const result = await verifyChain(t.store.db);
    expect(result.broken).toMatchObject({ seq: 2 });
    expect(result.broken?.reason).toMatch(/event 1 is missing/);
  });

  it("keeps one chain when appends race", async () => {
    t = await openTestStore(dialect);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.store.db
          .transaction()
          .execute((trx) => appendEvent(trx, dialect, { type: "race", actor: `a${i}` }, new Date())),
      ),
    );
    expect(await verifyChain(t.store.db)).toEqual({ ok: true, checked: 20 });
  });
});
