import type { StoreDialect } from "./database.js";
import type { Database } from "./schema.js";

/** The `format` of a backup's header line. */
export const BACKUP_FORMAT = "lbguard-backup";

/** The layout of the file this lbguard writes and reads. */
export const BACKUP_FORMAT_VERSION = 1;

/**
 * Every table of the store with its primary key, parents before children: rows are written and
 * restored in this order, so that foreign keys hold at every insert. Typed against the Database
 * interface, so a table added there and not here fails to compile, as does a key that is not a
 * column.
 */
export const BACKUP_KEYS: { readonly [T in keyof Database]: readonly (keyof Database[T] & string)[] } = {
  users: ["name"],
  tokens: ["id"],
  clusters: ["name"],
  nodes: ["id"],
  versions: ["id"],
  changes: ["id"],
  reviews: ["id"],
  rollouts: ["id"],
  rollout_nodes: ["rollout_id", "node_id"],
  events: ["seq"],
  audit_head: ["id"],
  metric_samples: ["node_id", "at"],
  metric_rollups: ["node_id", "minute"],
  alerts: ["id"],
  silences: ["id"],
  notifications: ["id"],
  incidents: ["id"],
};

/** A table of the store. */
export type BackupTable = keyof Database;

/** The tables in backup order. */
export const BACKUP_TABLES = Object.keys(BACKUP_KEYS) as BackupTable[];

/** The tables whose `id` PostgreSQL draws from a sequence, which a restore must move past its rows. */
export const SERIAL_TABLES: readonly BackupTable[] = [
  "versions",
  "changes",
  "reviews",
  "rollouts",
  "alerts",
  "silences",
  "notifications",
  "incidents",
];

/** The number of rows of each table. */
export type BackupCounts = Record<BackupTable, number>;

/** One row as the file holds it: column to value. */
export type BackupRow = Record<string, string | number | null>;

/** The first line of a backup. */
export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  formatVersion: typeof BACKUP_FORMAT_VERSION;
  /** The migrations the store had run, in order; a restore needs the same ones. */
  migrations: string[];
  createdAt: string;
  /** The database the backup was taken from, for people; a restore works into either. */
  dialect: StoreDialect;
  counts: BackupCounts;
}
