import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { AdminSocket } from "./admin-socket.js";
import { RuntimeCommandError } from "./runtime-errors.js";
import { parseServersState, type ServerStateRow } from "./show-stat.js";

/**
 * Dumps `show servers state` into the server-state-file, atomically: the answer is written to a
 * temporary file in the same directory, flushed to disk, then renamed over `file`, so a reload
 * never reads half a file. HAProxy only reads this file (with `load-server-state-from-file`) and
 * never writes it, so this must run just before every reload. Resolves with the rows saved.
 */
export async function saveServerState(admin: AdminSocket, file: string): Promise<ServerStateRow[]> {
  const text = await admin.showServersStateText();
  const rows = parseServersState(text);
  if (!/^\s*1\s*\n/.test(text)) {
    // Not the version-1 format HAProxy reads back; writing it would make the reload ignore it.
    throw new RuntimeCommandError("refused", "show servers state", text);
  }
  const dir = dirname(file);
  const temporary = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temporary, "w", 0o644);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, file);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temporary, { force: true });
    throw error;
  }
  // The rename itself is only durable once the directory is flushed.
  const dirFd = openSync(dir, "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return rows;
}

/** A server named as `backend/server`. */
export type ServerKey = `${string}/${string}`;

/**
 * The `set server` commands that give the touched servers back, after a reload that did not load
 * a state file, the state an operator had set before it: the forced admin state (ready, drain,
 * maint) and the runtime weight. A weight is restored only when the configured weight is the
 * same before and after (as HAProxy does when it loads a state file), so that a weight changed
 * in the configuration wins. Servers missing from either side are left alone. Pure.
 */
export function stateCommandsToReapply(
  saved: readonly ServerStateRow[],
  current: readonly ServerStateRow[],
  touched: ReadonlySet<ServerKey>,
): string[] {
  const now = new Map(current.map((row) => [`${row.backend}/${row.server}`, row]));
  const commands: string[] = [];
  for (const before of saved) {
    const key = `${before.backend}/${before.server}` as ServerKey;
    const after = now.get(key);
    if (!touched.has(key) || !after) continue;
    if (before.userWeight !== after.userWeight && before.initialWeight === after.initialWeight) {
      commands.push(`set server ${key} weight ${before.userWeight}`);
    }
    if (before.forcedAdminState !== after.forcedAdminState) {
      commands.push(`set server ${key} state ${before.forcedAdminState}`);
    }
  }
  return commands;
}
