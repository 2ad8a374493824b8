import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAgentContext, type AgentContext, type HaproxyNode } from "../../src/agent/agent-context.js";
import { DEFAULT_POLICY, type BakePolicy } from "../../src/agent/bake/policy.js";
import { connectNode } from "../../src/agent/haproxy-node.js";
import { addGlobalLines } from "../../src/haproxy/runtime/process-helpers.js";
import { startMasterWorker, type MasterWorker } from "../../src/haproxy/runtime/master-process.js";
import {
  startEmulatedServer,
  type EmulatedServer,
  type EmulatedServerOptions,
} from "../../src/lab/emulated-server.js";

/** A real HAProxy in master-worker mode in front of emulated servers, with an agent's data dir. */
export interface NodeFixture {
  dir: string;
  configPath: string;
  masterSocket: string;
  adminSocket: string;
  dataDir: string;
  haproxy: MasterWorker;
  servers: EmulatedServer[];
  node: HaproxyNode;
  ctx: AgentContext;
  /** The config text with the fixture's socket line, as the node runs it. */
  withSockets(config: string): string;
  stop(): Promise<void>;
}

/** Starts the servers and HAProxy on `config` (a global section is given its admin socket). */
export async function startNodeFixture(
  config: string,
  servers: EmulatedServerOptions[],
  policy: Partial<BakePolicy> = {},
): Promise<NodeFixture> {
  const dir = mkdtempSync(join(tmpdir(), "lbguard-node-"));
  const configPath = join(dir, "haproxy.cfg");
  const masterSocket = join(dir, "master.sock");
  const adminSocket = join(dir, "admin.sock");
  const dataDir = join(dir, "data");
  const withSockets = (text: string): string =>
    addGlobalLines(text, [`stats socket ${adminSocket} level admin mode 600`]);
  const started: EmulatedServer[] = [];
  try {
    for (const s of servers) started.push(await startEmulatedServer(s));
    writeFileSync(configPath, withSockets(config));
    const haproxy = await startMasterWorker({ configPath, masterSocket });
    const node = connectNode({ configPath, masterSocket, adminSocket, haproxy: "haproxy" });
    const ctx = openAgentContext(dataDir, { ...DEFAULT_POLICY, ...policy });
    return {
      dir,
      configPath,
      masterSocket,
      adminSocket,
      dataDir,
      haproxy,
      servers: started,
      node,
      ctx,
      withSockets,
      async stop() {
        await haproxy.stop();
        await Promise.all(started.map((s) => s.close()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
