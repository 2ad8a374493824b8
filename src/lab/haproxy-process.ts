import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  accepts,
  addGlobalLines,
  bindAddresses,
  delay,
  describeEnd,
  haproxyBinary,
  type ListenAddress,
  orphanGuard,
  runtimeCommand,
  settlesWithin,
  watchEnd,
} from "../haproxy/runtime/process-helpers.js";

export { addGlobalLines, haproxyBinary, type ListenAddress };

/** How to start HAProxy. */
export interface HaproxyProcessOptions {
  /** The haproxy.cfg text to run. */
  config: string;
  /** The binary; default: the `LBGUARD_HAPROXY` environment variable, else `haproxy` on PATH. */
  binary?: string;
  /**
   * Addresses that must accept connections before HAProxy counts as started. Default: every
   * TCP address with a port on the config's bind lines (a wildcard host is probed on 127.0.0.1).
   */
  waitFor?: ListenAddress[];
  /** How long it may take to start, in milliseconds (default 10 000). */
  startTimeoutMs?: number;
  /**
   * Adds a `stats socket` with admin level in the temporary directory to the global section,
   * so that `runtime()` can query and change the running process.
   */
  statsSocket?: boolean;
}

/** A running HAProxy started by `startHaproxy`. */
export interface HaproxyProcess {
  readonly pid: number;
  /** The temporary directory holding the config (removed by `stop()`). */
  readonly dir: string;
  /** The config file HAProxy runs, as written (including any line the lab added). */
  readonly configPath: string;
  /** Everything HAProxy has written to stderr so far. */
  stderr(): string;
  /**
   * Sends one command to the runtime API (needs `statsSocket`) and resolves with its answer,
   * e.g. `show servers state be`.
   */
  runtime(command: string, timeoutMs?: number): Promise<string>;
  /**
   * Stops this HAProxy: SIGTERM to its PID, SIGKILL if it has not exited within the deadline,
   * then removes the temporary directory. Safe to call more than once.
   */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Writes the config to a fresh temporary directory and runs `haproxy -f <file> -db` in the
 * foreground as a child of this process, resolving once every listen address accepts
 * connections. When HAProxy exits, cannot be run or does not listen in time, it rejects with
 * an error carrying HAProxy's stderr, after stopping the process and removing the directory.
 */
export async function startHaproxy(options: HaproxyProcessOptions): Promise<HaproxyProcess> {
  const binary = haproxyBinary(options.binary);
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), "lbguard-lab-"));
  const configPath = join(dir, "haproxy.cfg");
  const socketPath = join(dir, "admin.sock");
  const text = options.statsSocket
    ? addGlobalLines(options.config, [`stats socket ${socketPath} level admin mode 600`])
    : options.config;
  writeFileSync(configPath, text);
  const waitFor = options.waitFor ?? bindAddresses(text, configPath);

  let stderr = "";
  // -db keeps HAProxy in the foreground (no daemon, no master), so its PID is the one we own
  // and its alerts reach our pipe.
  const child: ChildProcess = spawn(binary, ["-f", configPath, "-db"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
  });
  orphanGuard(child, () => rmSync(dir, { recursive: true, force: true }));
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const { ended: exited, end } = watchEnd(child);

  let stopping: Promise<void> | undefined;
  const stop = (timeoutMs = 5_000): Promise<void> => {
    stopping ??= (async () => {
      if (child.pid !== undefined && end() === undefined) {
        child.kill("SIGTERM");
        if (!(await settlesWithin(exited, timeoutMs))) {
          child.kill("SIGKILL");
          await settlesWithin(exited, timeoutMs);
        }
      }
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const deadline = Date.now() + startTimeoutMs;
  const pending = [...waitFor];
  while (pending.length > 0) {
    if (end()) break;
    const next = pending[0] as ListenAddress;
    if (await accepts(next, Math.max(50, Math.min(500, deadline - Date.now())))) {
      pending.shift();
      continue;
    }
    if (Date.now() >= deadline) break;
    await Promise.race([delay(25), exited]);
  }
  if (pending.length > 0 || end()) {
    // Said before stopping: stop() itself ends the process, which would read as a crash.
    const ending = end();
    const why = ending
      ? describeEnd(ending, binary)
      : `haproxy did not listen on ${pending.map((a) => `${a.host}:${a.port}`).join(", ")} within ${startTimeoutMs} ms`;
    await stop();
    throw new Error(`${why}; config ${configPath}; stderr:\n${stderr.trim() || "(empty)"}`);
  }

  return {
    pid: child.pid as number,
    dir,
    configPath,
    stderr: () => stderr,
    runtime: (command, timeoutMs = 5_000) => {
      if (!options.statsSocket) {
        return Promise.reject(new Error("runtime() needs the process started with statsSocket: true"));
      }
      return runtimeCommand(socketPath, command, timeoutMs);
    },
    stop,
  };
}
