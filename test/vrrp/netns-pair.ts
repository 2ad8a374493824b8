import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { StoredEvent } from "../../src/control/api-types.js";
import { keepalivedConfPath, nodePaths, type NodePaths } from "../../src/vrrp/render-keepalived.js";
import { until } from "../helpers.js";
import { readLoad, type LoadRecord } from "./netns-load.js";
import {
  childrenOf,
  isAlive,
  nodeAddress,
  signalPid,
  VIP,
  type ExecResult,
  type NetnsProcess,
  type NetnsTopology,
} from "./netns-topology.js";

/**
 * The redundant pair on top of the namespaces: two web servers, HAProxy and keepalived in each
 * load-balancer namespace, `lbguard serve` in the control namespace, an agent beside each
 * HAProxy, and a load client sending steady requests to the VIP. Everything runs from the
 * built CLI (`npm run build`), as it runs on real machines.
 */

export const CLI = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));
const WEB_SERVER = fileURLToPath(new URL("./netns-web-server.mjs", import.meta.url));
const LOAD_CLIENT = fileURLToPath(new URL("./netns-load-client.mjs", import.meta.url));

/** The load-balancer namespaces and the control plane's names for them. */
export const LB_NAMES = { lb1: "lb-1", lb2: "lb-2" } as const;
export type LbNode = keyof typeof LB_NAMES;
export const LB_NODES = Object.keys(LB_NAMES) as LbNode[];

export const CONTROL_URL = `http://${nodeAddress("ctl")}:8700`;
const WEB_PORT = 8080;
/** Requests per second of the load client, and how long it waits for an answer. */
export const LOAD_RPS = 100;
export const LOAD_TIMEOUT_MS = 2_000;

/**
 * The haproxy.cfg both nodes run (version 1 of the cluster, `extraDefaults` makes a change).
 * - `www` binds `*:80`, so a backup's HAProxy runs before the VIP reaches it, with
 *   `transparent`, so a node that has just given the VIP away can still send the answers to the
 *   requests it accepted (the kernel refuses to send from an address the node no longer has,
 *   and those requests would hang). `x-lb` names the node that answered, from the environment
 *   each HAProxy is started with.
 * - `health` answers keepalived's check on loopback. It comes after `www`: the gate predicts
 *   with the traffic on the first frontend.
 * - No path is per node (the nodes share one filesystem): the master socket and the pid file
 *   come from the command line, and runtime commands go through the master CLI.
 */
export function haproxyConfig(extraDefaults = ""): string {
  return `global
    maxconn 4000

defaults
    mode http
    option forwardfor
    timeout connect 1s
    timeout client 5s
    timeout server 5s
${extraDefaults}
frontend www
    bind *:80 transparent
    http-response set-header x-lb %[env(LBGV_NODE)]
    default_backend web

frontend health
    bind 127.0.0.1:8404
    monitor-uri /healthz

backend web
    balance roundrobin
    option httpchk GET /health
    server web1 ${nodeAddress("web1")}:${WEB_PORT} check inter 1s fall 2 rise 2
    server web2 ${nodeAddress("web2")}:${WEB_PORT} check inter 1s fall 2 rise 2
`;
}

/**
 * The pair file: lb-1 preferred, VRRPv2 with a 1 s advert, the health check every second with
 * one failure enough for FAULT (the check is what finds a dead HAProxy within the 3 s goal).
 */
export function pairFile(): string {
  return `vip: ${VIP}/24
interface: eth0
virtual_router_id: 51
advert_interval: 1
vrrp_version: 2
auth_pass: lbgv-pw
check:
  url: http://127.0.0.1:8404/healthz
  interval: 1
  timeout: 1
  fall: 1
  rise: 2
nodes:
  - { name: ${LB_NAMES.lb1}, priority: 150 }
  - { name: ${LB_NAMES.lb2}, priority: 100 }
`;
}

/**
 * Keeps a node answering the connections it accepted after the VIP has left it. keepalived
 * removes the VIP at once; the client's next packets of a connection already accepted (the
 * request that follows the handshake, an ACK) still arrive at this node until the new holder's
 * gratuitous ARP, and the kernel drops them as addressed to someone else, so the request is
 * lost (reset by the new holder later). These rules deliver locally every TCP packet that
 * belongs to an existing transparent socket of this node (HAProxy binds `transparent`); a
 * new connection finds only the wildcard listener, is not marked, and goes to the VIP's holder.
 */
