import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { SourceFile } from "../haproxy/parse/index.js";

/** A path the user named that could not be read; the CLI exits with code 2. */
export class UnreadableInputError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/**
 * Expands the paths the user gave the way `haproxy -f` does: a file is read as is; a directory
 * contributes its `*.cfg` files (not hidden, not in subdirectories) in byte order of their names.
 */
export async function expandConfigPaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const path of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      throw new UnreadableInputError(path, describe(error));
    }
    if (!info.isDirectory()) {
      out.push(path);
      continue;
    }
    const entries = await readdir(path, { withFileTypes: true });
    const names = entries
      .filter((e) => !e.isDirectory() && e.name.endsWith(".cfg") && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    if (names.length === 0) throw new UnreadableInputError(path, "the directory holds no *.cfg file");
    out.push(...names.map((n) => join(path, n)));
  }
  return out;
}

/** Reads each file as UTF-8; an unreadable one throws UnreadableInputError naming it. */
export async function readConfigFiles(paths: readonly string[]): Promise<SourceFile[]> {
  return Promise.all(
    paths.map(async (path) => {
      try {
        return { path, text: await readFile(path, "utf8") };
      } catch (error) {
        throw new UnreadableInputError(path, describe(error));
      }
    }),
  );
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES") return "permission denied (run as a user who can read the configuration)";
  if (code === "EISDIR") return "is a directory";
  return (error as Error).message;
}
