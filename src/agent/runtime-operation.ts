import { readFileSync } from "node:fs";
import { judgeChange, type GateResult } from "../gate/gate.js";
import { parseConfig } from "../haproxy/parse/index.js";
import { RuntimeCommandError } from "../haproxy/runtime/runtime-errors.js";
import type { StatSnapshot } from "../haproxy/runtime/stat-row.js";
import type { Inventory } from "../inventory/inventory.js";
import type { Config } from "../model/config.js";
import type { Plan } from "../plan/types.js";
import { planChange } from "../plan/index.js";
import { simulate } from "../simulate/simulate.js";
import type { SimulationResult, TrafficInput } from "../simulate/types.js";
import type { AgentContext, HaproxyNode } from "./agent-context.js";
import type { Breach } from "./bake/judge.js";
import { newOperationId } from "./journal.js";
import { lockNode } from "./node-lock.js";
import { expectedShares, observedTraffic, sampleBaseline, watchChange } from "./watch.js";

/** A change to one server through the runtime API, without a reload. */
export type RuntimeAction =
  { kind: "drain" } | { kind: "disable" } | { kind: "enable" } | { kind: "weight"; weight: number };

/** A runtime operation to carry out. */
export interface RuntimeRequest {
  backend: string;
  server: string;
  action: RuntimeAction;
  actor: string;
  force?: boolean;
  traffic?: TrafficInput;
  bakeS?: number;
}

/** How a runtime operation ended. */
export interface RuntimeOutcome {
  apply: string;
  status: "kept" | "reverted" | "blocked";
  command: string;
  revert: string;
  gate?: GateResult;
  breaches?: Breach[];
}

/**
 * Drains, disables, enables or re-weights one server the way a config change is applied: the
 * gate first (predicted with the server's new state against the load observed now, so that
 * disabling a server the others cannot cover is refused), then the command, then the bake,
 * and the previous state restored on a breach. The server itself is exempt from the bake's
 * server-down check: taking it out is the point.
 */
export async function runRuntimeOperation(
  node: HaproxyNode,
  ctx: AgentContext,
  request: RuntimeRequest,
): Promise<RuntimeOutcome> {
  const unlock = lockNode(ctx.dataDir);
  try {
    return await operate(node, ctx, request);
  } finally {
    unlock();
  }
}

async function operate(
  node: HaproxyNode,
  ctx: AgentContext,
  request: RuntimeRequest,
): Promise<RuntimeOutcome> {
  const id = newOperationId("op", ctx.clock());
  const target = `${request.backend}/${request.server}`;
  const command = runtimeCommandFor(target, request.action);
  const log = (type: Parameters<typeof ctx.events.append>[0]["type"], evidence: Record<string, unknown>) =>
    ctx.events.append({
      apply: id,
      type,
      actor: request.actor,
      evidence: { server: target, command, ...evidence },
    });

  const baseline = await sampleBaseline(node, ctx);
  const current = baseline.at(-1) as StatSnapshot;
  const row = current.rows.find(
    (r) => r.type === "server" && r.proxy === request.backend && r.name === request.server,
  );
  if (!row) throw new RuntimeCommandError("no-such-server", command, `HAProxy has no server ${target}.`);
  const revert = revertCommandFor(target, request.action, row.status, row.weight);
  log("runtime.started", { revert, force: request.force === true });

  const config = parseConfig([{ path: node.configPath, text: readFileSync(node.configPath, "utf8") }], {
    env: process.env,
  }).model;
  const traffic = {
    ...(request.traffic ?? observedTraffic(baseline) ?? {}),
    down: serversOutOfService(current),
  };
  const { predictedAfter, gate } = predictRuntimeAction(config, request, traffic, ctx.inventory);
  if (gate.verdict === "block" && !request.force) {
    log("runtime.blocked", { gate });
    return { apply: id, status: "blocked", command, revert, gate };
  }

  const entry = {
    apply: id,
    actor: request.actor,
    kind: "runtime" as const,
    previous: revert,
    candidate: command,
    configPath: node.configPath,
    startedAt: new Date(ctx.clock()).toISOString(),
  };
  ctx.journal.record({ ...entry, step: "reloading" });
  const appliedAt = ctx.clock();
  await node.runtime(command);
  log("runtime.applied", { gate });
  ctx.journal.record({ ...entry, step: "baking" });
  const watched = await watchChange(node, ctx, {
    baseline,
    appliedAt,
    bakeMs: (request.bakeS ?? ctx.policy.bakeS) * 1000,
    expectedShares: expectedShares(predictedAfter),
    exempt: new Set([target]),
  });
  if (watched.breaches.length > 0) {
    ctx.journal.record({ ...entry, step: "rolling-back" });
    await node.runtime(revert);
    log("runtime.reverted", { breaches: watched.breaches });
    ctx.journal.clear();
    return { apply: id, status: "reverted", command, revert, gate, breaches: watched.breaches };
  }
  log("runtime.kept", { samples: watched.samples });
  ctx.journal.clear();
  return { apply: id, status: "kept", command, revert, gate };
}