const STEER_OWN_CONNECTIONS = `table ip lbguard_vip_steer {
  chain prerouting {
    type filter hook prerouting priority mangle; policy accept;
    meta l4proto tcp socket transparent 1 socket wildcard 0 meta mark set 0x1
  }
}
`;

/** A running load client and its output. */
export interface LoadRun {
  proc: NetnsProcess;
  file: string;
  /** The requests finished so far. */
  records(): LoadRecord[];
  /** Stops it (waiting for the requests in flight) and returns every request. */
  stop(): Promise<LoadRecord[]>;
}

/** Where one load-balancer node keeps its files. */
export interface LbPaths {
  dir: string;
  config: string;
  masterSocket: string;
  haproxyPid: string;
  keepalivedDir: string;
  keepalivedConf: string;
  /** The check and notify scripts, the maintenance flag and the state file, as the agent keeps them. */
  vrrp: NodePaths;
  keepalivedPid: string;
  vrrpPid: string;
  data: string;
}

export class PairLab {
  readonly haproxy = new Map<LbNode, NetnsProcess>();
  readonly keepalived = new Map<LbNode, NetnsProcess>();
  readonly agents = new Map<LbNode, NetnsProcess>();
  /** API tokens by holder: `admin`, `alice` (operator), `bob` (approver), and each node's. */
  readonly tokens: Record<string, string> = {};
  private loads = 0;

  constructor(readonly topo: NetnsTopology) {}

  paths(lb: LbNode): LbPaths {
    const dir = join(this.topo.dir, lb);
    const keepalivedDir = join(dir, "keepalived");
    return {
      dir,
      config: join(dir, "haproxy.cfg"),
      masterSocket: join(dir, "master.sock"),
      haproxyPid: join(dir, "haproxy.pid"),
      keepalivedDir,
      keepalivedConf: keepalivedConfPath(keepalivedDir),
      vrrp: nodePaths(keepalivedDir),
      keepalivedPid: join(dir, "keepalived.pid"),
      vrrpPid: join(dir, "keepalived-vrrp.pid"),
      data: join(dir, "data"),
    };
  }

  /** Starts both web servers and waits until each listens. */
  async startWebServers(): Promise<void> {
    const started = (["web1", "web2"] as const).map((web) =>
      this.topo.spawn(web, web, [process.execPath, WEB_SERVER, web, nodeAddress(web), String(WEB_PORT)]),
    );
    for (const proc of started) {
      await until(`${proc.label} to listen`, 15_000, () => readLog(proc).includes("listening"));
    }
  }

  /**
   * Writes the node's first files: haproxy.cfg (version 1) and, through `lbguard vrrp render`
   * in its namespace, keepalived.conf with its check and notify scripts.
   */
  async prepareNode(lb: LbNode, config: string, pairPath: string): Promise<void> {
    const p = this.paths(lb);
    mkdirSync(p.keepalivedDir, { recursive: true, mode: 0o700 });
    mkdirSync(p.data, { recursive: true });
    writeFileSync(p.config, config);
    const rendered = await this.topo.exec(lb, [
      process.execPath,
      CLI,
      "vrrp",
      "render",
      pairPath,
      "--node",
      LB_NAMES[lb],
      "--dir",
      p.keepalivedDir,
    ]);
    if (rendered.code !== 0) throw new Error(`lbguard vrrp render for ${lb} failed: ${outputOf(rendered)}`);
  }

  /** Installs STEER_OWN_CONNECTIONS in the node's namespace, with the routes it needs. */
  async steerOwnConnections(lb: LbNode): Promise<void> {
    const rules = join(this.paths(lb).dir, "steer.nft");
    writeFileSync(rules, STEER_OWN_CONNECTIONS);
    for (const argv of [
      ["nft", "-f", rules],
      ["ip", "rule", "add", "fwmark", "0x1", "lookup", "100"],
      ["ip", "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", "100"],
    ]) {
      const run = await this.topo.exec(lb, argv);
      if (run.code !== 0)
        throw new Error(`${argv.join(" ")} in ${lb} failed (is nftables installed?): ${outputOf(run)}`);
    }
  }

  /** Starts the node's HAProxy in master-worker mode and waits until it serves its health URL. */
  async startHaproxy(lb: LbNode): Promise<NetnsProcess> {
    const p = this.paths(lb);
    const proc = this.topo.spawn(
      lb,
      `haproxy-${lb}`,
      ["/usr/sbin/haproxy", "-W", "-S", p.masterSocket, "-f", p.config, "-p", p.haproxyPid],
      { ...process.env, LBGV_NODE: LB_NAMES[lb] },
    );
    this.haproxy.set(lb, proc);
    await until(`HAProxy of ${lb} to serve its health URL`, 15_000, async () => {
      if (!isAlive(proc.pid)) throw new Error(`HAProxy of ${lb} exited: ${readLog(proc)}`);
      return (await this.healthy(lb)) || undefined;
    });
    return proc;
  }

