import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openStore, type Store, type StoreDialect } from "../../src/store/database.js";

/** Both stores every control-plane test runs against. */
export const DIALECTS: StoreDialect[] = ["sqlite", "postgres"];

/**
 * The PostgreSQL server tests create their databases on (trust auth on the development and CI
 * machines). Each test store is a database of its own, dropped afterwards.
 */
export const POSTGRES_ADMIN_URL =
  process.env.LBGUARD_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh, empty, migrated store and the way to throw it away. */
export interface TestStore {
  store: Store;
  /** What `openStore` / `--database` takes to open the same store again (another replica). */
  database: string;
  dataDir: string;
  dispose(): Promise<void>;
}

/** A fresh database of `dialect`: a temporary SQLite file, or a new PostgreSQL database. */
export async function freshDatabase(
  dialect: StoreDialect,
): Promise<{ database: string; dataDir: string; drop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "lbg-store-"));
  if (dialect === "sqlite") {
    return {
      database: `sqlite:${join(dataDir, "lbguard.db")}`,
      dataDir,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `lbguard_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `the control-plane tests need PostgreSQL at ${POSTGRES_ADMIN_URL} (trust auth): start it, or point LBGUARD_TEST_POSTGRES at one`,
      { cause: error },
    );
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const database = POSTGRES_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    database,
    dataDir,
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Opens a fresh store of `dialect`. */
export async function openTestStore(dialect: StoreDialect): Promise<TestStore> {
  const fresh = await freshDatabase(dialect);
  const store = await openStore({ database: fresh.database, dataDir: fresh.dataDir });
  return {
    store,
    database: fresh.database,
    dataDir: fresh.dataDir,
    dispose: async () => {
      await store.close();
      await fresh.drop();
    },
  };
}
