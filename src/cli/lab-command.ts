import { spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import { stopProcess } from "../haproxy/runtime/master-process.js";
import { bindAddresses, delay } from "../haproxy/runtime/process-helpers.js";
import type { InventoryRole } from "../inventory/inventory.js";
import { commandLinesOf, processCommand, workerPidsOf } from "../lab/process-command.js";
import type { LabServer } from "../lab/scenario.js";

export const LAB_HELP = `Usage: lbguard lab up FILE [--config CFG] [--dir DIR]
       lbguard lab down [--dir DIR]

Runs a lab on this machine: every server of FILE emulated on its own address (web servers
answer with an x-served-by header, database servers speak a database greeting, others accept
and close), and a real HAProxy in master-worker mode in front of them, until 'lab down'.

Commands:
  up FILE      start the lab in the background; FILE is a drill scenario (servers and the
               'before' config) or an inventory (then --config is required)
  down         stop the lab in DIR and everything it started
  run FILE     like 'up', but in the foreground until Ctrl-C or SIGTERM

Run 'lbguard lab COMMAND --help' for the options of a command.
`;

export const LAB_UP_HELP = `Usage: lbguard lab up [options] FILE

Starts a lab in the background and returns once HAProxy accepts connections: FILE's servers
emulated on their addresses, and HAProxy (master-worker) running the config with two global
lines added: an admin stats socket and a pid file. Prints where HAProxy listens, the servers,
the sockets and how to stop it.

Options:
  --config CFG         the haproxy.cfg to run (required when FILE is an inventory; for a
                       scenario it replaces 'before')
  --dir DIR            where the config, sockets, logs and lab.json go (default .lbguard/lab)
  --haproxy PATH       the haproxy binary (default: haproxy on PATH, or $LBGUARD_HAPROXY)
  -h, --help           show this help

Exit codes: 0 running, 1 the lab did not start (its log is printed), 2 usage or unreadable input.
`;

export const LAB_DOWN_HELP = `Usage: lbguard lab down [--dir DIR]

Stops the lab running in DIR (default .lbguard/lab): SIGTERM to the lab process, which stops
HAProxy and the servers; then SIGKILL to any process it recorded that is still there (the
HAProxy master and workers included). Removes DIR/lab.json. Stopping when no lab runs is not an
error.

Options:
  --dir DIR            the lab's directory (default .lbguard/lab)
  -h, --help           show this help
`;

export const LAB_RUN_HELP = `Usage: lbguard lab run [options] FILE

Runs a lab in the foreground (what 'lab up' starts in the background) until SIGINT or SIGTERM,
then stops HAProxy and the servers. Writes DIR/lab.json once everything is up.

Options:
  --config CFG         the haproxy.cfg to run (required when FILE is an inventory)
  --dir DIR            where the config, sockets and lab.json go (default .lbguard/lab)
  --haproxy PATH       the haproxy binary (default: haproxy on PATH, or $LBGUARD_HAPROXY)
  -h, --help           show this help
`;

/** The lab directory when none is given, under the current directory. */
export const DEFAULT_LAB_DIR = join(".lbguard", "lab");

/** How long `lab up` waits for the background process to report, in milliseconds. */
const UP_TIMEOUT_MS = 30_000;

/** Unix socket paths longer than this cannot be bound on Linux (sun_path is 108 bytes). */
const MAX_SOCKET_PATH = 107;

/** What a running lab records in `DIR/lab.json`, for `lab up` to print and `lab down` to stop. */
export interface LabRecord {
  /** The lab process (`lbguard lab run`). */
  pid: number;
  file: string;
  dir: string;
  configPath: string;
  masterSocket: string;
  adminSocket: string;
  log: string;
  haproxy: {
    masterPid: number;
    workerPids: number[];
    /** `host:port` of every bind of the config. */
    listens: string[];
  };
  servers: { name: string; role: InventoryRole; address: string }[];
  /**
   * The command line of each recorded PID when the lab started, so that `lab down` never
   * signals an unrelated process that reused a PID.
   */
  commands: Record<string, string>;
  startedAt: string;
}

/** Test seams: how the background process is started, and what stops a foreground run. */
export interface LabCommandOptions {
  /** The command that runs `lbguard` (default: this Node binary and the built CLI entry). */
  runner?: string[];
  /** Ends `lab run` when aborted, as SIGTERM does. */
  signal?: AbortSignal;
}

/** `lbguard lab up|down|run`: returns the exit code. */
export async function labCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  options: LabCommandOptions = {},
): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case "up":
      return labUp(rest, out, err, options);
    case "down":
      return labDown(rest, out);
    case "run":
      return labRun(rest, out, options);
    case undefined:
    case "-h":
    case "--help":
      out(LAB_HELP);
      return sub === undefined ? 2 : 0;
    default:
      throw new LbguardError("LBG_USAGE", { detail: `unknown lab command '${sub}' (up, down or run)` });
  }
}