/** What the gate predicts for one server's new weight or state, and its verdict. */
export interface RuntimePrediction {
  plan: Plan;
  predictedAfter: SimulationResult;
  gate: GateResult;
}

/**
 * Predicts a runtime action as a config change: the server with its new weight or state (taken
 * out of rotation for drain and disable), against `traffic`, and the gate's verdict on it. The
 * agent judges its operations with it, and the control plane the operations proposed to it. Pure.
 */
export function predictRuntimeAction(
  config: Config,
  target: { backend: string; server: string; action: RuntimeAction },
  traffic: TrafficInput,
  inventory?: Inventory,
): RuntimePrediction {
  const after = withAction(config, target.backend, target.server, target.action);
  const name = `${target.backend}/${target.server}`;
  const afterTraffic = isRemoval(target.action)
    ? { ...traffic, down: [...(traffic.down ?? []), name] }
    : traffic;
  const predictedBefore = simulate(config, traffic, inventory, { failures: false });
  const predictedAfter = simulate(after, afterTraffic, inventory);
  const plan = planChange(config, after, { before: predictedBefore, after: predictedAfter });
  const gate = judgeChange({ findings: [], plan, after: predictedAfter, before: predictedBefore });
  return { plan, predictedAfter, gate };
}

/** The runtime API command for an action. */
export function runtimeCommandFor(target: string, action: RuntimeAction): string {
  switch (action.kind) {
    case "drain":
      return `set server ${target} state drain`;
    case "disable":
      return `set server ${target} state maint`;
    case "enable":
      return `set server ${target} state ready`;
    case "weight":
      return `set server ${target} weight ${action.weight}`;
  }
}

/** The command that undoes the action: the weight or the admin state `show stat` shows now. */
function revertCommandFor(
  target: string,
  action: RuntimeAction,
  status: string,
  weight: number | undefined,
): string {
  if (action.kind === "weight" && weight !== undefined) return `set server ${target} weight ${weight}`;
  if (status.startsWith("MAINT")) return `set server ${target} state maint`;
  if (status.startsWith("DRAIN")) return `set server ${target} state drain`;
  return `set server ${target} state ready`;
}

/** Whether the action takes the server out of rotation (its share goes to the others). */
function isRemoval(action: RuntimeAction): boolean {
  return (
    action.kind === "drain" || action.kind === "disable" || (action.kind === "weight" && action.weight === 0)
  );
}

/** Servers HAProxy is not sending new traffic to right now: down, in maintenance or draining. */
function serversOutOfService(snapshot: StatSnapshot): string[] {
  return snapshot.rows
    .filter((r) => r.type === "server" && /^(DOWN|MAINT|DRAIN|NOLB)/.test(r.status))
    .map((r) => `${r.proxy}/${r.name}`);
}

/** A copy of the config in which the server has the action's weight or state. */
export function withAction(config: Config, backend: string, server: string, action: RuntimeAction): Config {
  if (action.kind !== "weight" && action.kind !== "enable") return config;
  const copy = structuredClone(config);
  for (const proxy of copy.backends) {
    if (proxy.name !== backend) continue;
    for (const s of proxy.servers) {
      if (s.name !== server) continue;
      if (action.kind === "weight") s.settings.weight = { ...s.settings.weight, value: action.weight };
      else s.settings.disabled = { ...s.settings.disabled, value: false };
    }
  }
  return copy;
}
