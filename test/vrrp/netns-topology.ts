import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A private network for the redundant-pair tests, made of network namespaces: one namespace
 * holds a Linux bridge, and every node (two load balancers, two web servers, a client, the
 * control plane) is a namespace of its own joined to that bridge by a veth pair whose bridge end
 * stays in the bridge namespace and whose other end is `eth0` in the node. Nothing is created in
 * the host's namespace, so the host's interfaces are never touched. Addresses come from
 * 198.51.100.0/24 (TEST-NET-2) and exist only inside these namespaces.
 *
 * Every name starts with `lbgv-<pid>-<run>-`, so namespaces left by a crashed run are recognised
 * (their pid is gone) and removed by the next one. Processes are started with `ip netns exec NS
 * …`, which execs the command, so the PID we hold is the program's own. Tear-down kills them
 * (SIGTERM, then SIGKILL), kills whatever else still lives in our namespaces (HAProxy workers,
 * keepalived's children and scripts), deletes the namespaces (which deletes their veth ends and
 * the bridge) and checks that nothing is left. It is synchronous, so it also runs from an exit
 * or signal handler when a test fails or the run is interrupted.
 */

/** The nodes of the topology and the last octet of each one's address. */
export const NODE_ADDRESSES = { ctl: 2, lb1: 11, lb2: 12, web1: 21, web2: 22, client: 50 } as const;
export type NodeName = keyof typeof NODE_ADDRESSES;
export const NODE_NAMES = Object.keys(NODE_ADDRESSES) as NodeName[];

/** The private network's prefix, its mask, and the virtual IP the pair shares. */
export const SUBNET = "198.51.100";
export const PREFIX_LENGTH = 24;
export const VIP = `${SUBNET}.100`;

/** A node's address on the private network. */
export function nodeAddress(node: NodeName): string {
  return `${SUBNET}.${NODE_ADDRESSES[node]}`;
}

const NAME_PREFIX = "lbgv-";
const RUN_NAME = /^lbgv-(\d+)-/;
/** How long a SIGTERM'd process gets before SIGKILL, in tear-down. */
const TERM_GRACE_MS = 3_000;

/** One process the topology started inside a namespace. */
export interface NetnsProcess {
  /** A short label, also the name of its log file. */
  label: string;
  node: NodeName;
  pid: number;
  /** Its stdout and stderr, appended. */
  log: string;
  child: ChildProcess;
  /** Resolves when it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** What a command run to completion printed. */
export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** What tear-down left behind; all empty when it worked. */
export interface Leftovers {
  namespaces: string[];
  processes: number[];
  /** Interfaces of the names we create that the host's own namespace has now and had not before. */
  links: string[];
}

/** Whether this machine lets us build the topology, and why not when it does not. */
export function netnsSupport(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: "not running as root: `ip netns add` needs it" };
  const probe = `${NAME_PREFIX}${process.pid}-probe`;
  const added = spawnSync("ip", ["netns", "add", probe], { encoding: "utf8" });
  if (added.error || added.status !== 0) {
    return {
      ok: false,
      reason: `\`ip netns add\` failed: ${added.error?.message ?? added.stderr.trim()}`,
    };
  }
  spawnSync("ip", ["netns", "del", probe]);
  return { ok: true };
}

/** Live topologies of this process, for the exit and signal handlers. */
const live = new Set<NetnsTopology>();
let hooksInstalled = false;

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on("exit", () => {
    for (const topology of live) topology.teardown();
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      for (const topology of live) topology.teardown();
      process.kill(process.pid, signal);
    });
  }
}

export class NetnsTopology {
  /** The prefix of every namespace name of this run, e.g. `lbgv-4242-1-`. */
  readonly runPrefix: string;
  private readonly processes = new Set<NetnsProcess>();
  /** Every PID seen in our namespaces, so tear-down can check they are gone. */
  private readonly seenPids = new Set<number>();
  private tornDown = false;
  /** The host's interface names before we built anything. */
  private readonly hostLinksBefore = new Set(hostLinkNames());

  private constructor(
    /** Where logs and per-node files go. */
    readonly dir: string,
    run: number,
  ) {
    this.runPrefix = `${NAME_PREFIX}${process.pid}-${run}-`;
  }

