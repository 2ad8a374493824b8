import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { openAgentContext } from "../agent/agent-context.js";
import { DEFAULT_POLICY, type BakePolicy } from "../agent/bake/policy.js";
import { connectNode } from "../agent/haproxy-node.js";
import { runManagedAgent } from "../agent/managed/managed-agent.js";
import { ApiClient } from "../client/api-client.js";
import { LbguardError } from "../errors.js";
import { installedHaproxyVersion } from "../haproxy/runtime/installed-haproxy.js";
import { startMasterWorker, type MasterWorker } from "../haproxy/runtime/master-process.js";
import { bindAddresses, delay, haproxyBinary } from "../haproxy/runtime/process-helpers.js";
import { startLabServer, type LabServerProcess } from "../lab/lab.js";
import { commandLinesOf, workerPidsOf } from "../lab/process-command.js";
import { readLabServers } from "../lab/scenario.js";
import { startServer, type RunningServer } from "../server/start-server.js";
import { DEMO_FILES, demoExamplesDir, readDemoTexts, type DemoTexts } from "./demo-examples.js";
import { DEMO_NETWORK, type DemoNetwork } from "./demo-network.js";
import { prepareDemoDir, removeDemoRecord, writeDemoRecord, type DemoRecord } from "./demo-record.js";
import { startSteadyTraffic, type SteadyTraffic } from "./steady-traffic.js";

/** Where the demo keeps everything, under the current directory. */
export const DEFAULT_DEMO_DIR = ".lbguard/demo";
/** Where the demo's control plane listens. */
export const DEFAULT_DEMO_LISTEN = { host: "127.0.0.1", port: 8700 } as const;
/** The demo's steady traffic, requests per second over both load balancers. */
export const DEFAULT_DEMO_RPS = 40;
/** Each node's bake window, short enough to watch a rollout end within a minute. */
export const DEFAULT_DEMO_BAKE_S = 10;
/** The cluster the demo registers. */
export const DEMO_CLUSTER = "demo";
/** The load balancers, in rollout order: lb-1 is the canary. */
export const DEMO_NODES = ["lb-1", "lb-2"] as const;

/** The demo's people: who holds which role, and what the role is for in the demo. */
export const DEMO_USERS = {
  admin: {
    name: "admin",
    does: "users, tokens, clusters; approves a change the gate blocked, with an override",
  },
  operator: { name: "olivia", does: "proposes changes and rolls approved ones out" },
  approver: { name: "avery", does: "approves or rejects other people's changes" },
  viewer: { name: "val", does: "reads everything, changes nothing" },
} as const;

export type DemoRole = keyof typeof DEMO_USERS;

/** How to start a lab cluster. Every field has the demo's default. */
export interface LabClusterOptions {
  /** Everything goes here; emptied at start (default `.lbguard/demo`). */
  dir?: string;
  /** Where the control plane listens (default 127.0.0.1:8700; port 0 picks a free one). */
  listen?: { host: string; port: number };
  /** The loopback addresses and ports of the load balancers and servers (default 127.0.90.x, 18900-18919). */
  network?: DemoNetwork;
  /** Steady traffic over both load balancers, requests per second; 0 sends none (default 40). */
  rps?: number;
  /** Each node's bake window in seconds (default 10). */
  bakeS?: number;
  /** The haproxy binary (default: `$LBGUARD_HAPROXY`, else `haproxy` on PATH). */
  haproxy?: string;
  /** Where haproxy.cfg, inventory.yaml, good.cfg and bad.cfg are read from (default examples/demo). */
  examplesDir?: string;
  /**
   * Told what a start cleaned up and, once the cluster runs, what the agents say (a version
   * applied or rolled back, drift), each line prefixed with the node's name.
   */
  log?: (line: string) => void;
}

/** One load balancer of the cluster. */
export interface LabClusterNode {
  name: string;
  dir: string;
  configPath: string;
  masterSocket: string;
  /** The HAProxy master's PID. */
  pid: number;
}

/** A running lab cluster. */
export interface LabCluster {
  /** The control plane, `http://HOST:PORT`; the dashboard is at its `/`. */
  url: string;
  /** An API token per role, held by the users of `DEMO_USERS`. */
  tokens: Record<DemoRole, string>;
  cluster: string;
  nodes: LabClusterNode[];
  /** Where both load balancers listen, `http://HOST:PORT`. */
  frontendUrl: string;
  dir: string;
  /** The version of the HAProxy the load balancers run. */
  haproxyVersion: string;
  /** The example files as this cluster's network has them: its config, inventory, good and bad changes. */
  texts: DemoTexts;
  server: RunningServer;
  /** The steady traffic (absent with `rps: 0`). */
  traffic?: SteadyTraffic;
  /**
   * Stops everything it started: traffic, agents, each HAProxy by its PID, the servers and the
   * control plane; removes `DIR/demo.json`. Safe to call more than once.
   */
  stop(): Promise<void>;
}

