import { parseArgs } from "node:util";
import type { AuditVerification } from "../control/api-types.js";
import { LbguardError } from "../errors.js";
import { BACKUP_TABLES, createBackup, restoreBackup, type BackupCounts } from "../store/backup.js";
import { openStore, type Store } from "../store/database.js";
import { verifyChain } from "../store/event-chain.js";
import { DEFAULT_DATA_DIR } from "./node-options.js";

export const BACKUP_HELP = `Usage: lbguard backup create FILE [options]
       lbguard backup restore FILE [options] [--replace]

create writes the whole control-plane store to FILE: every table, read in one transaction so
that the copy is consistent while servers keep running, with a checksum. FILE is replaced
whole or not at all, and only its owner may read it (mode 0600): it holds every config and
the hashes of every token.

restore checks all of FILE first (format, version, checksum, row counts, migrations), then
loads it in one transaction: everything or nothing. A store that holds any row is refused
unless --replace, which deletes those rows in the same transaction. The audit chain is
verified afterwards. A backup of an SQLite store restores into PostgreSQL and back.

Options:
  --database URL   the store: postgres://... or sqlite:PATH (default: $DATABASE_URL)
  --data DIR       without a database URL, the SQLite store DIR/lbguard.db
                   (default ${DEFAULT_DATA_DIR})
  --replace        restore: delete what the store holds first
  --json           print the result as JSON
  -h, --help       show this help

Exit codes: 0 done, 1 the store failed or the restored audit chain is broken, 2 usage error
or an unreadable or unusable backup.
`;

/** `lbguard backup create|restore FILE`: returns 0, or 1 when a restored audit chain is broken. */
export async function backupCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      database: { type: "string" },
      data: { type: "string" },
      replace: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    out(BACKUP_HELP);
    return 0;
  }
  const [action, file, ...extra] = positionals;
  if (action !== "create" && action !== "restore") {
    throw new LbguardError("LBG_USAGE", { detail: "backup needs an action: create or restore" });
  }
  if (!file || extra.length > 0)
    throw new LbguardError("LBG_USAGE", { detail: `backup ${action} needs one FILE` });
  if (action === "create" && values.replace) {
    throw new LbguardError("LBG_USAGE", { detail: "--replace is for 'backup restore'" });
  }
  const store = await openStore({ database: values.database, dataDir: values.data ?? DEFAULT_DATA_DIR });
  try {
    if (action === "create") return await create(store, file, values.json, out, err);
    return await restore(store, file, values.replace, values.json, out);
  } finally {
    await store.close();
  }
}

async function create(
  store: Store,
  file: string,
  json: boolean,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const counts = await createBackup(store, file);
  const rows = total(counts);
  // A mistyped --data opens a new, empty store: say so rather than keep an empty backup quietly.
  if (rows === counts.audit_head) err(`lbguard: warning: the store ${store.label} is empty\n`);
  if (json) {
    out(`${JSON.stringify({ file, store: store.label, dialect: store.dialect, rows, counts }, null, 2)}\n`);
  } else {
    out(`Wrote ${file}: ${rows} rows from the ${store.dialect} store ${store.label}\n${countLines(counts)}`);
  }
  return 0;
}

async function restore(
  store: Store,
  file: string,
  replace: boolean,
  json: boolean,
  out: (s: string) => void,
): Promise<number> {
  const counts = await restoreBackup(store, file, { replace });
  const audit = await verifyChain(store.db);
  const rows = total(counts);
  if (json) {
    out(
      `${JSON.stringify({ file, store: store.label, dialect: store.dialect, rows, counts, audit }, null, 2)}\n`,
    );
  } else {
    out(
      `Restored ${file}: ${rows} rows into the ${store.dialect} store ${store.label}\n${countLines(counts)}` +
        `Audit chain: ${auditLine(audit)}\n`,
    );
  }
  return audit.ok ? 0 : 1;
}

function total(counts: BackupCounts): number {
  return BACKUP_TABLES.reduce((sum, table) => sum + counts[table], 0);
}

function countLines(counts: BackupCounts): string {
  const width = Math.max(...BACKUP_TABLES.map((t) => t.length));
  return BACKUP_TABLES.map((t) => `  ${t.padEnd(width)}  ${String(counts[t]).padStart(8)}\n`).join("");
}

function auditLine(audit: AuditVerification): string {
  if (audit.ok) return `intact, ${audit.checked} events verified`;
  return `BROKEN at event ${audit.broken?.seq ?? "?"}: ${audit.broken?.reason ?? "no detail"} (${audit.checked} verified before it)`;
}
