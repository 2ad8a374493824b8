import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../agent/atomic-file.js";
import { LbguardError } from "../errors.js";
import { stopProcess } from "../haproxy/runtime/master-process.js";
import { processCommand, workerPidsOf } from "../lab/process-command.js";

/** The file a running demo keeps in its directory. */
export const DEMO_RECORD = "demo.json";

/**
 * Marks a directory as the demo's, so that a later start may wipe it: never a directory that
 * holds anything else.
 */
const DEMO_MARKER = ".lbguard-demo";

/** What `DIR/demo.json` holds while a demo runs, for a second start or `--stop` to clean up. */
export interface DemoRecord {
  /** The process running the demo (the CLI, or a test's). */
  pid: number;
  dir: string;
  /** The control plane, `http://HOST:PORT`. */
  url: string;
  /** Where the load balancers listen. */
  frontendUrl: string;
  /** Each node's HAProxy master and its workers at start. */
  haproxy: { node: string; masterPid: number; masterSocket: string; workerPids: number[] }[];
  /** The command line of each recorded PID when the demo started. */
  commands: Record<string, string>;
  startedAt: string;
}

/** The record of `dir`, or undefined when there is none or it is not a demo record. */
export function readDemoRecord(dir: string): DemoRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(join(dir, DEMO_RECORD), "utf8")) as DemoRecord;
    return typeof record.pid === "number" && Array.isArray(record.haproxy) ? record : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the record whole, so that no reader sees half a file. */
export function writeDemoRecord(record: DemoRecord): void {
  writeFileAtomic(join(record.dir, DEMO_RECORD), `${JSON.stringify(record, null, 2)}\n`);
}

/** Removes the record when it is still the one of `pid` (a newer demo may own the directory). */
export function removeDemoRecord(dir: string, pid: number): void {
  if (readDemoRecord(dir)?.pid === pid) rmSync(join(dir, DEMO_RECORD), { force: true });
}

/** True while the PID runs `recorded` (or nothing was recorded for it, or /proc cannot tell). */
function runsRecorded(pid: number, recorded: string | undefined): boolean {
  const current = processCommand(pid);
  if (current === undefined) return false;
  return recorded === undefined || current === "" || current === recorded;
}

/** True while the PID runs the command line the record holds for it. */
function stillRecorded(record: DemoRecord, pid: number): boolean {
  return runsRecorded(pid, record.commands[String(pid)]);
}

/** True when the process that wrote the record still runs. */
export function demoRunning(record: DemoRecord): boolean {
  return stillRecorded(record, record.pid);
}

/**
 * The current worker PIDs of each recorded master that still runs, from its master CLI, with
 * the workers recorded at start. Workers are forked from the master, so they share its
 * command line.
 */
async function haproxyPids(record: DemoRecord): Promise<{ pid: number; command: string | undefined }[]> {
  const pids: { pid: number; command: string | undefined }[] = [];
  for (const node of record.haproxy) {
    const command = record.commands[String(node.masterPid)];
    const workers = stillRecorded(record, node.masterPid) ? await workerPidsOf(node.masterSocket, 1_000) : [];
    pids.push({ pid: node.masterPid, command });
    for (const pid of new Set([...node.workerPids, ...workers])) pids.push({ pid, command });
  }
  return pids;
}

/**
 * Stops the HAProxy processes a demo recorded that still run with their recorded command line:
 * masters first (each stops its workers), then any worker left. Returns the PIDs it signalled.
 */
export async function stopLeftovers(record: DemoRecord): Promise<number[]> {
  const signalled: number[] = [];
  for (const { pid, command } of await haproxyPids(record)) {
    if (!runsRecorded(pid, command)) continue;
    signalled.push(pid);
    await stopProcess(pid, 3_000).catch(() => undefined);
  }
  return signalled;
}

/**
 * Makes `dir` ready for a new demo: refuses (LBG_USAGE) while a demo runs there, stops what a
 * demo that died left running, then empties the directory, which must be new, empty, or one a
 * demo made.
 */
export async function prepareDemoDir(
  dir: string,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  const record = readDemoRecord(dir);
  if (record && demoRunning(record)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `a demo is already running in ${dir} (pid ${record.pid}, started ${record.startedAt}, ${record.url}); stop it with Ctrl-C in its terminal or 'lbguard demo --stop --dir ${dir}'`,
    });
  }
  if (record) {
    const killed = await stopLeftovers(record);
    log(
      `removing the demo that stopped without cleaning up in ${dir} (pid ${record.pid})${killed.length > 0 ? `; stopped its HAProxy processes ${killed.join(", ")}` : ""}`,
    );
  }
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, DEMO_MARKER))) {
    throw new LbguardError("LBG_USAGE", {
      detail: `${dir} is not empty and was not made by 'lbguard demo', which empties its directory at start: choose another --dir`,
    });
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, DEMO_MARKER), "made by 'lbguard demo', which empties this directory at start\n");
}

/**
 * Stops the demo running in `dir` from another process (`lbguard demo --stop`): SIGTERM to the
 * demo process, which stops everything it started (SIGKILL after `timeoutMs`), then whatever
 * HAProxy it recorded is still there. Returns what it did, or undefined when no demo record
 * is there.
 */
export async function stopDemoIn(
  dir: string,
  timeoutMs = 15_000,
): Promise<{ record: DemoRecord; wasRunning: boolean; leftovers: number[] } | undefined> {
  const record = readDemoRecord(dir);
  if (!record) return undefined;
  const wasRunning = demoRunning(record);
  if (wasRunning && record.pid !== process.pid) await stopProcess(record.pid, timeoutMs);
  const leftovers = await stopLeftovers(record);
  rmSync(join(dir, DEMO_RECORD), { force: true });
  return { record, wasRunning, leftovers };
}
