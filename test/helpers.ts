import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseConfig } from "../src/haproxy/parse/index.js";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** `../shared` beside the repository, where the corpus and scenarios live. */
export const SHARED = process.env.LBGUARD_SHARED ?? resolve(ROOT, "..", "shared");

/** Parses configuration text as one file named `name`. */
export function parse(text: string, name = "test.cfg") {
  return parseConfig([{ path: name, text }]);
}

/** Parses a file from disk under its own path. */
export function parseFile(path: string) {
  return parseConfig([{ path, text: readFileSync(path, "utf8") }]);
}

/** Joins lines and adds the final newline HAProxy requires. */
export function cfg(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/**
 * Calls `probe` every `pollMs` until it gives something other than undefined or false, and
 * returns that; fails naming `what` once `timeoutMs` have passed without it.
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  pollMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
