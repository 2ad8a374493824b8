import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, writeFileSync } from "node:fs";
import { moveDurable, removeQuietly, temporaryPathFor } from "../agent/atomic-file.js";
import { LbguardError } from "../errors.js";

/** Writes one backup file; nothing appears at the path until `commit`. */
export interface BackupWriter {
  line(value: unknown): void;
  /** Appends the checksum line, flushes the file to disk and moves it into place. */
  commit(): void;
  /** Removes what was written so far. */
  abandon(): void;
}

const FLUSH_CHARS = 1 << 20;

/**
 * Starts a backup file for `path`: lines go to a temporary file beside it, created readable by
 * its owner only (a backup holds token hashes and every config), and reach `path` whole on
 * `commit`, or never. Errors are LBG_USAGE naming the path, as the command line chose it.
 */
export function openBackupWriter(path: string): BackupWriter {
  const temporary = temporaryPathFor(path);
  const fd = guardWrite(path, () => openSync(temporary, "wx", 0o600));
  const hash = createHash("sha256");
  let pending: string[] = [];
  let pendingChars = 0;
  let open = true;
  const flush = (): void => {
    const bytes = Buffer.from(pending.join(""));
    pending = [];
    pendingChars = 0;
    hash.update(bytes);
    guardWrite(path, () => writeFileSync(fd, bytes));
  };
  const close = (): void => {
    if (open) closeSync(fd);
    open = false;
  };
  return {
    line(value) {
      const text = `${JSON.stringify(value)}\n`;
      pending.push(text);
      pendingChars += text.length;
      if (pendingChars >= FLUSH_CHARS) flush();
    },
    commit() {
      flush();
      guardWrite(path, () => {
        writeFileSync(fd, `${JSON.stringify({ sha256: hash.digest("hex") })}\n`);
        fsyncSync(fd);
        close();
        moveDurable(temporary, path);
      });
    },
    abandon() {
      close();
      removeQuietly(temporary);
    },
  };
}

function guardWrite<T>(path: string, write: () => T): T {
  try {
    return write();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new LbguardError(
      "LBG_USAGE",
      { detail: `cannot write the backup ${path}: ${reason}` },
      { cause: error },
    );
  }
}
