import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { main } from "../../src/cli/main.js";
import { startServer, type RunningServer, type StartOptions } from "../../src/server/start-server.js";

/** What one `lbguard` run printed and how it exited. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Standard output read as JSON. */
  json<T = unknown>(): T;
}

/** A real `lbguard serve` for one test file, and the CLI pointed at it. */
export interface ServedCli {
  /** The temporary directory the server keeps its SQLite store in, under `data`, removed after the file. */
  work: string;
  /** API tokens by holder; `admin` holds the server's first-start token once it is up. */
  tokens: Record<string, string>;
  /** The running server (from the file's `beforeAll` hooks on). */
  readonly server: RunningServer;
  /** Runs `lbguard ARGV` through `main([...])` as the holder of `who`'s token, without colours. */
  lbguard(who: string, ...argv: string[]): Promise<CliRun>;
}

/**
 * Starts `lbguard serve` (SQLite in a new temporary directory named from `prefix`) in a
 * `beforeAll` of the calling file, and closes it and removes the directory in an `afterAll`.
 * Call it at the top of the file, before the file's own `beforeAll`, which then finds it up.
 */
export function serveForCli(prefix: string, listen: Pick<StartOptions, "host" | "port">): ServedCli {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const tokens: Record<string, string> = {};
  let running: RunningServer | undefined;
  const server = (): RunningServer => {
    if (running === undefined) throw new Error("the server is not started yet: use it from a hook or a test");
    return running;
  };

  beforeAll(async () => {
    running = await startServer({ dataDir: join(work, "data"), ...listen });
    tokens.admin = running.bootstrapToken!;
  });
  afterAll(async () => {
    await running?.close();
    rmSync(work, { recursive: true, force: true });
  });

  return {
    work,
    tokens,
    get server(): RunningServer {
      return server();
    },
    lbguard: async (who, ...argv) => {
      let stdout = "";
      let stderr = "";
      const code = await main(
        [...argv, "--server", server().url, "--token", tokens[who]!, "--no-color"],
        (s) => void (stdout += s),
        (s) => void (stderr += s),
      );
      return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
    },
  };
}
