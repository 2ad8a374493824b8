import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseShowProc } from "./master-cli.js";
import {
  accepts,
  bindAddresses,
  delay,
  describeEnd,
  haproxyBinary,
  type ListenAddress,
  orphanGuard,
  settlesWithin,
  watchEnd,
} from "./process-helpers.js";
import { sendSocketCommand } from "./socket-command.js";

/** How to start HAProxy in master-worker mode. */
export interface MasterWorkerOptions {
  /** The configuration file; it is the caller's and is never rewritten. A reload re-reads it. */
  configPath: string;
  /** Where the master CLI socket goes (`-S`). */
  masterSocket: string;
  /** The binary; default: the `LBGUARD_HAPROXY` environment variable, else `haproxy` on PATH. */
  binary?: string;
  /** Where the master writes its PID (`-p`). */
  pidFile?: string;
  /**
   * Lets the master outlive this Node process (for `lbguard lab up`): it runs in its own process
   * group, with stdout and stderr appended to `logFile`, and no orphan guard.
   */
  detached?: boolean;
  /** Where a detached master's output goes (default: `<configPath>.log`). */
  logFile?: string;
  /** Addresses that must accept connections before the start counts (default: the config's binds). */
  waitFor?: ListenAddress[];
  /** How long the start may take, in milliseconds (default 10 000). */
  startTimeoutMs?: number;
}

/** A running master-worker HAProxy. */
export interface MasterWorker {
  /** The master's PID. */
  readonly pid: number;
  readonly masterSocket: string;
  readonly configPath: string;
  /** Everything the master and its workers have written to stderr (or the log file) so far. */
  stderr(): string;
  /**
   * Stops HAProxy: SIGTERM to the master (which stops its workers), SIGKILL if it is still
   * there after the deadline, and resolves once it is gone. Safe to call more than once.
   */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Starts `haproxy -W -db -S <masterSocket> -f <configPath>`: a master that stays in the
 * foreground (as this process's child unless `detached`) and forks one worker. Resolves once
 * the master CLI lists a current worker and every `waitFor` address accepts connections;
 * rejects with HAProxy's output when it exits, cannot be run or is not ready in time, after
 * stopping whatever did start.
 */
export async function startMasterWorker(options: MasterWorkerOptions): Promise<MasterWorker> {
  const binary = haproxyBinary(options.binary);
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const { configPath, masterSocket } = options;
  const waitFor = options.waitFor ?? bindAddresses(readFileSync(configPath, "utf8"), configPath);
  const args = ["-W", "-db", "-S", masterSocket, "-f", configPath];
  if (options.pidFile) args.push("-p", options.pidFile);

  let output = "";
  let logFd: number | undefined;
  const logFile = options.logFile ?? `${configPath}.log`;
  let child: ChildProcess;
  if (options.detached) {
    logFd = openSync(logFile, "a");
    child = spawn(binary, args, {
      cwd: dirname(configPath),
      detached: true,
      stdio: ["ignore", logFd, logFd],
    });
    child.unref();
  } else {
    child = spawn(binary, args, { cwd: dirname(configPath), stdio: ["ignore", "ignore", "pipe"] });
    orphanGuard(child);
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      output += chunk;
    });
  }
  if (logFd !== undefined) closeSync(logFd);
  const stderr = (): string => {
    if (!options.detached) return output;
    try {
      return readFileSync(logFile, "utf8");
    } catch {
      return "";
    }
  };

  const { ended: exited, end } = watchEnd(child);

  let stopping: Promise<void> | undefined;
  const stop = (timeoutMs = 5_000): Promise<void> => {
    stopping ??= (async () => {
      if (child.pid === undefined || end() !== undefined) return;
      if (options.detached) {
        await stopProcess(child.pid, timeoutMs);
        return;
      }
      child.kill("SIGTERM");
      if (!(await settlesWithin(exited, timeoutMs))) {
        child.kill("SIGKILL");
        await settlesWithin(exited, timeoutMs);
      }
    })();
    return stopping;
  };

  const deadline = Date.now() + startTimeoutMs;
  let workerUp = false;
  const pending = [...waitFor];
  while (!end() && Date.now() < deadline) {
    if (!workerUp) {
      const answer = await sendSocketCommand(masterSocket, "show proc", {
        timeoutMs: Math.max(50, Math.min(1_000, deadline - Date.now())),
        quit: true,
      }).catch(() => "");
      workerUp = (parseShowProc(answer)?.workers.length ?? 0) > 0;
    }
    while (workerUp && pending.length > 0) {
      if (!(await accepts(pending[0] as ListenAddress, Math.max(50, Math.min(500, deadline - Date.now())))))
        break;
      pending.shift();
    }
    if (workerUp && pending.length === 0) break;
    await Promise.race([delay(25), exited]);
  }
  if (!workerUp || pending.length > 0 || end()) {
    // Said before stopping: stop() itself ends the process, which would read as a crash.
    const ending = end();
    const why = ending
      ? describeEnd(ending, binary)
      : !workerUp
        ? `haproxy's master did not list a worker on ${masterSocket} within ${startTimeoutMs} ms`
        : `haproxy did not listen on ${pending.map((a) => `${a.host}:${a.port}`).join(", ")} within ${startTimeoutMs} ms`;
    await stop();
    throw new Error(`${why}; config ${configPath}; stderr:\n${stderr().trim() || "(empty)"}`);
  }

  return { pid: child.pid as number, masterSocket, configPath, stderr, stop };
}

/** True while a process with this PID exists and is not a zombie waiting to be reaped. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // A killed process whose parent does not reap it stays in the table as a zombie.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/**
 * Stops a process by PID (for `lab down`, where the master was started by another run): SIGTERM,
 * then SIGKILL when it is still there after the deadline, resolving once it is gone. A PID
 * that no longer exists resolves at once.
 */
export async function stopProcess(pid: number, timeoutMs = 5_000): Promise<void> {
  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    if (!isProcessAlive(pid)) return;
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!isProcessAlive(pid)) return;
      await delay(25);
    }
  }
  if (isProcessAlive(pid)) throw new Error(`process ${pid} is still running after SIGTERM and SIGKILL`);
}