/**
 * Starts a cluster to try lbguard on, all on loopback: the control plane (SQLite in
 * `DIR/server`) with a user per role, the emulated servers of the inventory, two load balancers
 * (each a real HAProxy in master-worker mode in `DIR/<node>`, both on the same bind through
 * SO_REUSEPORT) with an in-process managed agent each, the cluster registered with the config
 * they run as version 1, and steady traffic. Resolves once both agents have reported version 1
 * applied and `DIR/demo.json` records the PIDs. When anything fails half-way it stops what it
 * started and rethrows.
 */
export async function startLabCluster(options: LabClusterOptions = {}): Promise<LabCluster> {
  const dir = resolve(options.dir ?? DEFAULT_DEMO_DIR);
  const network = options.network ?? DEMO_NETWORK;
  const rps = options.rps ?? DEFAULT_DEMO_RPS;
  const haproxy = haproxyBinary(options.haproxy);
  const haproxyVersion = installedHaproxyVersion(haproxy, "the lab cluster");
  const examplesDir = options.examplesDir ?? demoExamplesDir();
  const texts = await readDemoTexts(examplesDir, network);
  const servers = readLabServers(texts.inventory, join(examplesDir, DEMO_FILES.inventory));
  const bind = bindAddresses(texts.config, join(examplesDir, DEMO_FILES.config))[0];
  if (!bind) throw new LbguardError("LBG_USAGE", { detail: "the demo's haproxy.cfg has no bind address" });
  const frontendUrl = `http://${bind.host}:${bind.port}`;
  for (const name of DEMO_NODES) refuseLongSocketPath(join(dir, name, "master.sock"));
  await prepareDemoDir(dir, options.log);

  const started = new Started();
  // The agents' first words (version 1 found in place) are for their files only.
  let ready = false;
  const agentLog = (name: string, nodeDir: string): ((line: string) => void) => {
    const file = join(nodeDir, "agent.log");
    return (line) => {
      appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
      if (ready) options.log?.(`${name}: ${line}`);
    };
  };
  try {
    const server = await startServer({
      dataDir: join(dir, "server"),
      host: options.listen?.host ?? DEFAULT_DEMO_LISTEN.host,
      port: options.listen?.port ?? DEFAULT_DEMO_LISTEN.port,
      haproxy,
      logger: false,
    });
    started.add(() => server.close());
    const admin = new ApiClient({ server: server.url, token: server.bootstrapToken as string });
    const tokens = await createUsers(admin, server.bootstrapToken as string);
    await admin.createCluster({
      name: DEMO_CLUSTER,
      config: texts.config,
      inventory: texts.inventory,
      rps: Math.max(rps, 1),
      policy: { bakeS: options.bakeS ?? DEFAULT_DEMO_BAKE_S },
    });

    const labServers: LabServerProcess[] = [];
    started.add(() => Promise.all(labServers.map((s) => s.server.close())));
    for (const entry of servers) labServers.push(await startLabServer(entry));

    const nodes: LabClusterNode[] = [];
    // Recorded as soon as each HAProxy runs, so that a demo killed during its start leaves
    // nothing a second start cannot find.
    const record = async (): Promise<void> =>
      writeDemoRecord(await demoRecord(dir, server.url, frontendUrl, nodes));
    for (const name of DEMO_NODES) {
      const node = await startNode(name, dir, texts.config, haproxy, started);
      nodes.push(node);
      await record();
      const { token } = await admin.createNode(DEMO_CLUSTER, name);
      const agent = runManagedAgent({
        node: connectNode({ configPath: node.configPath, masterSocket: node.masterSocket, haproxy }),
        ctx: openAgentContext(join(node.dir, "data"), demoBakePolicy()),
        client: new ApiClient({ server: server.url, token: token.token }),
        haproxy,
        log: agentLog(name, node.dir),
      });
      started.add(() => agent.stop());
    }
    await untilNodesReport(admin, server.url);

    const traffic = rps > 0 ? startSteadyTraffic({ url: frontendUrl, rps }) : undefined;
    if (traffic) started.add(() => traffic.stop());
    ready = true;

    return {
      url: server.url,
      tokens,
      cluster: DEMO_CLUSTER,
      nodes,
      frontendUrl,
      dir,
      haproxyVersion,
      texts,
      server,
      ...(traffic ? { traffic } : {}),
      // The record goes only once everything stopped: what failed to stop stays recorded.
      stop: () => started.stopAll().then(() => removeDemoRecord(dir, process.pid)),
    };
  } catch (error) {
    await started
      .stopAll()
      .then(() => removeDemoRecord(dir, process.pid))
      .catch(() => undefined);
    if (error instanceof LbguardError) throw error;
    throw new LbguardError("LBG_DEMO_FAILED", { detail: (error as Error).message }, { cause: error });
  }
}

