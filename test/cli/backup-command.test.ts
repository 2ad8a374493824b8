import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BACKUP_HELP, backupCommand } from "../../src/cli/backup-command.js";
import { LbguardError } from "../../src/errors.js";
import { openStore } from "../../src/store/database.js";
import { allRows, fillStore, HOSTILE } from "../store/fill-store.js";

async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await backupCommand(
    argv,
    (s) => void (stdout += s),
    (s) => void (stderr += s),
  );
  return { code, stdout, stderr };
}

async function failure(...argv: string[]): Promise<LbguardError> {
  const error = await run(...argv).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LbguardError);
  return error as LbguardError;
}

describe("lbguard backup on SQLite", () => {
  let dir: string;
  let databaseUrl: string | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "lbg-backup-cli-"));
    // --data only counts when no DATABASE_URL is set, as with every store command.
    databaseUrl = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
  });
  afterEach(() => {
    if (databaseUrl !== undefined) process.env.DATABASE_URL = databaseUrl;
    rmSync(dir, { recursive: true, force: true });
  });

  async function filledStore(name: string, alter?: string): Promise<string> {
    const database = `sqlite:${join(dir, name, "lbguard.db")}`;
    const store = await openStore({ database });
    await fillStore(store);
    if (alter) await sql.raw(alter).execute(store.db);
    await store.close();
    return database;
  }

  it("creates a backup and restores it into an empty store, printing the counts", async () => {
    const source = await filledStore("source");
    const file = join(dir, "store.backup");
    const created = await run("create", file, "--database", source);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Wrote .*store\.backup: \d+ rows from the sqlite store /);
    expect(created.stdout).toMatch(/^ {2}rollout_nodes +3$/m);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const restored = await run("restore", file, "--data", join(dir, "target"));
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/^Restored .*: \d+ rows into the sqlite store .*target\/lbguard\.db$/m);
    expect(restored.stdout).toContain(`Audit chain: intact, ${HOSTILE.length} events verified`);

    const a = await openStore({ database: source });
    const b = await openStore({ dataDir: join(dir, "target") });
    expect(await allRows(b)).toEqual(await allRows(a));
    await Promise.all([a.close(), b.close()]);
  });

  it("prints JSON: file, store, dialect, rows, counts and, for restore, the audit result", async () => {
    const source = await filledStore("source");
    const file = join(dir, "store.backup");
    const created = JSON.parse((await run("create", file, "--database", source, "--json")).stdout) as Record<
      string,
      unknown
    >;
    expect(created).toMatchObject({ file, store: join(dir, "source", "lbguard.db"), dialect: "sqlite" });
    expect(created.counts).toMatchObject({ users: 3, events: HOSTILE.length, audit_head: 1 });
    expect(created.rows).toBe(
      Object.values(created.counts as object).reduce((a: number, b: number) => a + b, 0),
    );

    process.env.DATABASE_URL = `sqlite:${join(dir, "from-env.db")}`;
    const restored = await run("restore", file, "--json");
    expect(restored.code).toBe(0);
    const result = JSON.parse(restored.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      file,
      store: join(dir, "from-env.db"),
      counts: created.counts,
      audit: { ok: true, checked: HOSTILE.length },
    });
  });

  it("refuses a non-empty store without --replace (exit 2) and replaces it with", async () => {
    const file = join(dir, "store.backup");
    await run("create", file, "--database", await filledStore("source"));
    const target = await filledStore("target");
    const refused = await failure("restore", file, "--database", target);
    expect(refused.code).toBe("LBG_BAD_BACKUP");
    expect(refused.exitCode).toBe(2);
    expect(refused.message).toMatch(/is not empty \(3 in users, .*\).*--replace/);
    expect((await run("restore", file, "--database", target, "--replace")).code).toBe(0);
  });

  it("exits 1 and names the event when the restored audit chain is broken", async () => {
    const file = join(dir, "store.backup");
    const source = await filledStore("source", "UPDATE events SET actor = 'mallory' WHERE seq = 3");
    await run("create", file, "--database", source);
    const restored = await run("restore", file, "--data", join(dir, "target"));
    expect(restored.code).toBe(1);
    expect(restored.stdout).toMatch(/Audit chain: BROKEN at event 3: event 3 was altered/);
    const json = await run("restore", file, "--data", join(dir, "target"), "--replace", "--json");
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ audit: { ok: false, broken: { seq: 3 } } });
  });

  it("refuses a damaged backup with exit 2, naming the file", async () => {
    const file = join(dir, "damaged.backup");
    writeFileSync(file, '{"format":"lbguard-backup","formatVersion":1}\n');
    const error = await failure("restore", file, "--data", join(dir, "target"));
    expect(error.code).toBe("LBG_BAD_BACKUP");
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(file);
  });

  it("warns when the store it backs up is empty", async () => {
    const created = await run("create", join(dir, "store.backup"), "--data", join(dir, "typo"));
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/warning: the store .*typo\/lbguard\.db is empty/);
  });

  it("answers usage errors with LBG_USAGE and --help with the help", async () => {
    for (const argv of [[], ["copy", "f"], ["create"], ["restore", "a", "b"], ["create", "f", "--replace"]]) {
      const error = await failure(...argv, "--data", dir);
      expect(error.code, argv.join(" ")).toBe("LBG_USAGE");
      expect(error.exitCode).toBe(2);
    }
    const help = await run("--help");
    expect(help).toEqual({ code: 0, stdout: BACKUP_HELP, stderr: "" });
    for (const option of ["--database", "--data", "--replace", "--json", "/var/lib/lbguard", "Exit codes"]) {
      expect(BACKUP_HELP).toContain(option);
    }
  });

  it("reports a backup it cannot write as a usage error, leaving nothing behind", async () => {
    const error = await failure("create", join(dir, "no-such-dir", "store.backup"), "--data", join(dir, "s"));
    expect(error.code).toBe("LBG_USAGE");
    expect(error.message).toMatch(/cannot write the backup .*no-such-dir/);
  });
});