  /** Whether the node's HAProxy answers the health URL, asked as keepalived asks it. */
  async healthy(lb: LbNode): Promise<boolean> {
    const checked = await this.topo.exec(lb, [this.paths(lb).vrrp.checkScript], 5_000);
    return checked.code === 0;
  }

  /** The master's PID and every worker's. */
  haproxyPids(lb: LbNode): number[] {
    const master = this.haproxy.get(lb)?.pid;
    if (master === undefined || !isAlive(master)) return [];
    return [master, ...childrenOf(master).filter(isAlive)];
  }

  /**
   * SIGKILLs the master and its workers at one moment (all stopped first), waits until they are
   * gone, and returns when the signals went out (wall-clock ms).
   */
  async crashHaproxy(lb: LbNode): Promise<number> {
    return signalAll(`HAProxy of ${lb}`, this.haproxyPids(lb), "crash");
  }

  /** SIGTERM to the master, which stops its workers; waits until they are gone; returns when it was sent. */
  async stopHaproxy(lb: LbNode): Promise<number> {
    return signalAll(`HAProxy of ${lb}`, this.haproxyPids(lb), "stop");
  }

  /** Starts keepalived (VRRP only, in the foreground) with the node's own pid files. */
  startKeepalived(lb: LbNode): NetnsProcess {
    const p = this.paths(lb);
    const proc = this.topo.spawn(lb, `keepalived-${lb}`, [
      "/usr/sbin/keepalived",
      "--dont-fork",
      "--log-console",
      "--no-syslog",
      "--vrrp",
      "--use-file",
      p.keepalivedConf,
      "--pid",
      p.keepalivedPid,
      "--vrrp_pid",
      p.vrrpPid,
    ]);
    this.keepalived.set(lb, proc);
    return proc;
  }

  /** keepalived's parent and its VRRP child. */
  keepalivedPids(lb: LbNode): number[] {
    const parent = this.keepalived.get(lb)?.pid;
    if (parent === undefined || !isAlive(parent)) return [];
    return [parent, ...childrenOf(parent).filter(isAlive)];
  }

  /** SIGTERM to keepalived's parent (a clean stop); waits until it and its child are gone; returns when it was sent. */
  async stopKeepalived(lb: LbNode): Promise<number> {
    return signalAll(`keepalived of ${lb}`, this.keepalivedPids(lb), "stop");
  }

  /**
   * SIGKILLs keepalived's parent and VRRP child as one crash. Both are stopped first: killed
   * one after the other, a surviving parent respawns its child and a surviving child is told
   * by the kernel that its parent died and shuts down cleanly, giving the VIP away.
   */
  async crashKeepalived(lb: LbNode): Promise<number> {
    return signalAll(`keepalived of ${lb}`, this.keepalivedPids(lb), "crash");
  }

  /** The load-balancer namespaces that have the VIP on eth0 now. */
  vipHolders(): LbNode[] {
    return LB_NODES.filter((lb) => this.topo.addresses(lb).includes(VIP));
  }

  /** Waits until `test` accepts the VIP holders, polling every 20 ms; returns them. */
  async waitForHolders(
    what: string,
    timeoutMs: number,
    test: (holders: LbNode[]) => boolean,
  ): Promise<LbNode[]> {
    return until(
      what,
      timeoutMs,
      () => {
        const holders = this.vipHolders();
        return test(holders) ? holders : undefined;
      },
      20,
    );
  }

  /** The VRRP state the notify script last wrote for a node (`MASTER 150`, ...), or undefined. */
  vrrpState(lb: LbNode): string | undefined {
    const file = this.paths(lb).vrrp.stateFile;
    return existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
  }

  /** Starts `lbguard serve` in the control namespace and keeps the bootstrap admin token. */
  async startControlPlane(): Promise<void> {
    const data = join(this.topo.dir, "ctl");
    mkdirSync(data, { recursive: true });
    const proc = this.topo.spawn("ctl", "serve", [
      process.execPath,
      CLI,
      "serve",
      "--listen",
      `${nodeAddress("ctl")}:8700`,
      "--data",
      data,
      "--json",
    ]);
    const started = await until("lbguard serve to print its admin token", 30_000, () => {
      if (!isAlive(proc.pid)) throw new Error(`lbguard serve exited: ${readLog(proc)}`);
      const line = readLog(proc)
        .split("\n")
        .find((l) => l.startsWith("{"));
      return line ? (JSON.parse(line) as { adminToken: string }) : undefined;
    });
    this.tokens.admin = started.adminToken;
  }