  /**
   * Removes stale namespaces of crashed runs, then builds the bridge and the nodes with their
   * addresses, `lo` up everywhere. Logs go to DIR/logs.
   */
  static create(dir: string): NetnsTopology {
    removeStaleNamespaces();
    const topology = new NetnsTopology(dir, ++runCounter);
    mkdirSync(join(dir, "logs"), { recursive: true });
    installExitHooks();
    live.add(topology);
    try {
      topology.build();
    } catch (error) {
      topology.teardown();
      throw error;
    }
    return topology;
  }

  /** The namespace of a node, or of the bridge. */
  ns(node: NodeName | "bridge"): string {
    return `${this.runPrefix}${node}`;
  }

  private namespaces(): string[] {
    return [...NODE_NAMES.map((n) => this.ns(n)), this.ns("bridge")];
  }

  private build(): void {
    const bridge = this.ns("bridge");
    ip("netns", "add", bridge);
    ip("-n", bridge, "link", "set", "lo", "up");
    ip("-n", bridge, "link", "add", "br0", "type", "bridge");
    ip("-n", bridge, "link", "set", "br0", "up");
    for (const node of NODE_NAMES) {
      const ns = this.ns(node);
      ip("netns", "add", ns);
      // Created inside the bridge namespace with its peer put straight into the node: the
      // host's namespace never holds either end.
      ip("-n", bridge, "link", "add", `v-${node}`, "type", "veth", "peer", "name", "eth0", "netns", ns);
      ip("-n", bridge, "link", "set", `v-${node}`, "master", "br0", "up");
      ip("-n", ns, "link", "set", "lo", "up");
      ip("-n", ns, "addr", "add", `${nodeAddress(node)}/${PREFIX_LENGTH}`, "dev", "eth0");
      ip("-n", ns, "link", "set", "eth0", "up");
    }
  }

