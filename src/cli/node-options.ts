import type { ParseArgsConfig } from "node:util";
import { openAgentContext, type AgentContext, type HaproxyNode } from "../agent/agent-context.js";
import { DEFAULT_POLICY } from "../agent/bake/policy.js";
import { connectNode, DEBIAN_NODE } from "../agent/haproxy-node.js";
import { NodeBusyError } from "../agent/node-lock.js";
import { LbguardError } from "../errors.js";
import { haproxyBinary } from "../haproxy/runtime/process-helpers.js";
import { RuntimeCommandError, RuntimeConnectError } from "../haproxy/runtime/runtime-errors.js";
import { recoverNode } from "../agent/recover.js";
import type { TrafficInput } from "../simulate/types.js";
import { loadInventory } from "./load-inputs.js";
import { describeEvent } from "./render/event-text.js";
import { trafficFromOptions } from "./traffic-options.js";

/** The agent's default data directory. */
export const DEFAULT_DATA_DIR = "/var/lib/lbguard";

/** Options every command that drives one node shares. */
export const NODE_OPTIONS = {
  config: { type: "string" },
  "master-socket": { type: "string" },
  "admin-socket": { type: "string" },
  data: { type: "string" },
  haproxy: { type: "string" },
  policy: { type: "string" },
  inventory: { type: "string" },
  actor: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies ParseArgsConfig["options"];

/** Their help text. */
export const NODE_HELP = `Node options (defaults are Debian's HAProxy package layout):
  --config FILE          the live haproxy.cfg (default ${DEBIAN_NODE.configPath})
  --master-socket PATH   HAProxy's master CLI, from -S (default ${DEBIAN_NODE.masterSocket})
  --admin-socket PATH    an admin-level stats socket (default ${DEBIAN_NODE.adminSocket};
                         'none' sends runtime commands through the master CLI)
  --data DIR             the agent's data directory: versions, last-known-good, journal,
                         events.jsonl (default ${DEFAULT_DATA_DIR})
  --policy FILE          bake thresholds (see docs/policy.md; default: the built-in policy)
  --inventory FILE       servers with role and capacity_rps, for the gate
  --haproxy PATH         the haproxy binary (default: haproxy on PATH, or $LBGUARD_HAPROXY)
  --actor NAME           who is acting, for the event log (default: $USER)`;

/** Values of NODE_OPTIONS as parsed. */
export interface NodeOptionValues {
  config?: string;
  "master-socket"?: string;
  "admin-socket"?: string;
  data?: string;
  haproxy?: string;
  policy?: string;
  inventory?: string;
  actor?: string;
}

/** The node and the agent's state, from the command line. */
export async function openNode(
  values: NodeOptionValues,
): Promise<{ node: HaproxyNode; ctx: AgentContext; actor: string; haproxy: string }> {
  const haproxy = haproxyBinary(values.haproxy);
  const adminSocket = values["admin-socket"] ?? DEBIAN_NODE.adminSocket;
  const node = connectNode({
    configPath: values.config ?? DEBIAN_NODE.configPath,
    masterSocket: values["master-socket"] ?? DEBIAN_NODE.masterSocket,
    ...(adminSocket === "none" ? {} : { adminSocket }),
    haproxy,
  });
  const policy = values.policy
    ? await (await import("../agent/bake/policy.js")).readPolicy(values.policy)
    : { ...DEFAULT_POLICY };
  const inventory = values.inventory ? (await loadInventory(values.inventory)).inventory : undefined;
  const ctx = openAgentContext(values.data ?? DEFAULT_DATA_DIR, policy, inventory);
  return { node, ctx, actor: values.actor ?? process.env.USER ?? "operator", haproxy };
}

/** A node opened from the command line. */
export type OpenedNode = Awaited<ReturnType<typeof openNode>>;

/**
 * Opens the node, prints each event the agent records (unless `--json`), finishes an apply a
 * killed process left unfinished, then runs `work`; failures come out as catalog errors.
 */
export async function onNode<T>(
  values: NodeOptionValues & { json?: boolean },
  err: (s: string) => void,
  work: (opened: OpenedNode) => Promise<T>,
): Promise<T> {
  const opened = await openNode(values);
  if (!values.json) opened.ctx.events.onAppend((event) => err(`${describeEvent(event)}\n`));
  try {
    await recoverNode(opened.node, opened.ctx);
    return await work(opened);
  } catch (error) {
    throw asCatalogError(error);
  }
}

/** Traffic the command line names, or undefined to predict with what HAProxy serves now. */
export function explicitTraffic(values: Parameters<typeof trafficFromOptions>[0]): TrafficInput | undefined {
  return values.rps !== undefined || values.frontend !== undefined ? trafficFromOptions(values) : undefined;
}

/**
 * Turns the runtime adapter's typed errors, and any other failure of an operation on the node,
 * into catalog errors, so the CLI reports them with a code, a hint and exit code 1.
 */
export function asCatalogError(error: unknown): unknown {
  if (error instanceof RuntimeConnectError) {
    return new LbguardError(
      "LBG_RUNTIME_UNREACHABLE",
      { socket: error.address, reason: error.message },
      { cause: error },
    );
  }
  if (error instanceof RuntimeCommandError) {
    return new LbguardError(
      "LBG_RUNTIME_REFUSED",
      { command: error.command, answer: error.answer.trim() },
      { cause: error },
    );
  }
  if (error instanceof NodeBusyError) return new LbguardError("LBG_NODE_BUSY", { detail: error.message });
  if (error instanceof LbguardError || !(error instanceof Error)) return error;
  return new LbguardError("LBG_AGENT_FAILED", { detail: error.message }, { cause: error });
}
