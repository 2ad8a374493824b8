import type {
  AgentEventsReport,
  AgentReport,
  DesiredState,
  Drift,
  RuntimeOperationSpec,
} from "./api-types.js";
import { clusterRow, getVersion, policyOf } from "./clusters.js";
import { fail, nowIso, transact, type ControlContext, type Principal } from "./control-context.js";
import { watchDesired } from "./desired-signal.js";

/** The `cluster/node` an agent token acts for; any other token is refused. */
export function nodeIdOf(agent: Principal): string {
  if (agent.role !== "agent" || !agent.cluster || !agent.node)
    throw fail("LBG_FORBIDDEN", "only an agent token can do this");
  return `${agent.cluster}/${agent.node}`;
}

/**
 * What the agent's node should run: its desired version, the rollout handing it over, and the
 * runtime operations made on top of the cluster's current version (those still to carry out on
 * this node, and those done, which drift detection must expect).
 */
export async function desiredFor(
  ctx: ControlContext,
  agent: Principal,
): Promise<{ desired: DesiredState; pendingOperation: boolean }> {
  const db = ctx.store.db;
  const nodeId = nodeIdOf(agent);
  const node = await db.selectFrom("nodes").selectAll().where("id", "=", nodeId).executeTakeFirst();
  if (!node) throw fail("LBG_NOT_FOUND", `there is no node ${nodeId}`);
  const cluster = await clusterRow(db, node.cluster);
  const version = await getVersion(db, Number(node.desired_version));
  const step = await db
    .selectFrom("rollout_nodes")
    .innerJoin("rollouts", "rollouts.id", "rollout_nodes.rollout_id")
    .select(["rollouts.id as rollout", "rollouts.change_id as change"])
    .where("rollout_nodes.node_id", "=", nodeId)
    .where("rollout_nodes.state", "=", "applying")
    .where("rollouts.state", "=", "running")
    .executeTakeFirst();
  const operationRows = await db
    .selectFrom("changes")
    .select(["id", "operation", "state"])
    .where("cluster", "=", node.cluster)
    .where("kind", "=", "runtime")
    .where("parent", "=", Number(cluster.current_version))
    .where("state", "in", ["applied", "rolling-out"])
    .orderBy("id")
    .execute();
  const operations = operationRows
    .filter((r) => r.state === "applied" || Number(r.id) === Number(step?.change))
    .map((r) => ({
      change: Number(r.id),
      operation: JSON.parse(r.operation ?? "{}") as RuntimeOperationSpec,
    }));
  const desired: DesiredState = {
    cluster: node.cluster,
    node: node.name,
    version,
    ...(step ? { rollout: Number(step.rollout), change: Number(step.change) } : {}),
    operations,
    policy: policyOf(cluster),
  };
  const pendingOperation = step !== undefined && operations.some((o) => o.change === Number(step.change));
  return { desired, pendingOperation };
}

/**
 * Long poll: the desired state as soon as its hash differs from `have` or an operation waits for
 * this node; otherwise as soon as a change to this node's desired state is announced (on any
 * replica), or after `waitS` seconds with the state as it is.
 */
export async function waitForDesired(
  ctx: ControlContext,
  agent: Principal,
  have: string | undefined,
  waitS: number,
  aborted: AbortSignal,
): Promise<DesiredState> {
  const deadline = ctx.clock() + waitS * 1000;
  const watch = watchDesired(ctx, agent.cluster ?? "", agent.node ?? "");
  try {
    let state = await desiredFor(ctx, agent);
    while (state.desired.version.hash === have && !state.pendingOperation) {
      if (!(await watch.next(deadline - ctx.clock(), aborted))) break;
      state = await desiredFor(ctx, agent);
    }
    return state.desired;
  } finally {
    watch.stop();
  }
}

function driftKey(drift: readonly Drift[] | undefined): string {
  return JSON.stringify((drift ?? []).map((d) => [d.kind, d.diff]));
}

/**
 * Stores a node's heartbeat (running hash, health). Drift that appears, changes or clears is an
 * event with the diff; heartbeats themselves are not, so the log holds what happened, not noise.
 */
export async function recordReport(
  ctx: ControlContext,
  agent: Principal,
  report: AgentReport,
): Promise<void> {
  const nodeId = nodeIdOf(agent);
  await transact(ctx, async (trx, record) => {
    const node = await trx.selectFrom("nodes").select(["drift"]).where("id", "=", nodeId).executeTakeFirst();
    if (!node) throw fail("LBG_NOT_FOUND", `there is no node ${nodeId}`);
    const before = node.drift === null ? [] : (JSON.parse(node.drift) as Drift[]);
    const driftChanged = report.drift !== undefined && driftKey(before) !== driftKey(report.drift);
    await trx
      .updateTable("nodes")
      .set({
        running_hash: report.runningHash,
        health: JSON.stringify(report.health),
        last_seen_at: nowIso(ctx),
        ...(report.drift !== undefined
          ? { drift: report.drift.length > 0 ? JSON.stringify(report.drift) : null }
          : {}),
      })
      .where("id", "=", nodeId)
      .execute();
    if (!driftChanged) return;
    const drift = report.drift ?? [];
    const cluster = await clusterRow(trx, agent.cluster ?? "");
    record({
      type: drift.length > 0 ? "node.drift" : "node.drift-cleared",
      actor: agent.name,
      cluster: agent.cluster,
      subject: `node:${nodeId}`,
      data: { drift, runningHash: report.runningHash, policy: policyOf(cluster).drift },
    });
  });
}

/** Appends a node's own events (applies, rollbacks, server state changes) to the audit log. */
export async function shipEvents(
  ctx: ControlContext,
  agent: Principal,
  report: AgentEventsReport,
): Promise<number> {
  const nodeId = nodeIdOf(agent);
  await transact(ctx, async (_trx, record) => {
    for (const event of report.events) {
      record({
        type: `agent.${event.type}`,
        actor: event.actor,
        cluster: agent.cluster,
        subject: `node:${nodeId}`,
        data: {
          at: event.at,
          ...(event.apply ? { apply: event.apply } : {}),
          ...(event.evidence ? { evidence: event.evidence } : {}),
        },
      });
    }
  });
  return report.events.length;
}
