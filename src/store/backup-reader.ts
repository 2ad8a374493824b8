import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { LbguardError } from "../errors.js";
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  BACKUP_KEYS,
  BACKUP_TABLES,
  type BackupCounts,
  type BackupHeader,
  type BackupRow,
  type BackupTable,
} from "./backup-format.js";
import type { StoreDialect } from "./database.js";

/** What a backup must fit: the store it is restored into. */
export interface RestoreTarget {
  /** The migrations the store has run, in order. */
  migrations: string[];
  dialect: StoreDialect;
}

/**
 * Reads the backup at `path` from start to end and checks all of it: the header (format,
 * version, counts, the same migrations as `target`), each row, the checksum line and that the
 * rows match the counts. Calls `onRow` with each row in file order, before the checksum is
 * known: a caller that writes rows does so inside a transaction the error rolls back. Throws
 * LBG_BAD_BACKUP naming the file and the first problem (with its line), LBG_UNREADABLE_INPUT
 * when the file cannot be read. Returns the header.
 */
export async function readBackup(
  path: string,
  target: RestoreTarget,
  onRow?: (table: BackupTable, row: BackupRow) => Promise<void>,
): Promise<BackupHeader> {
  const bad = (reason: string): LbguardError => new LbguardError("LBG_BAD_BACKUP", { path, reason });
  const hash = createHash("sha256");
  const seen = Object.fromEntries(BACKUP_TABLES.map((t) => [t, 0])) as BackupCounts;
  let header: BackupHeader | undefined;
  let lastLine = 0;
  let tableIndex = 0;
  let ended = false;
  for await (const { number, bytes } of backupLines(path, bad)) {
    lastLine = number;
    if (ended) throw bad(`line ${number} follows the checksum line`);
    const value = parseLine(bytes, number, bad);
    if (!header) {
      header = parseHeader(value, target, bad);
    } else if (isObject(value) && "sha256" in value && !("t" in value)) {
      if (value.sha256 !== hash.digest("hex")) {
        throw bad(`the checksum on line ${number} does not match: the file was altered or damaged`);
      }
      checkCounts(header.counts, seen, bad);
      ended = true;
      continue;
    } else {
      const { table, row } = parseRow(value, number, target.dialect, bad);
      const index = BACKUP_TABLES.indexOf(table);
      if (index < tableIndex) throw bad(`line ${number}: a row of ${table} after rows of a later table`);
      tableIndex = index;
      seen[table] += 1;
      await onRow?.(table, row);
    }
    hash.update(bytes).update("\n");
  }
  if (!header) throw bad("the file is empty");
  if (!ended) throw bad(`the file is truncated: it ends at line ${lastLine} without its checksum line`);
  return header;
}

/** The file's lines without their newlines, numbered from 1; a last line without one is a cut. */
async function* backupLines(
  path: string,
  bad: (reason: string) => LbguardError,
): AsyncGenerator<{ number: number; bytes: Buffer }> {
  let pending: Buffer[] = [];
  let number = 0;
  const stream = createReadStream(path);
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
        pending.push(chunk.subarray(start, end));
        number += 1;
        yield { number, bytes: Buffer.concat(pending) };
        pending = [];
        start = end + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
  } catch (error) {
    if (error instanceof LbguardError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new LbguardError("LBG_UNREADABLE_INPUT", { path, reason }, { cause: error });
  }
  if (pending.length > 0) throw bad(`the file is truncated: line ${number + 1} has no end`);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function parseLine(bytes: Buffer, number: number, bad: (reason: string) => LbguardError): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw bad(`line ${number} is not UTF-8 text`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw bad(`line ${number} is not JSON`);
  }
}

function parseHeader(
  value: unknown,
  target: RestoreTarget,
  bad: (reason: string) => LbguardError,
): BackupHeader {
  if (!isObject(value) || value.format !== BACKUP_FORMAT) throw bad("line 1 is not an lbguard backup header");
  if (value.formatVersion !== BACKUP_FORMAT_VERSION) {
    throw bad(
      `it has format version ${JSON.stringify(value.formatVersion)}; this lbguard reads version ${BACKUP_FORMAT_VERSION}`,
    );
  }
  const { migrations, counts, createdAt, dialect } = value;
  if (!Array.isArray(migrations) || !migrations.every((m) => typeof m === "string")) {
    throw bad("line 1: migrations is not a list of names");
  }
  if (typeof createdAt !== "string" || (dialect !== "sqlite" && dialect !== "postgres")) {
    throw bad("line 1: createdAt or dialect is missing");
  }
  if (!isObject(counts)) throw bad("line 1: counts is missing");
  for (const table of Object.keys(counts)) {
    if (!Object.hasOwn(BACKUP_KEYS, table)) throw bad(`line 1: counts names an unknown table '${table}'`);
  }
  for (const table of BACKUP_TABLES) {
    const n = counts[table];
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw bad(`line 1: no count for ${table}`);
  }
  const unknown = migrations.filter((m) => !target.migrations.includes(m));
  if (unknown.length > 0) {
    throw bad(`it was taken by a newer lbguard: migration ${unknown.join(", ")} is unknown here`);
  }
  const missing = target.migrations.filter((m) => !migrations.includes(m));
  if (missing.length > 0) {
    throw bad(
      `it predates migration ${missing.join(", ")}; restore it with the lbguard release that took it, then upgrade`,
    );
  }
  return {
    format: BACKUP_FORMAT,
    formatVersion: BACKUP_FORMAT_VERSION,
    migrations,
    createdAt,
    dialect,
    counts: counts as BackupCounts,
  };
}

function parseRow(
  value: unknown,
  number: number,
  dialect: StoreDialect,
  bad: (reason: string) => LbguardError,
): { table: BackupTable; row: BackupRow } {
  if (!isObject(value) || typeof value.t !== "string" || !isObject(value.r)) {
    throw bad(`line ${number} is neither a row nor the checksum line`);
  }
  if (!Object.hasOwn(BACKUP_KEYS, value.t)) throw bad(`line ${number}: there is no table '${value.t}'`);
  const table = value.t as BackupTable;
  for (const [column, cell] of Object.entries(value.r)) {
    if (cell !== null && typeof cell !== "string" && typeof cell !== "number") {
      throw bad(`line ${number}: ${table}.${column} is neither text, a number nor null`);
    }
    // SQLite keeps NUL in text; PostgreSQL refuses it, and would only say so mid-restore.
    if (dialect === "postgres" && typeof cell === "string" && cell.includes("\u0000")) {
      throw bad(`line ${number}: ${table}.${column} holds a NUL character, which PostgreSQL cannot store`);
    }
  }
  return { table, row: value.r as BackupRow };
}

function checkCounts(counts: BackupCounts, seen: BackupCounts, bad: (reason: string) => LbguardError): void {
  for (const table of BACKUP_TABLES) {
    if (counts[table] !== seen[table]) {
      throw bad(`the header counts ${counts[table]} rows of ${table} but the file holds ${seen[table]}`);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
