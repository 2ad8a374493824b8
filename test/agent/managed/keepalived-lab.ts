import { execFile, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { connectKeepalived, type KeepalivedNode } from "../../../src/agent/keepalived-node.js";
import { renderNodeFiles } from "../../../src/agent/managed/keepalived-plan.js";
import { livingPid, startKeepalived, stopKeepalived } from "../../../src/vrrp/keepalived-process.js";
import { parseVrrpPair } from "../../../src/vrrp/pair.js";
import { listsAddress, readVrrpStatus } from "../../../src/vrrp/vrrp-state.js";

const run = promisify(execFile);

/** The interface keepalived runs VRRP on, inside the lab's namespace; the pair files name it. */
export const LAB_INTERFACE = "lbga-v0";
/** The port of the stand-in HAProxy health endpoint, on the namespace's own loopback. */
export const HEALTH_PORT = 18829;

/**
 * A pair file for the lab: one VRRP interface in the namespace, the health check on the
 * namespace's loopback, the node `lb-1` (and an `lb-2` that never runs).
 */
export function labPair(vipLastOctet: number, over: { interface?: string } = {}): string {
  return `vip: 198.51.100.${vipLastOctet}/24
interface: ${over.interface ?? LAB_INTERFACE}
virtual_router_id: 61
advert_interval: 1
vrrp_version: 2
auth_pass: lbga
check:
  url: http://127.0.0.1:${HEALTH_PORT}/healthz
  interval: 1
  timeout: 1
  fall: 1
  rise: 2
nodes:
  - { name: lb-1, priority: 150 }
  - { name: lb-2, priority: 100 }
`;
}

/** Whether this machine can run the lab, and why not. */
export function labSupport(): { ok: true } | { ok: false; reason: string } {
  if (process.getuid?.() !== 0) return { ok: false, reason: "not running as root: `ip netns add` needs it" };
  const keepalived = spawnSync("keepalived", ["--version"], { encoding: "utf8" });
  if (keepalived.error) return { ok: false, reason: `keepalived cannot run: ${keepalived.error.message}` };
  return { ok: true };
}

/**
 * One keepalived node in a network namespace of its own (`lbga-…`), so that VRRP never reaches
 * the host's interfaces: a veth pair inside the namespace (both ends there; the VRRP side has
 * 198.51.100.1/24), loopback up, and a stand-in for HAProxy's health endpoint on the
 * namespace's loopback. keepalived's files live in a scratch directory, as the agent's
 * `--keepalived-dir`.
 */
export interface KeepalivedLab {
  ns: string;
  dir: string;
  pidFile: string;
  /** A `keepalived` that runs in the namespace, for `keepalived -t` ($LBGUARD_KEEPALIVED). */
  wrapper: string;
  /** The agent's view of this keepalived: `-t` and the VIP looked at inside the namespace. */
  node: KeepalivedNode;
  /** Writes the files `lbguard vrrp render` would for `lb-1` of the pair, as at a node's first start. */
  render(pairText: string): void;
  /** Starts keepalived on DIR/keepalived.conf; resolves with its pid. */
  start(): Promise<number>;
  /** Whether the namespace's VRRP interface has `address` now. */
  holds(address: string): Promise<boolean>;
  /** keepalived's own log, for failure messages. */
  log(): string;
  /** Stops every process this lab started, deletes the namespace and the scratch directory. */
  close(): Promise<void>;
}

/** Builds the lab; a namespace of the same name left by a crashed run is removed first. */
export async function openKeepalivedLab(ns: string): Promise<KeepalivedLab> {
  if (!ns.startsWith("lbga-")) throw new Error(`lab namespaces are named lbga-…, not ${ns}`);
  deleteNamespace(ns);
  const dir = mkdtempSync(join(tmpdir(), "lbga-keepalived-"));
  const pidFile = join(dir, "keepalived.pid");
  const wrapper = join(dir, "keepalived-in-netns");
  const logFile = join(dir, "keepalived.log");
  const started: number[] = [];
  try {
    await ip(["netns", "add", ns]);
    await ip(["-n", ns, "link", "set", "lo", "up"]);
    await ip(["-n", ns, "link", "add", LAB_INTERFACE, "type", "veth", "peer", "name", "lbga-v1"]);
    await ip(["-n", ns, "link", "set", LAB_INTERFACE, "up"]);
    await ip(["-n", ns, "link", "set", "lbga-v1", "up"]);
    await ip(["-n", ns, "addr", "add", "198.51.100.1/24", "dev", LAB_INTERFACE]);
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} keepalived "$@"\n`);
    chmodSync(wrapper, 0o755);
    started.push(await startHealthEndpoint(ns));
  } catch (error) {
    cleanUp(ns, dir, started);
    throw error;
  }

  const base = connectKeepalived({ dir, pidFile, keepalived: wrapper });
  const holds = async (address: string): Promise<boolean> => {
    const { stdout } = await run("ip", ["-n", ns, "-o", "-4", "addr", "show", "dev", LAB_INTERFACE]);
    return listsAddress(stdout, address);
  };
  const node: KeepalivedNode = {
    ...base,
    // With `ip` looking inside the namespace.
    status: (pair) => readVrrpStatus(pair, base.paths, pidFile, { netns: ns }),
  };
  return {
    ns,
    dir,
    pidFile,
    wrapper,
    node,
    render(pairText) {
      const files = renderNodeFiles(parseVrrpPair(pairText, "pair.yaml"), "lb-1", node.paths);
      for (const [name, mode] of [
        ["checkScript", 0o755],
        ["notifyScript", 0o755],
        ["conf", 0o644],
      ] as const) {
        writeFileSync(node.paths[name], files[name]);
        chmodSync(node.paths[name], mode);
      }
    },
    async start() {
      const pid = await startKeepalived({
        conf: node.paths.conf,
        pidFile,
        vrrpPidFile: join(dir, "keepalived-vrrp.pid"),
        logFile,
        netns: ns,
      });
      started.push(pid);
      return pid;
    },
    holds,
    log: () => {
      try {
        return readFileSync(logFile, "utf8");
      } catch {
        return "";
      }
    },
    async close() {
      const keepalived = livingPid(pidFile);
      if (keepalived !== undefined && started.includes(keepalived)) await stopKeepalived(keepalived, 3000);
      cleanUp(ns, dir, started);
    },
  };
}

/** A node HTTP server answering 200 on the namespace's loopback, as HAProxy's health endpoint would. */
async function startHealthEndpoint(ns: string): Promise<number> {
  const script = `require("node:http").createServer((q, s) => { s.writeHead(200); s.end("ok\\n"); }).listen(${HEALTH_PORT}, "127.0.0.1", () => console.log("ready"));`;
  const child = spawn("ip", ["netns", "exec", ns, process.execPath, "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the health endpoint exited with ${code}`)));
    child.stdout.once("data", () => resolve());
  });
  child.stdout.resume();
  child.unref();
  return child.pid!;
}

/** Kills what this lab started and what still runs in its namespace, then deletes both. */
function cleanUp(ns: string, dir: string, started: readonly number[]): void {
  const inside = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" });
  const pids = new Set([...started, ...(inside.stdout ?? "").split(/\s+/).filter(Boolean).map(Number)]);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  deleteNamespace(ns);
  rmSync(dir, { recursive: true, force: true });
}

function deleteNamespace(ns: string): void {
  const listed = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
  if (listed.split("\n").some((line) => line.split(" ")[0] === ns)) spawnSync("ip", ["netns", "del", ns]);
}

async function ip(args: string[]): Promise<void> {
  await run("ip", args);
}