/**
 * The bake policy of the demo's agents: the default, judging ratios over fewer requests, since
 * each load balancer takes only its share of a few dozen requests a second.
 */
export function demoBakePolicy(): BakePolicy {
  return { ...DEFAULT_POLICY, minRequests: 10, shareMinRequests: 50 };
}

/**
 * What was started, stopped in the reverse order: traffic before agents, agents before their
 * HAProxy, servers and control plane last. A failing stop does not keep the others from running.
 */
class Started {
  private readonly stops: (() => Promise<unknown>)[] = [];
  private stopping: Promise<void> | undefined;

  add(stop: () => Promise<unknown>): void {
    this.stops.push(stop);
  }

  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      const failures: unknown[] = [];
      for (const stop of this.stops.reverse()) await stop().catch((error: unknown) => failures.push(error));
      if (failures.length > 0) throw failures[0];
    })();
    return this.stopping;
  }
}

async function createUsers(admin: ApiClient, adminToken: string): Promise<Record<DemoRole, string>> {
  const tokens = { admin: adminToken } as Record<DemoRole, string>;
  for (const role of ["operator", "approver", "viewer"] as const) {
    const name = DEMO_USERS[role].name;
    await admin.createUser({ name, role });
    tokens[role] = (await admin.createToken({ user: name, label: "lbguard demo" })).token;
  }
  return tokens;
}

/**
 * One load balancer: the config in `DIR/<name>/haproxy.cfg`, exactly as the cluster's version 1
 * (the agent reports any other text as drift), and HAProxy in master-worker mode in its own
 * process group, so that Ctrl-C in the demo's terminal reaches the demo, which stops it in order.
 */
async function startNode(
  name: string,
  root: string,
  config: string,
  binary: string,
  started: Started,
): Promise<LabClusterNode> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, "haproxy.cfg");
  const masterSocket = join(dir, "master.sock");
  writeFileSync(configPath, config);
  const haproxy: MasterWorker = await startMasterWorker({
    configPath,
    masterSocket,
    binary,
    detached: true,
    logFile: join(dir, "haproxy.log"),
  });
  // Detached, HAProxy would outlive a demo that exits without stopping it (an uncaught error).
  const guard = (): void => {
    try {
      process.kill(haproxy.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  };
  process.once("exit", guard);
  started.add(async () => {
    await haproxy.stop();
    process.off("exit", guard);
  });
  return { name, dir, configPath, masterSocket, pid: haproxy.pid };
}

/** Waits until every node's agent has reported version 1 applied (at most 20 s). */
async function untilNodesReport(admin: ApiClient, url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const nodes = await admin.nodes(DEMO_CLUSTER);
    if (nodes.length === DEMO_NODES.length && nodes.every((n) => n.appliedVersion === 1)) return;
    if (Date.now() > deadline) {
      const late = nodes.filter((n) => n.appliedVersion !== 1).map((n) => n.name);
      throw new LbguardError("LBG_DEMO_FAILED", {
        detail: `the agents of ${late.join(", ")} did not report to ${url} within 20 s; see their agent.log`,
      });
    }
    await delay(100);
  }
}

/** This process and each HAProxy master and worker, with their command lines. */
async function demoRecord(
  dir: string,
  url: string,
  frontendUrl: string,
  nodes: LabClusterNode[],
): Promise<DemoRecord> {
  const haproxy: DemoRecord["haproxy"] = [];
  for (const node of nodes) {
    const workerPids = await workerPidsOf(node.masterSocket, 2_000);
    haproxy.push({ node: node.name, masterPid: node.pid, masterSocket: node.masterSocket, workerPids });
  }
  const pids = [process.pid, ...haproxy.flatMap((h) => [h.masterPid, ...h.workerPids])];
  return {
    pid: process.pid,
    dir,
    url,
    frontendUrl,
    haproxy,
    commands: commandLinesOf(pids),
    startedAt: new Date().toISOString(),
  };
}

/** A Unix socket path has room for about 107 bytes. */
function refuseLongSocketPath(path: string): void {
  if (Buffer.byteLength(path) > 100) {
    throw new LbguardError("LBG_USAGE", {
      detail: `the demo directory is too deep for HAProxy's sockets (${path}): choose a shorter --dir`,
    });
  }
}