const INPUT_OPTIONS = {
  config: { type: "string" },
  dir: { type: "string" },
  haproxy: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

async function labUp(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  options: LabCommandOptions,
): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: INPUT_OPTIONS });
  if (values.help) {
    out(LAB_UP_HELP);
    return 0;
  }
  const file = onePositional(positionals, "up");
  // Read here as well as in the background, so that a bad file is reported at once with exit 2.
  await loadLabInput(file, values.config);
  const dir = labDir(values.dir);
  refuseIfRunning(dir, err);
  const runner = options.runner ?? defaultRunner();

  mkdirSync(dir, { recursive: true });
  const log = join(dir, "lab.log");
  const logFd = openSync(log, "w");
  const args = [...runner.slice(1), "lab", "run", resolve(file), "--dir", dir];
  if (values.config !== undefined) args.push("--config", resolve(values.config));
  if (values.haproxy !== undefined) args.push("--haproxy", values.haproxy);
  const child = spawn(runner[0] as string, args, { detached: true, stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);
  let exit: string | undefined;
  child.once("exit", (code, signal) => {
    exit = signal ?? `code ${code}`;
  });
  child.once("error", (error) => {
    exit = error.message;
  });
  child.unref();

  const deadline = Date.now() + UP_TIMEOUT_MS;
  let record: LabRecord | undefined;
  while (Date.now() < deadline && exit === undefined) {
    record = readRecord(dir);
    if (record?.pid === child.pid) break;
    record = undefined;
    await delay(50);
  }
  if (!record) {
    if (exit === undefined && child.pid !== undefined) await stopProcess(child.pid, 5_000);
    err(
      `lbguard: the lab did not start (${exit === undefined ? `no lab.json within ${UP_TIMEOUT_MS / 1000} s` : `it exited, ${exit}`}); its log, ${log}:\n`,
    );
    err(readText(log).trimEnd() ? `${readText(log).trimEnd()}\n` : "(empty)\n");
    return 1;
  }
  out(describeLab(record));
  out(`Stop it with: lbguard lab down --dir ${dir}\n`);
  return 0;
}

