import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/**
 * Replaces a file so that a reader, or a crash at any moment, sees either the old content or
 * the new one, never a part: the text goes to a temporary file in the same directory, is
 * flushed to disk, renamed over the target, and the directory entry is flushed too. A `mode`
 * is set on the temporary file before the rename, so the file is never seen without it.
 */
export function writeFileAtomic(path: string, text: string, mode?: number): void {
  const temporary = temporaryPathFor(path);
  writeDurable(temporary, text);
  if (mode !== undefined) chmodSync(temporary, mode);
  moveDurable(temporary, path);
}

/** A temporary name beside `path`, unique to this process, that `haproxy -c` can read. */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.lbguard-${process.pid}-${Date.now()}.tmp`);
}

/** Writes a new file and flushes it to disk before returning. */
export function writeDurable(path: string, text: string): void {
  const fd = openSync(path, "w", 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Renames `from` over `to` and flushes the directory so the rename survives a power cut. */
export function moveDurable(from: string, to: string): void {
  renameSync(from, to);
  syncDirectory(dirname(to));
}

/** Removes a file if it exists. */
export function removeQuietly(path: string): void {
  rmSync(path, { force: true });
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
