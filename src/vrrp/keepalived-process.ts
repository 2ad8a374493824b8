import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { LbguardError } from "../errors.js";
import { isProcessAlive, stopProcess } from "../haproxy/runtime/master-process.js";

/** The binary to run when the caller names none: `LBGUARD_KEEPALIVED`, else `keepalived` on PATH. */
export function keepalivedBinary(explicit?: string): string {
  return explicit ?? process.env.LBGUARD_KEEPALIVED ?? "keepalived";
}

/** The PID a pid file names, or undefined when the file is missing or holds no PID. */
export function readPidFile(pidFile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, "utf8");
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** The pid in `pidFile` when that process lives (not a zombie a parent has yet to reap). */
export function livingPid(pidFile: string): number | undefined {
  const pid = readPidFile(pidFile);
  return pid !== undefined && isProcessAlive(pid) ? pid : undefined;
}

/**
 * Makes the keepalived whose parent process `pidFile` names re-read its configuration
 * (SIGHUP). Throws LBG_KEEPALIVED_NOT_RUNNING when the file is missing or its process is gone.
 */
export async function reloadKeepalived(pidFile: string): Promise<void> {
  const pid = runningPid(pidFile);
  try {
    process.kill(pid, "SIGHUP");
  } catch (error) {
    throw new LbguardError(
      "LBG_KEEPALIVED_NOT_RUNNING",
      { detail: `cannot signal PID ${pid} from ${pidFile}: ${(error as Error).message}` },
      { cause: error },
    );
  }
}

/** The live PID in `pidFile`, or LBG_KEEPALIVED_NOT_RUNNING. */
export function runningPid(pidFile: string): number {
  const pid = readPidFile(pidFile);
  if (pid === undefined)
    throw new LbguardError("LBG_KEEPALIVED_NOT_RUNNING", { detail: `${pidFile} is missing or holds no PID` });
  if (!isProcessAlive(pid))
    throw new LbguardError("LBG_KEEPALIVED_NOT_RUNNING", {
      detail: `${pidFile} names PID ${pid}, which is gone`,
    });
  return pid;
}

export interface StartKeepalivedOptions {
  /** The keepalived.conf to run. */
  conf: string;
  /** The parent process's pid file, the one to SIGHUP. */
  pidFile: string;
  /** The VRRP child's pid file. */
  vrrpPidFile: string;
  /** Where keepalived's console log goes; discarded when absent. */
  logFile?: string;
  /** A network namespace (`ip netns`) to run in. */
  netns?: string;
  /** The keepalived binary (default `keepalived`, or $LBGUARD_KEEPALIVED). */
  keepalived?: string;
  /** How long to wait for keepalived to write its pid file (default 10 s). */
  startTimeoutMs?: number;
}

/**
 * Starts keepalived in the foreground with only its VRRP subsystem, logging to `logFile`, and
 * returns its PID once it has written `pidFile`. Several can run on one machine: each has its
 * own pid files (the checker's and BFD's beside `pidFile`), and each namespace has its own
 * VRRP sockets and addresses. For labs and tests; on a node, keepalived is the system's service.
 */
export async function startKeepalived(options: StartKeepalivedOptions): Promise<number> {
  const binary = keepalivedBinary(options.keepalived);
  const args = [
    "--dont-fork",
    "--log-console",
    "--log-detail",
    "--no-syslog",
    "--vrrp",
    `--use-file=${options.conf}`,
    `--pid=${options.pidFile}`,
    `--vrrp_pid=${options.vrrpPidFile}`,
    `--checkers_pid=${options.pidFile}.checkers`,
    `--bfd_pid=${options.pidFile}.bfd`,
  ];
  const [program, argv] = options.netns
    ? ["ip", ["netns", "exec", options.netns, binary, ...args]]
    : [binary, args];
  const log = options.logFile ? openSync(options.logFile, "a") : "ignore";
  const child = spawn(program, argv, { stdio: ["ignore", log, log], detached: true });
  if (typeof log === "number") closeSync(log);
  const spawned = await new Promise<number>((resolve, reject) => {
    child.once("spawn", () => resolve(child.pid!));
    child.once("error", reject);
  });
  child.unref();
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  // `ip netns exec` becomes keepalived, so the PID we started is keepalived's.
  while (readPidFile(options.pidFile) !== spawned) {
    if (!isProcessAlive(spawned) || Date.now() > deadline) {
      if (isProcessAlive(spawned)) await stopKeepalived(spawned);
      throw new LbguardError("LBG_KEEPALIVED_NOT_RUNNING", {
        detail: `keepalived with ${options.conf} did not start${options.logFile ? `; its log is ${options.logFile}` : ""}`,
      });
    }
    await sleep(20);
  }
  return spawned;
}

/**
 * Stops the keepalived with that PID: SIGTERM (it removes its VIP and sends a priority-0 advert
 * so that a backup takes over at once), then SIGKILL if it is still there after `timeoutMs`.
 */
export function stopKeepalived(pid: number, timeoutMs = 10_000): Promise<void> {
  return stopProcess(pid, timeoutMs);
}
