import { mkdirSync } from "node:fs";
import type { HaproxyCheckResult } from "../haproxy/runtime/haproxy-check.js";
import type { StatSnapshot } from "../haproxy/runtime/stat-row.js";
import type { Inventory } from "../inventory/inventory.js";
import type { Config } from "../model/config.js";
import type { BakePolicy } from "./bake/policy.js";
import { ConfigStore } from "./config-store.js";
import { EventLog } from "./event-log.js";
import { ApplyJournal } from "./journal.js";

/** The HAProxy one agent drives: its live file, and the sockets to reload and read it. */
export interface HaproxyNode {
  /** The live haproxy.cfg that the master re-reads on reload. */
  readonly configPath: string;
  /** `haproxy -c` on a file. */
  check(path: string): Promise<HaproxyCheckResult>;
  /**
   * Reloads through the master CLI and resolves once a new worker runs the file on disk. The
   * caller may pass that file's model when it has one, so a rollback does not parse it again.
   */
  reload(onDisk?: Config): Promise<{ workerPid: number; tookMs: number; previousWorkerPids?: number[] }>;
  /** One `show stat` sample. */
  snapshot(): Promise<StatSnapshot>;
  /**
   * One `show stat` sample of a given worker, an old one finishing its connections after a
   * reload included; rejects once that worker is gone. Absent where the node cannot address one.
   */
  workerSnapshot?(pid: number): Promise<StatSnapshot>;
  /** One runtime API command (admin level), e.g. `set server web/web-01 weight 5`. */
  runtime(command: string): Promise<string>;
}

/** Everything an agent keeps in its data directory, plus its clock and policy. */
export interface AgentContext {
  dataDir: string;
  events: EventLog;
  store: ConfigStore;
  journal: ApplyJournal;
  policy: BakePolicy;
  inventory?: Inventory;
  /** Milliseconds; Date.now unless a test passes its own. */
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** Opens (creating when needed) the agent's data directory. */
export function openAgentContext(
  dataDir: string,
  policy: BakePolicy,
  inventory?: Inventory,
  clock: () => number = Date.now,
): AgentContext {
  mkdirSync(dataDir, { recursive: true });
  return {
    dataDir,
    events: new EventLog(dataDir, clock),
    store: new ConfigStore(dataDir),
    journal: new ApplyJournal(dataDir),
    policy,
    ...(inventory ? { inventory } : {}),
    clock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}