  /** Runs `lbguard ARGS` in the control namespace as `who`. */
  cli(who: string, ...args: string[]): Promise<ExecResult> {
    const token = this.tokens[who];
    if (token === undefined) throw new Error(`no token for ${who}`);
    return this.topo.exec(
      "ctl",
      [process.execPath, CLI, ...args, "--server", CONTROL_URL, "--token", token, "--no-color"],
      90_000,
    );
  }

  /** `cli` with `--json`; throws with the output when it exits other than 0. */
  async cliJson<T>(who: string, ...args: string[]): Promise<T> {
    const run = await this.cli(who, ...args, "--json");
    if (run.code !== 0) throw new Error(`lbguard ${args.join(" ")} failed: ${outputOf(run)}`);
    return JSON.parse(run.stdout) as T;
  }

  /** The whole event log, oldest first, read a page at a time. */
  async events(): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    for (;;) {
      const after = events.at(-1)?.seq ?? 0;
      const page = await this.cliJson<StoredEvent[]>(
        "alice",
        "audit",
        "--after",
        String(after),
        "--limit",
        "1000",
      );
      events.push(...page);
      if (page.length < 1000) return events;
    }
  }

  /** Starts a node's agent against the control plane, with its keepalived files. */
  startAgent(lb: LbNode): NetnsProcess {
    const p = this.paths(lb);
    const token = this.tokens[LB_NAMES[lb]];
    if (token === undefined) throw new Error(`no agent token for ${lb}`);
    const proc = this.topo.spawn(
      lb,
      `agent-${lb}`,
      [
        process.execPath,
        CLI,
        "agent",
        "--server",
        CONTROL_URL,
        "--token",
        token,
        "--config",
        p.config,
        "--master-socket",
        p.masterSocket,
        "--admin-socket",
        "none",
        "--data",
        p.data,
        "--keepalived-dir",
        p.keepalivedDir,
        "--keepalived-pid",
        p.keepalivedPid,
        "--actor",
        `agent-${LB_NAMES[lb]}`,
      ],
      { ...process.env, LBGV_NODE: LB_NAMES[lb] },
    );
    this.agents.set(lb, proc);
    return proc;
  }

  /** Starts the load client in the client namespace and waits for its first answers. */
  async startLoad(): Promise<LoadRun> {
    const label = `load-${++this.loads}`;
    const file = join(this.topo.dir, `${label}.jsonl`);
    const proc = this.topo.spawn("client", label, [
      process.execPath,
      LOAD_CLIENT,
      `http://${VIP}/`,
      file,
      String(LOAD_RPS),
      String(LOAD_TIMEOUT_MS),
    ]);
    const run: LoadRun = {
      proc,
      file,
      records: () => readLoad(file),
      stop: async () => {
        await this.topo.stop(proc, "SIGTERM", LOAD_TIMEOUT_MS + 3_000);
        return readLoad(file);
      },
    };
    await until(`${label} to get answers`, 15_000, () => {
      if (!isAlive(proc.pid)) throw new Error(`${label} exited: ${readLog(proc)}`);
      return run.records().filter((r) => r.ok).length >= 10;
    });
    return run;
  }
}

/**
 * `crash`: SIGSTOP to every PID, then SIGKILL to every PID, so none outlives the others (the
 * moment of the SIGSTOPs is the crash); `stop`: SIGTERM to the first, the parent, which stops
 * the rest. Waits until all are gone and returns the moment the first signal went out.
 */
async function signalAll(what: string, pids: number[], how: "crash" | "stop"): Promise<number> {
  if (pids.length === 0) throw new Error(`${what} is not running`);
  const at = Date.now();
  if (how === "crash") {
    for (const pid of pids) signalPid(pid, "SIGSTOP");
    for (const pid of pids) signalPid(pid, "SIGKILL");
  } else {
    signalPid(pids[0]!, "SIGTERM");
  }
  await until(`${what} to exit`, 10_000, () => !pids.some(isAlive), 20);
  return at;
}

/** What a process has logged so far. */
export function readLog(proc: NetnsProcess): string {
  try {
    return readFileSync(proc.log, "utf8");
  } catch {
    return "";
  }
}

function outputOf(run: ExecResult): string {
  return `exit ${run.code}\n${run.stdout}${run.stderr}`;
}
