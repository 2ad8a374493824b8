import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../haproxy/parse/index.js";

/** A TCP address HAProxy listens on. */
export interface ListenAddress {
  host: string;
  port: number;
}

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

/** The binary to run when the caller names none. */
export function haproxyBinary(explicit?: string): string {
  return explicit ?? process.env.LBGUARD_HAPROXY ?? "haproxy";
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
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  // -db keeps HAProxy in the foreground (no daemon, no master), so its PID is the one we own
  // and its alerts reach our pipe.
  const child: ChildProcess = spawn(binary, ["-f", configPath, "-db"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
  });
  orphanGuard(child, dir);
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => {
    // "close" rather than "exit": it comes after stderr is drained, so a failure message is whole.
    child.once("close", (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    child.once("error", (error) => {
      spawnError = error;
      resolve();
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (timeoutMs = 5_000): Promise<void> => {
    stopping ??= (async () => {
      if (child.pid !== undefined && exit === undefined && spawnError === undefined) {
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
    if (spawnError || exit) break;
    const next = pending[0] as ListenAddress;
    if (await accepts(next, Math.max(50, Math.min(500, deadline - Date.now())))) {
      pending.shift();
      continue;
    }
    if (Date.now() >= deadline) break;
    await Promise.race([delay(25), exited]);
  }
  if (pending.length > 0 || spawnError || exit) {
    // Said before stopping: stop() itself ends the process, which would read as a crash.
    const why = spawnError
      ? `cannot run '${binary}': ${spawnError.message}`
      : exit
        ? `haproxy exited (${exit.signal ?? `code ${exit.code}`}) while starting`
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

/** Processes started here and not yet exited, with their directories. */
const running = new Map<ChildProcess, string>();
let guarding = false;

/**
 * Makes sure a child never outlives this process: when Node exits without `stop()` (a test
 * worker torn down, an uncaught error), the child would keep its ports and block the next run.
 * Only the PIDs started here are killed.
 */
function orphanGuard(child: ChildProcess, dir: string): void {
  if (!guarding) {
    guarding = true;
    process.on("exit", killOrphans);
  }
  running.set(child, dir);
  child.once("exit", () => running.delete(child));
  child.once("error", () => running.delete(child));
}

function killOrphans(): void {
  for (const [child, dir] of running) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Adds lines at the top of the global section, creating one when the config has none. The
 * added lines only give the lab a handle on the process; they change no proxy behaviour.
 */
export function addGlobalLines(config: string, lines: readonly string[]): string {
  const added = lines.map((line) => `    ${line}\n`).join("");
  const match = /^[ \t]*global[ \t]*(?:#.*)?$/m.exec(config);
  if (!match) return `global\n${added}\n${config}`;
  const end = match.index + match[0].length;
  return `${config.slice(0, end)}\n${added}${config.slice(end + 1)}`;
}

/** The TCP addresses on the config's bind lines, with a probe-able host. */
function bindAddresses(text: string, path: string): ListenAddress[] {
  const { model } = parseConfig([{ path, text }], { env: {} });
  const addresses: ListenAddress[] = [];
  for (const proxy of model.proxies) {
    for (const bind of proxy.binds) {
      for (const address of bind.addresses) {
        if (address.port === undefined || (address.kind !== "ipv4" && address.kind !== "ipv6")) continue;
        const wildcard = address.host === "" || address.host === "*" || address.host === "0.0.0.0";
        const host = wildcard ? "127.0.0.1" : address.host === "::" ? "::1" : address.host;
        addresses.push({ host, port: address.port });
      }
    }
  }
  return addresses;
}

/** True when a TCP connection to the address succeeds within the timeout. */
function accepts(address: ListenAddress, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Sends one command on a stats socket and collects the answer until HAProxy closes it. */
function runtimeCommand(socketPath: string, command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = "";
    const socket = connect({ path: socketPath });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to '${command}' on ${socketPath} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(`${command}\n`));
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/** True when the promise settles within the timeout. */
async function settlesWithin(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const settled = promise.then(() => true as const);
  const result = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return result;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
