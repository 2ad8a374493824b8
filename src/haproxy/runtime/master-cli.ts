import { AdminSocket } from "./admin-socket.js";
import { delay } from "./process-helpers.js";
import {
  classifyAnswer,
  ReloadFailedError,
  ReloadTimeoutError,
  RuntimeCommandError,
  RuntimeConnectError,
} from "./runtime-errors.js";
import { sendSocketCommand } from "./socket-command.js";

/** One process line of the master's `show proc`. */
export interface ProcEntry {
  pid: number;
  /** `master`, `worker`, or for a program the program's name. */
  type: string;
  /**
   * The reloads column. For the master: reloads since it started. For a worker: reloads the
   * master went through since this worker was forked (0 for a fresh worker).
   */
  reloads: number;
  /** The master's `[failed: N]`: 1 when the last reload was refused, reset by a good one. */
  failed?: number;
  /** Uptime as printed, e.g. `0d00h10m17s`. */
  uptime: string;
  uptimeSeconds: number;
  version: string;
}

/** The master's `show proc` answer, by section. */
export interface ProcTable {
  master: ProcEntry;
  /** Workers of the current configuration (normally one). */
  workers: ProcEntry[];
  /** Workers of earlier configurations still finishing their connections. */
  oldWorkers: ProcEntry[];
  programs: ProcEntry[];
}

/** What a confirmed reload did. */
export interface ReloadResult {
  /** The master's reload count after the reload. */
  reloads: number;
  /** The new current worker. */
  workerPid: number;
  /** The workers that were current before the reload (now old workers, or gone). */
  previousWorkerPids: number[];
  /** From sending `reload` to seeing the new worker, in milliseconds. */
  tookMs: number;
}

function seconds(uptime: string): number {
  const m = /^(\d+)d(\d+)h(\d+)m(\d+)s$/.exec(uptime);
  if (!m) return 0;
  return Number(m[1]) * 86_400 + Number(m[2]) * 3_600 + Number(m[3]) * 60 + Number(m[4]);
}

/**
 * Parses HAProxy 2.6's `show proc`: a `#<PID> <type> <reloads> <uptime> <version>` header, the
 * master's line (its reloads followed by `[failed: N]`), then `# workers`, `# old workers` and
 * `# programs` sections with one line per process. Returns undefined when no master line is
 * found, which is not a `show proc` answer.
 */
export function parseShowProc(text: string): ProcTable | undefined {
  let master: ProcEntry | undefined;
  const table: Omit<ProcTable, "master"> = { workers: [], oldWorkers: [], programs: [] };
  let section: keyof typeof table | undefined;
  for (const line of text.split("\n")) {
    const heading = /^#\s*(workers|old workers|programs)\s*$/.exec(line.trim());
    if (heading) {
      section =
        heading[1] === "workers" ? "workers" : heading[1] === "old workers" ? "oldWorkers" : "programs";
      continue;
    }
    const m = /^(\d+)\s+(\S+)\s+(\d+)(?:\s+\[failed:\s*(\d+)\])?\s+(\S+)\s+(\S+)\s*$/.exec(line);
    if (!m) continue;
    const entry: ProcEntry = {
      pid: Number(m[1]),
      type: m[2] as string,
      reloads: Number(m[3]),
      uptime: m[5] as string,
      uptimeSeconds: seconds(m[5] as string),
      version: m[6] as string,
    };
    if (m[4] !== undefined) entry.failed = Number(m[4]);
    if (entry.type === "master" && section === undefined) master = entry;
    else if (section) table[section].push(entry);
  }
  return master ? { master, ...table } : undefined;
}

/** Options for the master CLI. */
export interface MasterCliOptions {
  /** Deadline per command, in milliseconds (default 5 000). */
  timeoutMs?: number;
}

/**
 * The master CLI of a master-worker HAProxy (`-S <socket>`). It keeps a connection open after
 * a command, so every command is sent as `CMD; quit`; `reload` is the exception, since the
 * master closes the connection itself when it re-executes.
 */
export class MasterCli {
  readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(socketPath: string, options: MasterCliOptions = {}) {
    this.socketPath = socketPath;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /**
   * Sends one raw command to the master (or, with an `@N` / `@!PID` prefix, to a worker) and
   * resolves with its answer; rejects with `RuntimeCommandError` on a complaint HAProxy is
   * known to print.
   */
  async command(command: string): Promise<string> {
    const answer = await sendSocketCommand(this.socketPath, command, {
      timeoutMs: this.timeoutMs,
      quit: true,
    });
    const kind = classifyAnswer(answer);
    if (kind) throw new RuntimeCommandError(kind, command, answer);
    return answer;
  }

  /** Reads `show proc`: the master, current and old workers, and programs. */
  async showProc(): Promise<ProcTable> {
    const answer = await this.command("show proc");
    const table = parseShowProc(answer);
    if (!table) throw new RuntimeCommandError("refused", "show proc", answer);
    return table;
  }

  /**
   * Sends one command to the current worker through the master (`@1 <command>`), so that a node
   * exposing only the master socket can still be read and changed. The command must be a
   * single one: a `;` would send the rest to the master.
   */
  worker(command: string): Promise<string> {
    if (command.includes(";")) {
      return Promise.reject(new RuntimeCommandError("refused", command, "';' is not allowed: not sent"));
    }
    return sendSocketCommand(this.socketPath, `@1 ${command}`, { timeoutMs: this.timeoutMs, quit: true });
  }

  /**
   * Asks the master to reload (it re-reads the file it was started with) and waits for the
   * outcome, since HAProxy 2.6 prints nothing: it polls `show proc` until the master's reload
   * count has grown, then rejects with `ReloadFailedError` when the master marks it failed (the
   * old worker keeps serving), or resolves once a current worker exists that was not a worker
   * before. Rejects with `ReloadTimeoutError` when neither shows within the deadline.
   */
  async reload(options: { timeoutMs?: number; pollMs?: number } = {}): Promise<ReloadResult> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const pollMs = options.pollMs ?? 25;
    const before = await this.showProc();
    const previous = new Set(before.workers.map((w) => w.pid));
    const started = Date.now();
    const deadline = started + timeoutMs;
    // Without `quit`: the master closes the connection as it re-executes.
    await sendSocketCommand(this.socketPath, "reload", { timeoutMs: Math.max(1, deadline - Date.now()) });
    let seen: number | undefined;
    while (Date.now() < deadline) {
      let table: ProcTable | undefined;
      try {
        table = await this.showProc();
      } catch (error) {
        // The master socket may refuse connections for a moment while the master re-executes.
        if (!(error instanceof RuntimeConnectError)) throw error;
      }
      if (table) {
        seen = table.master.reloads;
        if (table.master.reloads > before.master.reloads) {
          if ((table.master.failed ?? 0) > 0) {
            throw new ReloadFailedError(
              table.master.failed ?? 0,
              table.master.reloads,
              table.workers.map((w) => w.pid),
            );
          }
          const fresh = table.workers.find((w) => !previous.has(w.pid));
          if (fresh) {
            return {
              reloads: table.master.reloads,
              workerPid: fresh.pid,
              previousWorkerPids: [...previous],
              tookMs: Date.now() - started,
            };
          }
        }
      }
      await delay(pollMs);
    }
    throw new ReloadTimeoutError(timeoutMs, before.master.reloads, seen);
  }
}

/**
 * An `AdminSocket` whose commands go to the current worker through the master CLI, for a node
 * that exposes only the master socket.
 */
export function adminVia(master: MasterCli): AdminSocket {
  return new AdminSocket({ address: `${master.socketPath} @1`, send: (command) => master.worker(command) });
}