  /**
   * Starts `argv` inside a node's namespace, its output appended to DIR/logs/LABEL.log. The
   * process is tracked for tear-down.
   */
  spawn(node: NodeName, label: string, argv: string[], env: NodeJS.ProcessEnv = process.env): NetnsProcess {
    if (this.tornDown) throw new Error(`the topology ${this.runPrefix} is torn down`);
    const log = join(this.dir, "logs", `${label}.log`);
    const fd = openSync(log, "a");
    const child = spawn("ip", ["netns", "exec", this.ns(node), ...argv], {
      stdio: ["ignore", fd, fd],
      env,
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${label}: ${argv.join(" ")}`);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once("exit", (code, signal) => resolve({ code, signal }));
      child.once("error", () => resolve({ code: null, signal: null }));
    });
    const started: NetnsProcess = { label, node, pid: child.pid, log, child, exited };
    this.processes.add(started);
    this.seenPids.add(child.pid);
    void exited.then(() => this.processes.delete(started));
    return started;
  }

  /** Runs `argv` in a node's namespace to completion (killed after `timeoutMs`). */
  exec(node: NodeName, argv: string[], timeoutMs = 30_000): Promise<ExecResult> {
    return new Promise((resolve) => {
      const child = spawn("ip", ["netns", "exec", this.ns(node), ...argv], {
        stdio: ["ignore", "pipe", "pipe"],
        timeout: timeoutMs,
        killSignal: "SIGKILL",
      });
      if (child.pid !== undefined) this.seenPids.add(child.pid);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("error", (error) => resolve({ code: null, stdout, stderr: `${stderr}${error.message}` }));
      child.once("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** The IPv4 addresses on a node's `eth0`. */
  addresses(node: NodeName): string[] {
    const shown = ip("-n", this.ns(node), "-o", "-4", "addr", "show", "dev", "eth0");
    return [...shown.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!);
  }

  /** PIDs of every process living in a node's namespace now. */
  pidsIn(node: NodeName | "bridge"): number[] {
    return namespacePids(this.ns(node));
  }

  /**
   * Sends `signal` to a tracked process and waits up to `timeoutMs` for it to exit; SIGKILL
   * after that. Resolves once it has exited.
   */
  async stop(
    proc: NetnsProcess,
    signal: NodeJS.Signals = "SIGTERM",
    timeoutMs = TERM_GRACE_MS,
  ): Promise<void> {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    signalPid(proc.pid, signal);
    const timer = setTimeout(() => signalPid(proc.pid, "SIGKILL"), timeoutMs);
    await proc.exited;
    clearTimeout(timer);
  }

  /**
   * Kills every process we started and everything else in our namespaces, deletes the
   * namespaces, and reports what is left (nothing, when it worked). Safe to call twice.
   */
  teardown(): Leftovers {
    if (!this.tornDown) {
      this.tornDown = true;
      live.delete(this);
      const tracked = [...this.processes].map((p) => p.pid);
      for (const ns of this.namespaces()) for (const pid of namespacePids(ns)) this.seenPids.add(pid);
      killAll(tracked);
      for (const ns of this.namespaces()) killNamespace(ns);
      for (const ns of this.namespaces()) spawnSync("ip", ["netns", "del", ns]);
    }
    return this.leftovers();
  }

  /** Our namespaces that still exist, our processes still alive, and links of ours on the host. */
  leftovers(): Leftovers {
    const names = new Set(this.namespaces());
    const ourLinks = new Set(["br0", "eth0", ...NODE_NAMES.map((n) => `v-${n}`)]);
    return {
      namespaces: listNamespaces().filter((ns) => names.has(ns)),
      processes: [...this.seenPids].filter(isAlive),
      links: hostLinkNames().filter((link) => ourLinks.has(link) && !this.hostLinksBefore.has(link)),
    };
  }
}

let runCounter = 0;

/** Runs `ip ARGS` synchronously; throws with its stderr when it fails. */
function ip(...args: string[]): string {
  const result = spawnSync("ip", args, { encoding: "utf8", timeout: 10_000 });
  if (result.error || result.status !== 0) {
    throw new Error(`ip ${args.join(" ")} failed: ${result.error?.message ?? result.stderr.trim()}`);
  }
  return result.stdout;
}

/** The interface names of the namespace this process runs in (the host's). */
function hostLinkNames(): string[] {
  const shown = spawnSync("ip", ["-o", "link", "show"], { encoding: "utf8" }).stdout;
  return [...shown.matchAll(/^\d+: ([^:@]+)[:@]/gm)].map((m) => m[1]!);
}

function listNamespaces(): string[] {
  const result = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  return result.stdout
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter(Boolean);
}

function namespacePids(ns: string): number[] {
  const result = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" });
  if (result.status !== 0) return [];
  return result.stdout.split(/\s+/).filter(Boolean).map(Number).filter(isAlive);
}

/** Alive and not a zombie (a zombie holds no namespace and is gone once reaped). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Sends a signal, ignoring a process that is already gone. */
export function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** SIGTERM, up to TERM_GRACE_MS for them to go, then SIGKILL for the rest. */
function killAll(pids: number[]): void {
  for (const pid of pids) signalPid(pid, "SIGTERM");
  for (const deadline = Date.now() + TERM_GRACE_MS; pids.some(isAlive) && Date.now() < deadline;)
    sleepSync(50);
  for (const pid of pids.filter(isAlive)) signalPid(pid, "SIGKILL");
}

/** SIGKILLs whatever lives in a namespace until it is empty (at most a few seconds). */
function killNamespace(ns: string): void {
  for (let round = 0; round < 50; round++) {
    const pids = namespacePids(ns);
    if (pids.length === 0) return;
    for (const pid of pids) signalPid(pid, "SIGKILL");
    sleepSync(50);
  }
}

/**
 * Deletes namespaces of earlier runs whose process is gone (a crash or a SIGKILL'd test
 * worker), killing what still runs in them first.
 */
function removeStaleNamespaces(): void {
  for (const ns of listNamespaces()) {
    const owner = RUN_NAME.exec(ns)?.[1];
    if (owner === undefined) continue;
    const ownerPid = Number(owner);
    const ours = ownerPid === process.pid && [...live].some((t) => ns.startsWith(t.runPrefix));
    if (ours || (ownerPid !== process.pid && isAlive(ownerPid))) continue;
    killNamespace(ns);
    spawnSync("ip", ["netns", "del", ns]);
  }
}

/** The PIDs whose parent is `pid`, from /proc. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return children;
}
