import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import SqliteDatabase from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from "kysely";
import pg from "pg";
import { LbguardError } from "../errors.js";
import * as initial from "./migrations/0001-initial.js";
import * as rolloutNodeIndex from "./migrations/0002-rollout-node-index.js";
import * as monitoring from "./migrations/0003-monitoring.js";
import * as vrrp from "./migrations/0004-vrrp.js";
import type { Database } from "./schema.js";

export type StoreDialect = "sqlite" | "postgres";

/** Where the store lives: a PostgreSQL URL, or else an SQLite file. */
export interface StoreLocation {
  /** `postgres://…` (or `postgresql://…`); `sqlite:PATH`; absent: SQLite in `dataDir`. */
  database?: string;
  /** The data directory holding `lbguard.db` when no database URL is given. */
  dataDir?: string;
}

/** The open store: one query layer over either database, and change notifications. */
export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
  /** The database, for messages (a PostgreSQL URL without its password). */
  readonly label: string;
  /**
   * Tells every process serving this store (with PostgreSQL: every replica, through
   * LISTEN/NOTIFY) that something on `channel` changed. Call it after the transaction commits.
   */
  notify(channel: string, payload: string): Promise<void>;
  /** Calls `listener` for each notification on `channel`; returns the way to stop. */
  listen(channel: string, listener: (payload: string) => void): () => void;
  close(): Promise<void>;
}

/** Every migration, in order (backups name them); each runs once per store, in its own transaction. */
export function migrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    "0001-initial": { up: (db) => initial.up(db, dialect) },
    "0002-rollout-node-index": { up: (db) => rolloutNodeIndex.up(db) },
    "0003-monitoring": { up: (db) => monitoring.up(db, dialect) },
    "0004-vrrp": { up: (db) => vrrp.up(db) },
  };
}

/** The channels notifications travel on (PostgreSQL identifiers). */
export const CHANNELS = { desired: "lbguard_desired" } as const;

/**
 * Opens the store named by `location` and runs any migration it has not had yet. Errors become
 * LBG_STORE_FAILED naming the database, never a half-migrated store: each migration is one
 * transaction.
 */
export async function openStore(location: StoreLocation): Promise<Store> {
  const url = location.database ?? process.env.DATABASE_URL;
  const store =
    url && /^postgres(ql)?:\/\//.test(url) ? await openPostgres(url) : openSqlite(sqlitePath(url, location));
  try {
    const migrator = new Migrator({
      db: store.db,
      provider: { getMigrations: () => Promise.resolve(migrations(store.dialect)) },
      migrationTableName: "lbguard_migrations",
      migrationLockTableName: "lbguard_migrations_lock",
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  } catch (error) {
    await store.close();
    throw storeFailed(store.label, error);
  }
  return store;
}

function sqlitePath(url: string | undefined, location: StoreLocation): string {
  if (url?.startsWith("sqlite:")) return url.slice("sqlite:".length);
  if (url) return url;
  if (!location.dataDir)
    throw new LbguardError("LBG_USAGE", { detail: "no --database and no --data directory" });
  return join(location.dataDir, "lbguard.db");
}

/** LBG_STORE_FAILED for `label`, keeping the cause. */
export function storeFailed(label: string, error: unknown): LbguardError {
  const reason = error instanceof Error ? error.message : String(error);
  return new LbguardError("LBG_STORE_FAILED", { store: label, reason }, { cause: error });
}

function openSqlite(path: string): Store {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  let sqlite: SqliteDatabase.Database;
  try {
    sqlite = new SqliteDatabase(path);
    sqlite.pragma("journal_mode = WAL");
    // FULL: a committed approval survives a power cut, not only a crash of the process.
    sqlite.pragma("synchronous = FULL");
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma("foreign_keys = ON");
  } catch (error) {
    throw storeFailed(path, error);
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    db,
    dialect: "sqlite",
    label: path,
    notify: (channel, payload) => {
      emitter.emit(channel, payload);
      return Promise.resolve();
    },
    listen: (channel, listener) => {
      emitter.on(channel, listener);
      return () => emitter.off(channel, listener);
    },
    close: () => db.destroy(),
  };
}

async function openPostgres(url: string): Promise<Store> {
  const label = url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection dropped by the server (restart, failover) must not end the process; the
  // pool opens a new one for the next query.
  pool.on("error", () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  // One connection of its own stays in LISTEN for every channel, for the life of the store.
  const listener = new pg.Client({ connectionString: url });
  try {
    await listener.connect();
    for (const channel of Object.values(CHANNELS)) await listener.query(`LISTEN ${channel}`);
  } catch (error) {
    await listener.end().catch(() => undefined);
    await db.destroy();
    throw storeFailed(label, error);
  }
  listener.on("notification", (message) => emitter.emit(message.channel, message.payload ?? ""));
  listener.on("error", () => undefined);
  return {
    db,
    dialect: "postgres",
    label,
    notify: async (channel, payload) => {
      await pool.query("SELECT pg_notify($1, $2)", [channel, payload]);
    },
    listen: (channel, fn) => {
      emitter.on(channel, fn);
      return () => emitter.off(channel, fn);
    },
    close: async () => {
      await listener.end().catch(() => undefined);
      await db.destroy();
    },
  };
}
