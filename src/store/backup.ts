import { sql, type Kysely, type Transaction } from "kysely";
import { LbguardError } from "../errors.js";
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BACKUP_KEYS,
  BACKUP_TABLES,
  SERIAL_TABLES,
  type BackupCounts,
  type BackupHeader,
  type BackupRow,
  type BackupTable,
} from "./backup-format.js";
import { readBackup } from "./backup-reader.js";
import { openBackupWriter, type BackupWriter } from "./backup-writer.js";
import { storeFailed, type Store } from "./database.js";
import type { Database } from "./schema.js";

export { BACKUP_TABLES, type BackupCounts } from "./backup-format.js";

/** How to take a backup. */
export interface BackupOptions {
  /** Rows read per query (default 1000); tests take small pages to cross page boundaries. */
  pageSize?: number;
}

/** How to restore one. */
export interface RestoreOptions {
  /** Deletes every row of the store first; without it, a store holding any row is refused. */
  replace?: boolean;
}

/**
 * Writes the whole store to `path` (format: docs/backup.md): every table, each in primary-key
 * order, all read in one transaction so that the copy is consistent while servers keep writing.
 * The file appears whole or not at all, readable by its owner only. Store errors are
 * LBG_STORE_FAILED. Returns the number of rows of each table.
 */
export async function createBackup(
  store: Store,
  path: string,
  options: BackupOptions = {},
): Promise<BackupCounts> {
  const writer = openBackupWriter(path);
  try {
    const counts = await copyStore(store, writer, options.pageSize ?? 1000);
    writer.commit();
    return counts;
  } catch (error) {
    writer.abandon();
    throw asStoreError(store, error);
  }
}

async function copyStore(store: Store, writer: BackupWriter, pageSize: number): Promise<BackupCounts> {
  let transaction = store.db.transaction();
  // PostgreSQL's default gives each statement its own snapshot; a backup needs one for all of
  // them. SQLite's read transaction already sees the database as of its first read.
  if (store.dialect === "postgres") {
    transaction = transaction.setIsolationLevel("repeatable read").setAccessMode("read only");
  }
  return transaction.execute(async (trx) => {
    const counts = await countRows(trx);
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      migrations: await appliedMigrations(trx),
      createdAt: new Date().toISOString(),
      dialect: store.dialect,
      counts,
    };
    writer.line(header);
    for (const table of BACKUP_TABLES) {
      for await (const page of pages(trx, table, pageSize)) {
        for (const row of page) writer.line({ t: table, r: row });
      }
    }
    return counts;
  });
}

/** The rows of `table` in key order, a page at a time, each page starting after the last key. */
async function* pages(trx: Transaction<Database>, table: BackupTable, pageSize: number) {
  const key = BACKUP_KEYS[table];
  const keyList = sql.join(key.map((column) => sql.ref(column)));
  let where = sql``;
  for (;;) {
    const { rows } = await sql<BackupRow>`SELECT * FROM ${sql.table(table)} ${where}
      ORDER BY ${keyList} LIMIT ${pageSize}`.execute(trx);
    if (rows.length > 0) yield rows;
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    where = sql`WHERE (${keyList}) > (${sql.join(key.map((column) => last[column]))})`;
  }
}

/**
 * Loads the backup at `path` into `store`. The whole file is read and checked first (see
 * `readBackup`), then read again into one transaction: a problem found on either read leaves
 * the store as it was. A store holding any row is refused unless `replace`, which deletes them
 * in the same transaction. On PostgreSQL the id sequences are moved past the restored ids.
 * Returns the number of rows of each table.
 */
export async function restoreBackup(
  store: Store,
  path: string,
  options: RestoreOptions = {},
): Promise<BackupCounts> {
  try {
    const target = { migrations: await appliedMigrations(store.db), dialect: store.dialect };
    await readBackup(path, target);
    const header = await store.db.transaction().execute(async (trx) => {
      if (store.dialect === "postgres") {
        // A server writing meanwhile waits rather than mixing its rows into the restored ones.
        const tables = sql.join(BACKUP_TABLES.map((t) => sql.table(t)));
        await sql`LOCK TABLE ${tables} IN ACCESS EXCLUSIVE MODE`.execute(trx);
      }
      await clearStore(trx, store.label, path, options.replace ?? false);
      // Read again rather than kept from the check, so memory stays flat; a file changed in
      // between fails its checksum and rolls the transaction back.
      const batches = insertBatches(trx);
      const restored = await readBackup(path, target, batches.add);
      await batches.flush();
      if (store.dialect === "postgres") await advanceSequences(trx);
      return restored;
    });
    return header.counts;
  } catch (error) {
    throw asStoreError(store, error);
  }
}

async function clearStore(
  trx: Transaction<Database>,
  label: string,
  path: string,
  replace: boolean,
): Promise<void> {
  if (!replace) {
    const counts = await countRows(trx);
    // The audit head's row is there from the first migration on; the events say whether it moved.
    const held = BACKUP_TABLES.filter((t) => t !== "audit_head" && counts[t] > 0);
    if (held.length > 0) {
      const list = held.map((t) => `${counts[t]} in ${t}`).join(", ");
      throw new LbguardError("LBG_BAD_BACKUP", {
        path,
        reason: `the store ${label} is not empty (${list}); restore into an empty store or pass --replace`,
      });
    }
  }
  for (const table of [...BACKUP_TABLES].reverse()) await sql`DELETE FROM ${sql.table(table)}`.execute(trx);
}

// 15 columns at most: 200 rows stay far below both databases' limits on bound parameters.
const INSERT_BATCH = 200;

/** Collects rows of one table and inserts them many per statement. */
function insertBatches(trx: Transaction<Database>) {
  const loose = trx as unknown as Kysely<Record<string, BackupRow>>;
  let batch: { table: BackupTable; rows: BackupRow[] } | undefined;
  const flush = async (): Promise<void> => {
    if (batch) await loose.insertInto(batch.table).values(batch.rows).execute();
    batch = undefined;
  };
  const add = async (table: BackupTable, row: BackupRow): Promise<void> => {
    if (batch && (batch.table !== table || batch.rows.length >= INSERT_BATCH)) await flush();
    batch ??= { table, rows: [] };
    batch.rows.push(row);
  };
  return { add, flush };
}

/**
 * Moves each id sequence to after the largest restored id. Never backwards: setval is not undone
 * by a rollback, and a failed restore must not leave a sequence behind the rows it kept.
 */
async function advanceSequences(trx: Transaction<Database>): Promise<void> {
  for (const table of SERIAL_TABLES) {
    await sql`SELECT setval(s.seq, greatest(
        (SELECT coalesce(max(id), 0) FROM ${sql.table(table)}),
        coalesce(pg_sequence_last_value(s.seq), 0)) + 1, false)
      FROM (SELECT pg_get_serial_sequence(${table}, 'id')::regclass AS seq) AS s`.execute(trx);
  }
}

async function countRows(db: Kysely<Database>): Promise<BackupCounts> {
  const counts = {} as BackupCounts;
  for (const table of BACKUP_TABLES) {
    const { rows } = await sql<{ n: number | string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(
      db,
    );
    counts[table] = Number(rows[0]?.n ?? 0);
  }
  return counts;
}

async function appliedMigrations(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM lbguard_migrations ORDER BY name`.execute(db);
  return rows.map((r) => r.name);
}

function asStoreError(store: Store, error: unknown): LbguardError {
  return error instanceof LbguardError ? error : storeFailed(store.label, error);
}
