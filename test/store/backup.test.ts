import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { LbguardError } from "../../src/errors.js";
import { BACKUP_KEYS, BACKUP_TABLES, SERIAL_TABLES } from "../../src/store/backup-format.js";
import { createBackup, restoreBackup } from "../../src/store/backup.js";
import { migrations, type StoreDialect } from "../../src/store/database.js";
import { appendEvent, verifyChain } from "../../src/store/event-chain.js";
import { allRows, fillStore, HOSTILE, isEmptyStore } from "./fill-store.js";
import { DIALECTS, openTestStore, type TestStore } from "./test-stores.js";

describe.each(DIALECTS)("backups of a %s store", (dialect) => {
  const other: StoreDialect = dialect === "sqlite" ? "postgres" : "sqlite";
  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups = [];
  });

  async function fresh(d: StoreDialect = dialect): Promise<TestStore> {
    const t = await openTestStore(d);
    cleanups.push(() => t.dispose());
    return t;
  }

  function backupPath(): string {
    const dir = mkdtempSync(join(tmpdir(), "lbg-backup-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    return join(dir, "store.backup");
  }

  async function filledBackup(): Promise<{ source: TestStore; path: string }> {
    const source = await fresh();
    await fillStore(source.store);
    const path = backupPath();
    await createBackup(source.store, path);
    return { source, path };
  }

  async function refusal(promise: Promise<unknown>): Promise<LbguardError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LbguardError);
    return error as LbguardError;
  }

  /** Writes `lines` as a backup file with a correct checksum line. */
  function writeBackup(path: string, lines: unknown[]): void {
    const body = lines.map((l) => `${typeof l === "string" ? l : JSON.stringify(l)}\n`).join("");
    const sha256 = createHash("sha256").update(body).digest("hex");
    writeFileSync(path, `${body}${JSON.stringify({ sha256 })}\n`);
  }

  /** The lines of a real backup of an empty store, parsed. */
  async function emptyBackupLines(): Promise<Record<string, unknown>[]> {
    const path = backupPath();
    await createBackup((await fresh()).store, path);
    return readFileSync(path, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  it("lists every table the migrations create, and every serial one", async () => {
    const { store } = await fresh();
    const tables = await store.db.introspection.getTables();
    const ours = tables.filter((t) => !t.name.startsWith("lbguard_migrations"));
    expect(ours.map((t) => t.name).sort()).toEqual([...BACKUP_TABLES].sort());
    for (const table of ours) {
      const key = BACKUP_KEYS[table.name as keyof typeof BACKUP_KEYS];
      expect(table.columns.map((c) => c.name)).toEqual(expect.arrayContaining([...key]));
    }
    if (dialect === "postgres") {
      const serial = ours.filter((t) => t.columns.some((c) => c.isAutoIncrementing)).map((t) => t.name);
      expect(serial.sort()).toEqual([...SERIAL_TABLES].sort());
    }
  });

  it(`round-trips every row, hostile text included, into ${dialect}, into ${other} and back`, async () => {
    const { source, path } = await filledBackup();
    const expected = await allRows(source.store);
    for (const table of BACKUP_TABLES) expect(expected[table].length, table).toBeGreaterThan(0);
    expect(JSON.stringify(expected)).toContain(JSON.stringify(HOSTILE[3]));

    const same = await fresh(dialect);
    const counts = await restoreBackup(same.store, path);
    expect(counts).toEqual(Object.fromEntries(BACKUP_TABLES.map((t) => [t, expected[t].length])));
    expect(await allRows(same.store)).toEqual(expected);

    const across = await fresh(other);
    await restoreBackup(across.store, path);
    expect(await allRows(across.store)).toEqual(expected);
    expect(await verifyChain(across.store.db)).toEqual({ ok: true, checked: HOSTILE.length });

    const back = await fresh(dialect);
    const againPath = backupPath();
    await createBackup(across.store, againPath);
    await restoreBackup(back.store, againPath);
    expect(await allRows(back.store)).toEqual(expected);
    expect(await verifyChain(back.store.db)).toEqual({ ok: true, checked: HOSTILE.length });
  });

  it("writes one owner-only file: header, rows in key order across pages, checksum of the rest", async () => {
    const source = await fresh();
    await fillStore(source.store);
    const path = backupPath();
    const counts = await createBackup(source.store, path, { pageSize: 2 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(path, ".."))).toEqual(["store.backup"]);

    const text = readFileSync(path, "utf8");
    const lines = text.trimEnd().split("\n");
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(header).toMatchObject({ format: "lbguard-backup", formatVersion: 1, dialect, counts });
    expect(header.migrations).toEqual(Object.keys(migrations(dialect)));
    expect(Date.parse(header.createdAt as string)).not.toBeNaN();
    const trailer = JSON.parse(lines.at(-1)!) as { sha256: string };
    const body = text.slice(0, text.length - lines.at(-1)!.length - 1);
    expect(trailer.sha256).toBe(createHash("sha256").update(body).digest("hex"));

    const rows = lines.slice(1, -1).map((l) => JSON.parse(l) as { t: string; r: Record<string, unknown> });
    expect(rows.map((r) => r.t)).toEqual(BACKUP_TABLES.flatMap((t) => Array(counts[t]).fill(t)));
    // Key order is the database's own (its collation), so ask it rather than sorting here.
    const { rows: keyOrder } = await sql<{ node_id: string }>`SELECT node_id FROM rollout_nodes
      ORDER BY rollout_id, node_id`.execute(source.store.db);
    const steps = rows.filter((r) => r.t === "rollout_nodes").map((r) => r.r.node_id);
    expect(steps).toEqual(keyOrder.map((r) => r.node_id));
    expect(rows.filter((r) => r.t === "events").map((r) => r.r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("copies one moment of a store that keeps being written to", async () => {
    const source = await fresh();
    await fillStore(source.store);
    let writing = true;
    const writer = (async () => {
      let appended = 0;
      for (; writing; appended++) {
        await source.store.db
          .transaction()
          .execute((trx) => appendEvent(trx, dialect, { type: "busy", actor: "w" }, new Date()));
      }
      return appended;
    })();
    const path = backupPath();
    await createBackup(source.store, path, { pageSize: 1 });
    writing = false;
    expect(await writer).toBeGreaterThan(0);
    const target = await fresh();
    await restoreBackup(target.store, path);
    expect(await verifyChain(target.store.db)).toMatchObject({ ok: true });
  });

  it("keeps the previous file, and leaves no temporary one, when a backup fails", async () => {
    const { source, path } = await filledBackup();
    const before = readFileSync(path);
    await source.store.close();
    const error = await refusal(createBackup(source.store, path));
    expect(error.code).toBe("LBG_STORE_FAILED");
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(join(path, ".."))).toEqual(["store.backup"]);
  });

  it("refuses a truncated file, a flipped byte and a wrong format, leaving the store empty", async () => {
    const { path } = await filledBackup();
    const good = readFileSync(path);
    const target = await fresh();
    const damaged = backupPath();
    const cases: [Buffer | string, RegExp][] = [
      [good.subarray(0, Math.floor(good.length / 2)), /truncated: line \d+ has no end/],
      [
        good.subarray(0, good.lastIndexOf(0x0a, good.length - 2) + 1),
        /truncated: it ends at line \d+ without/,
      ],
      [flip(good, good.indexOf("tok_deploybot") + 4), /checksum on line \d+ does not match/],
      [flip(good, good.lastIndexOf("sha256") + 12), /checksum on line \d+ does not match/],
      ["global\n  daemon\n", /line 1 is not JSON/],
      [good.toString().replace("lbguard-backup", "other-backup"), /line 1 is not an lbguard backup header/],
      [
        good.toString().replace('"formatVersion":1', '"formatVersion":2'),
        /format version 2; this lbguard reads version 1/,
      ],
      ["", /the file is empty/],
    ];
    for (const [content, reason] of cases) {
      writeFileSync(damaged, content);
      const error = await refusal(restoreBackup(target.store, damaged));
      expect(error.code).toBe("LBG_BAD_BACKUP");
      expect(error.message).toContain(damaged);
      expect(error.message).toMatch(reason);
      expect(await isEmptyStore(target.store)).toBe(true);
    }
    const missing = await refusal(restoreBackup(target.store, join(damaged, "..", "nothing-here")));
    expect(missing.code).toBe("LBG_UNREADABLE_INPUT");
  });

  it("refuses wrong counts, lines out of place and unknown migrations", async () => {
    const [header, ...rest] = await emptyBackupLines();
    const rows = rest.slice(0, -1);
    const counts = header!.counts as Record<string, number>;
    const user = { t: "users", r: { name: "u", role: "admin", created_at: "t" } };
    const target = await fresh();
    const path = backupPath();
    const cases: [unknown[], RegExp][] = [
      [[header, user, ...rows], /header counts 0 rows of users but the file holds 1/],
      [
        [{ ...header, counts: { ...counts, users: 1 } }, ...rows, user],
        /line 3: a row of users after rows of a later/,
      ],
      [
        [{ ...header, counts: { ...counts, secrets: 0 } }, ...rows],
        /counts names an unknown table 'secrets'/,
      ],
      [
        [{ ...header, migrations: ["0001-initial", "0099-future"] }, ...rows],
        /newer lbguard: migration 0099-future/,
      ],
      [[{ ...header, migrations: [] }, ...rows], /predates migration 0001-initial/],
      [[header, { t: "secrets", r: {} }], /line 2: there is no table 'secrets'/],
      [[header, { t: "users", r: { name: ["x"] } }], /line 2: users.name is neither text, a number nor null/],
      [[header, "[1,2]"], /line 2 is neither a row nor the checksum line/],
    ];
    for (const [lines, reason] of cases) {
      writeBackup(path, lines);
      const error = await refusal(restoreBackup(target.store, path));
      expect(error.code).toBe("LBG_BAD_BACKUP");
      expect(error.message).toMatch(reason);
      expect(await isEmptyStore(target.store)).toBe(true);
    }
    writeBackup(path, [header, ...rows]);
    await restoreBackup(target.store, path);
    writeFileSync(path, `${readFileSync(path, "utf8")}{"t":"users","r":{}}\n`);
    expect((await refusal(restoreBackup(target.store, path))).message).toMatch(
      /line 4 follows the checksum line/,
    );
  });

  it("restores nothing when an insert fails halfway", async () => {
    const [header, ...rest] = await emptyBackupLines();
    const counts = header!.counts as Record<string, number>;
    const user = (name: string) => ({ t: "users", r: { name, role: "admin", created_at: "t" } });
    const token = {
      t: "tokens",
      r: { id: "t", secret_hash: "h", role: "admin", label: "", created_at: "t" },
    };
    const path = backupPath();
    // The users go in by one statement; the second token breaks the next, after them.
    const lines = [user("a"), user("b"), token, token];
    writeBackup(path, [
      { ...header, counts: { ...counts, users: 2, tokens: 2 } },
      ...lines,
      ...rest.slice(0, -1),
    ]);
    const target = await fresh();
    const error = await refusal(restoreBackup(target.store, path));
    expect(error.code).toBe("LBG_STORE_FAILED");
    expect(await isEmptyStore(target.store)).toBe(true);
  });

  it(`keeps NUL in text on SQLite and refuses it, by line, for PostgreSQL`, async () => {
    const [header, ...rest] = await emptyBackupLines();
    const counts = header!.counts as Record<string, number>;
    const path = backupPath();
    const user = { t: "users", r: { name: "nul\u0000name", role: "admin", created_at: "t" } };
    writeBackup(path, [{ ...header, counts: { ...counts, users: 1 } }, user, ...rest.slice(0, -1)]);
    const target = await fresh();
    if (dialect === "sqlite") {
      await restoreBackup(target.store, path);
      expect((await allRows(target.store)).users).toEqual([user.r]);
    } else {
      const error = await refusal(restoreBackup(target.store, path));
      expect(error.message).toMatch(/line 2: users.name holds a NUL character/);
      expect(await isEmptyStore(target.store)).toBe(true);
    }
  });

  it("refuses a store holding rows unless told to replace them", async () => {
    const { path } = await filledBackup();
    const target = await fresh();
    await target.store.db
      .insertInto("users")
      .values({ name: "early", role: "admin", created_at: "t" })
      .execute();
    const error = await refusal(restoreBackup(target.store, path));
    expect(error.code).toBe("LBG_BAD_BACKUP");
    expect(error.message).toMatch(/is not empty \(1 in users\).*--replace/);
    expect((await allRows(target.store)).users).toEqual([{ name: "early", role: "admin", created_at: "t" }]);

    await restoreBackup(target.store, path, { replace: true });
    await restoreBackup(target.store, path, { replace: true });
    const users = (await allRows(target.store)).users as { name: string }[];
    expect(users.map((u) => u.name)).not.toContain("early");
    expect(await verifyChain(target.store.db)).toEqual({ ok: true, checked: HOSTILE.length });
  });

  it.each(DIALECTS)("gives new rows ids after the restored ones in %s", async (into) => {
    const { path } = await filledBackup();
    const target = await fresh(into);
    await restoreBackup(target.store, path);
    const db = target.store.db;
    const version = await db
      .insertInto("versions")
      .values({ cluster: "web", hash: "h", text: "t", author: "a", message: "m", parent: 7, created_at: "t" })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(version.id).toBeGreaterThan(7);
    if (into === "sqlite") return;
    for (const table of ["changes", "reviews", "rollouts"] as const) {
      const { rows } = await sql<{ next: string; max: number }>`SELECT
        nextval(pg_get_serial_sequence(${table}, 'id')) AS next,
        (SELECT max(id) FROM ${sql.table(table)}) AS max`.execute(db);
      expect(Number(rows[0]!.next), table).toBeGreaterThan(rows[0]!.max);
    }
  });
});

function flip(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}
