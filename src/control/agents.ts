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
import { driftAfterReport } from "./node-vrrp.js";

/** The `cluster/node` an agent token acts for; any other token is refused. */
export function nodeIdOf(agent: Principal): string {
  if (agent.role !== "agent" || !agent.cluster || !agent.node)
    throw fail("LBG_FORBIDDEN", "only an agent token can do this");
  return `${agent.cluster}/${agent.node}`;
}

/**
 * What the agent's node should run: its desired version, the rollout handing it over, and the
 * runtime operations made on top of the cluster's current version (those still to carry out on
 * this node, and those done, which drift detection must expect). In a pair rollout the backup
 * canary is told to bake once it holds the VIP, and the VIP holder to hand it over.
 * `waiting` says the node has something to do now even if the version's hash is the one it
 * has: a runtime operation, a handover, or a rollout step for a version it has not applied (a
 * new pair file beside the same HAProxy text).
 */
export async function desiredFor(
  ctx: ControlContext,
  agent: Principal,
): Promise<{ desired: DesiredState; waiting: boolean }> {
  const db = ctx.store.db;
  const nodeId = nodeIdOf(agent);
  const node = await db.selectFrom("nodes").selectAll().where("id", "=", nodeId).executeTakeFirst();
  if (!node) throw fail("LBG_NOT_FOUND", `there is no node ${nodeId}`);
  const cluster = await clusterRow(db, node.cluster);
  const version = await getVersion(db, Number(node.desired_version));
  const step = await db
    .selectFrom("rollout_nodes")
    .innerJoin("rollouts", "rollouts.id", "rollout_nodes.rollout_id")
    .select([
      "rollouts.id as rollout",
      "rollouts.change_id as change",
      "rollouts.vip_holder as vipHolder",
      "rollout_nodes.position as position",
      "rollout_nodes.state as state",
    ])
    .where("rollout_nodes.node_id", "=", nodeId)
    .where("rollout_nodes.state", "in", ["applying", "standby", "handing-over"])
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
  const handover = step?.state === "handing-over";
  const bakeWhenActive =
    step !== undefined && step.vipHolder !== null && Number(step.position) === 0 && !handover;
  const desired: DesiredState = {
    cluster: node.cluster,
    node: node.name,
    version,
    ...(step ? { rollout: Number(step.rollout), change: Number(step.change) } : {}),
    operations,
    policy: policyOf(cluster),
    ...(handover ? { handover: true } : {}),
    ...(bakeWhenActive ? { bakeWhenActive: true } : {}),
  };
  const pendingOperation = step !== undefined && operations.some((o) => o.change === Number(step.change));
  const unapplied = step?.state === "applying" && Number(node.applied_version ?? 0) !== version.id;
  return { desired, waiting: pendingOperation || handover || unapplied };
}

/**
 * Long poll: the desired state as soon as its hash differs from `have` or something waits for
 * this node (an operation, a handover, a version with the same HAProxy text but a new pair
 * file); otherwise as soon as a change to this node's desired state is announced (on any
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
    while (state.desired.version.hash === have && !state.waiting) {
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
 * Stores a node's heartbeat (running hash, health, VRRP state and keepalived.conf hash). Drift
 * that appears, changes or clears is an event with the diff, and so is a VRRP instance that
 * changes state or gains or loses the VIP; heartbeats themselves are not, so the log holds what
 * happened, not noise.
 */
export async function recordReport(
  ctx: ControlContext,
  agent: Principal,
  report: AgentReport,
): Promise<void> {
  const nodeId = nodeIdOf(agent);
  await transact(ctx, async (trx, record) => {
    const node = await trx
      .selectFrom("nodes")
      .select(["drift", "vrrp_state", "vrrp_holds_vip"])
      .where("id", "=", nodeId)
      .executeTakeFirst();
    if (!node) throw fail("LBG_NOT_FOUND", `there is no node ${nodeId}`);
    const at = nowIso(ctx);
    const before = node.drift === null ? [] : (JSON.parse(node.drift) as Drift[]);
    const next = driftAfterReport(before, report, at);
    const driftChanged = next !== undefined && driftKey(before) !== driftKey(next);
    const { vrrp } = report;
    await trx
      .updateTable("nodes")
      .set({
        running_hash: report.runningHash,
        health: JSON.stringify(report.health),
        last_seen_at: at,
        ...(next !== undefined ? { drift: next.length > 0 ? JSON.stringify(next) : null } : {}),
        ...(vrrp !== undefined
          ? {
              vrrp_state: vrrp.state,
              vrrp_holds_vip: vrrp.holdsVip ? 1 : 0,
              vrrp_seen_at: at,
              keepalived_hash: vrrp.keepalivedHash ?? null,
            }
          : {}),
      })
      .where("id", "=", nodeId)
      .execute();
    const holdsBefore = node.vrrp_holds_vip === null ? undefined : Number(node.vrrp_holds_vip) === 1;
    if (vrrp !== undefined && (vrrp.state !== node.vrrp_state || vrrp.holdsVip !== holdsBefore)) {
      record({
        type: "node.vrrp",
        actor: agent.name,
        cluster: agent.cluster,
        subject: `node:${nodeId}`,
        data: {
          state: vrrp.state,
          holdsVip: vrrp.holdsVip,
          before: { state: node.vrrp_state, holdsVip: holdsBefore ?? null },
        },
      });
    }
    if (!driftChanged) return;
    const drift = next;
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