async function labRun(argv: string[], out: (s: string) => void, options: LabCommandOptions): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: INPUT_OPTIONS });
  if (values.help) {
    out(LAB_RUN_HELP);
    return 0;
  }
  const file = onePositional(positionals, "run");
  const input = await loadLabInput(file, values.config);
  const dir = labDir(values.dir);
  refuseIfRunning(dir, () => {});

  let resolveStop: (signal: string) => void = () => {};
  const stopped = new Promise<string>((resolvePromise) => {
    resolveStop = resolvePromise;
  });
  const term = (): void => resolveStop("SIGTERM");
  const int = (): void => resolveStop("SIGINT");
  const abort = (): void => resolveStop("aborted");
  process.once("SIGTERM", term);
  process.once("SIGINT", int);
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener("abort", abort, { once: true });

  const recordPath = join(dir, "lab.json");
  try {
    // Loaded only when asked for, as the other commands load the YAML library.
    const { startLab } = await import("../lab/lab.js");
    const lab = await startLab({
      servers: input.servers,
      config: input.config,
      dir,
      detachedHaproxy: true,
      ...(values.haproxy !== undefined ? { haproxyBinary: values.haproxy } : {}),
    });
    try {
      const workerPids = await workerPidsOf(lab.masterSocket, 2_000);
      const record: LabRecord = {
        pid: process.pid,
        file: resolve(file),
        dir,
        configPath: lab.configPath,
        masterSocket: lab.masterSocket,
        adminSocket: lab.adminSocket,
        log: join(dir, "lab.log"),
        haproxy: {
          masterPid: lab.haproxy.pid,
          workerPids,
          listens: bindAddresses(readText(lab.configPath), lab.configPath).map((a) => `${a.host}:${a.port}`),
        },
        servers: input.servers.map((s) => ({ name: s.name, role: s.role, address: s.address })),
        commands: commandLinesOf([process.pid, lab.haproxy.pid, ...workerPids]),
        startedAt: new Date().toISOString(),
      };
      // Written whole then renamed, so that 'lab up' never reads half a file.
      writeFileSync(`${recordPath}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
      renameSync(`${recordPath}.tmp`, recordPath);
      out(describeLab(record));
      const signal = await stopped;
      out(`lab: ${signal}, stopping\n`);
    } finally {
      await lab.stop();
    }
  } finally {
    if (readRecord(dir)?.pid === process.pid) rmSync(recordPath, { force: true });
    process.off("SIGTERM", term);
    process.off("SIGINT", int);
    options.signal?.removeEventListener("abort", abort);
  }
  out("lab: stopped\n");
  return 0;
}

async function labDown(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { dir: INPUT_OPTIONS.dir, help: INPUT_OPTIONS.help },
  });
  if (values.help) {
    out(LAB_DOWN_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new LbguardError("LBG_USAGE", { detail: "lab down takes no file, only --dir DIR" });
  }
  const dir = labDir(values.dir);
  const recordPath = join(dir, "lab.json");
  const record = readRecord(dir);
  if (!record) {
    if (existsSync(recordPath)) {
      throw new LbguardError("LBG_UNREADABLE_INPUT", {
        path: recordPath,
        reason: "not a lab record; stop the processes by hand and delete the file",
      });
    }
    out(`no lab is running in ${dir}\n`);
    return 0;
  }
  const same = (pid: number): boolean => {
    const recorded = record.commands[String(pid)];
    return recorded === undefined || processCommand(pid) === recorded;
  };
  if (same(record.pid)) await stopProcess(record.pid, 10_000);
  const leftovers = [record.haproxy.masterPid, ...record.haproxy.workerPids].filter(
    (pid) => processCommand(pid) !== undefined && same(pid),
  );
  // The lab process stops HAProxy itself; these only remain when it could not (it was killed).
  for (const pid of leftovers) await stopProcess(pid, 2_000).catch(() => undefined);
  rmSync(recordPath, { force: true });
  out(
    `stopped the lab in ${dir} (lab pid ${record.pid}, haproxy master ${record.haproxy.masterPid}` +
      `${leftovers.length > 0 ? `; killed leftovers ${leftovers.join(", ")}` : ""})\n`,
  );
  return 0;
}

/** What a lab runs: the servers and the config text. */
interface LabInput {
  servers: LabServer[];
  config: string;
}

/**
 * Reads FILE as a scenario when it has a `before:` config, otherwise as an inventory, for which
 * `--config` must name the haproxy.cfg. `--config` also replaces a scenario's `before`.
 */
async function loadLabInput(file: string, configFile: string | undefined): Promise<LabInput> {
  const text = readText(file, true);
  const config = configFile === undefined ? undefined : readText(configFile, true);
  // Loaded only when asked for: the YAML library is most of lbguard's start-up time.
  const { isScenarioText, parseScenario, readLabServers } = await import("../lab/scenario.js");
  if (isScenarioText(text)) {
    const scenario = parseScenario(text, file);
    return { servers: scenario.servers, config: config ?? scenario.before };
  }
  const servers = readLabServers(text, file);
  if (config === undefined) {
    throw new LbguardError("LBG_USAGE", {
      detail: `${file} is an inventory, not a scenario: name the haproxy.cfg to run with --config CFG`,
    });
  }
  return { servers, config };
}

function onePositional(positionals: string[], sub: string): string {
  if (positionals.length !== 1) {
    throw new LbguardError("LBG_USAGE", {
      detail: `lab ${sub} needs one FILE, a drill scenario or an inventory (got ${positionals.length})`,
    });
  }
  return positionals[0] as string;
}

function labDir(given: string | undefined): string {
  const dir = resolve(given ?? DEFAULT_LAB_DIR);
  if (join(dir, "master.sock").length > MAX_SOCKET_PATH) {
    throw new LbguardError("LBG_USAGE", {
      detail: `the lab directory ${dir} is too long for a Unix socket path: choose a shorter --dir`,
    });
  }
  return dir;
}

/** Usage error when a live lab owns the directory; a record left by a dead one is removed. */
function refuseIfRunning(dir: string, err: (s: string) => void): void {
  const record = readRecord(dir);
  if (!record) return;
  const recorded = record.commands[String(record.pid)];
  const current = processCommand(record.pid);
  if (current !== undefined && (recorded === undefined || current === recorded)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `a lab is already running in ${dir} (pid ${record.pid}, started ${record.startedAt}); stop it with 'lbguard lab down --dir ${dir}'`,
    });
  }
  err(`lbguard: removing the record of a lab that is no longer running (pid ${record.pid})\n`);
  rmSync(join(dir, "lab.json"), { force: true });
}

function readRecord(dir: string): LabRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(join(dir, "lab.json"), "utf8")) as LabRecord;
    return typeof record.pid === "number" && typeof record.haproxy?.masterPid === "number"
      ? record
      : undefined;
  } catch {
    return undefined;
  }
}

function readText(path: string, required = false): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (!required) return "";
    throw new LbguardError(
      "LBG_UNREADABLE_INPUT",
      { path, reason: (error as Error).message },
      { cause: error },
    );
  }
}

/**
 * The built CLI entry beside this module (dist/cli/bin.js); when this module runs from its
 * TypeScript source, the build output of the same checkout.
 */
export function defaultRunner(): string[] {
  const here = fileURLToPath(import.meta.url);
  const entry = here.endsWith(".ts")
    ? resolve(dirname(here), "..", "..", "dist", "cli", "bin.js")
    : join(dirname(here), "bin.js");
  if (!existsSync(entry)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `cannot start the lab in the background: ${entry} is missing (run 'npm run build' first)`,
    });
  }
  return [process.execPath, entry];
}

/** Where the lab listens and what it runs, for a person. */
function describeLab(record: LabRecord): string {
  const width = Math.max(...record.servers.map((s) => s.name.length), 4);
  const lines = [
    `lab running in ${record.dir} (pid ${record.pid})`,
    `  haproxy  listens on ${record.haproxy.listens.join(", ") || "(no TCP bind)"}`,
    `           master pid ${record.haproxy.masterPid}, workers ${record.haproxy.workerPids.join(", ") || "?"}`,
    `           config ${record.configPath}`,
    "  servers",
    ...record.servers.map((s) => `    ${s.name.padEnd(width)}  ${s.role.padEnd(5)}  ${s.address}`),
    `  sockets  master CLI ${record.masterSocket}`,
    `           admin      ${record.adminSocket}`,
    `  log      ${record.log}`,
  ];
  return `${lines.join("\n")}\n`;
}
