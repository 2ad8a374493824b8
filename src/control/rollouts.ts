import type { Kysely, Selectable, Transaction } from "kysely";
import type { Database, RolloutsTable } from "../store/schema.js";
import type { ApplyReport, Change, Rollout, RolloutNodeState, RollbackRequest } from "./api-types.js";
import { OPEN_STATES, changeRow, getChange, propose, setState, type ChangeRow } from "./changes.js";
import { clusterRow, getVersion } from "./clusters.js";
import {
  fail,
  nowIso,
  transact,
  type ControlContext,
  type Principal,
  type RecordEvent,
} from "./control-context.js";
import { acceptsReport, progressRollout, rolloutOrder } from "./rollout-progress.js";
import { holdsVipNow } from "./node-vrrp.js";
import { announceDesired } from "./desired-signal.js";
import { splitNodeId } from "./access.js";
import { nodeIdOf } from "./agents.js";
import { openRollbackIncident } from "../incidents/incident-store.js";

async function rolloutView(db: Kysely<Database>, row: Selectable<RolloutsTable>): Promise<Rollout> {
  const nodes = await db
    .selectFrom("rollout_nodes")
    .selectAll()
    .where("rollout_id", "=", row.id)
    .orderBy("position")
    .orderBy("node_id")
    .execute();
  return {
    id: Number(row.id),
    change: Number(row.change_id),
    cluster: row.cluster,
    state: row.state as Rollout["state"],
    startedBy: row.started_by,
    ...(row.vip_holder !== null ? { vipHolder: nodeName(row.vip_holder) } : {}),
    nodes: nodes.map((n) => ({
      node: nodeName(n.node_id),
      state: n.state as RolloutNodeState,
      ...(n.apply !== null ? { apply: n.apply } : {}),
      ...(n.detail !== null ? { detail: n.detail } : {}),
      updatedAt: n.updated_at,
    })),
    createdAt: row.created_at,
    ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
  };
}

export async function getRollout(ctx: ControlContext, id: number): Promise<Rollout> {
  const row = await ctx.store.db.selectFrom("rollouts").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw fail("LBG_NOT_FOUND", `there is no rollout ${id}`);
  return rolloutView(ctx.store.db, row);
}

/** The latest rollout of a change, if it was rolled out. */
export async function getRolloutOfChange(ctx: ControlContext, change: number): Promise<Rollout | undefined> {
  const row = await ctx.store.db
    .selectFrom("rollouts")
    .selectAll()
    .where("change_id", "=", change)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? rolloutView(ctx.store.db, row) : undefined;
}

/**
 * Starts rolling out an approved change, as a compare-and-swap on the cluster's current version:
 * the change's parent must still be current (else LBG_STALE_PARENT naming the newer version) and
 * no other rollout may be running. The canary (first node by name) gets the version now; the
 * others once the canary promoted it. For a version with a pair whose VIP holder is known, the
 * holder goes last and the canary is a backup (see {@link rolloutOrder}).
 */
export async function startRollout(
  ctx: ControlContext,
  actor: Principal,
  changeId: number,
): Promise<Rollout> {
  const started = await transact(ctx, (trx, record) => startRolloutIn(ctx, trx, record, actor, changeId));
  // Only the canary's desired state changed; the other nodes' polls sleep on.
  await announceDesired(ctx, { cluster: started.cluster, nodes: started.canary ? [started.canary] : [] });
  return getRollout(ctx, started.id);
}

async function startRolloutIn(
  ctx: ControlContext,
  trx: Transaction<Database>,
  record: RecordEvent,
  actor: Principal,
  changeId: number,
): Promise<{ id: number; cluster: string; canary?: string }> {
  const change = await changeRow(trx, changeId, ctx.store.dialect);
  let clusterQuery = trx.selectFrom("clusters").selectAll().where("name", "=", change.cluster);
  if (ctx.store.dialect === "postgres") clusterQuery = clusterQuery.forUpdate();
  const cluster = await clusterQuery.executeTakeFirstOrThrow();
  const current = Number(cluster.current_version);
  if (Number(change.parent) !== current) {
    throw fail(
      "LBG_STALE_PARENT",
      `change ${changeId} was made against version ${change.parent}, but version ${current} is current in cluster ${change.cluster} now`,
    );
  }
  if (change.state !== "approved") {
    throw fail("LBG_WRONG_STATE", `change ${changeId} is ${change.state}; only an approved change rolls out`);
  }
  const running = await trx
    .selectFrom("rollouts")
    .select(["id", "change_id"])
    .where("cluster", "=", change.cluster)
    .where("state", "=", "running")
    .executeTakeFirst();
  if (running) {
    throw fail(
      "LBG_WRONG_STATE",
      `rollout ${running.id} of change ${running.change_id} is still running in cluster ${change.cluster}`,
    );
  }
  const at = nowIso(ctx);
  const nodeRows = await trx
    .selectFrom("nodes")
    .select(["id", "name", "vrrp_holds_vip", "vrrp_seen_at"])
    .where("cluster", "=", change.cluster)
    .execute();
  const version =
    change.version === null
      ? undefined
      : await trx
          .selectFrom("versions")
          .select("vrrp")
          .where("id", "=", Number(change.version))
          .executeTakeFirst();
  const paired = (version?.vrrp ?? null) !== null;
  const now = ctx.clock();
  const { order: nodes, vipHolder } = rolloutOrder(
    nodeRows.map((n) => ({ id: n.id, name: n.name, holdsVip: holdsVipNow(n, now) })),
    paired,
  );
  const { id } = await trx
    .insertInto("rollouts")
    .values({
      change_id: changeId,
      cluster: change.cluster,
      state: "running",
      started_by: actor.name,
      created_at: at,
      finished_at: null,
      vip_holder: vipHolder?.id ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const rollout = Number(id);
  for (const [position, node] of nodes.entries()) {
    await trx
      .insertInto("rollout_nodes")
      .values({
        rollout_id: rollout,
        node_id: node.id,
        position,
        state: position === 0 ? "applying" : "pending",
        apply: null,
        detail: null,
        updated_at: at,
      })
      .execute();
  }
  await setState(ctx, trx, changeId, "approved", "rolling-out");
  record({
    type: "rollout.started",
    actor: actor.name,
    cluster: change.cluster,
    subject: `change:${changeId}`,
    data: {
      rollout,
      canary: nodes[0]?.name ?? null,
      nodes: nodes.map((n) => n.name),
      version: change.version,
      ...(vipHolder ? { vipHolder: vipHolder.name } : {}),
    },
  });
  const canary = nodes[0];
  if (!canary) {
    await finish(ctx, trx, record, change, rollout, "completed");
  } else if (change.version !== null) {
    await trx
      .updateTable("nodes")
      .set({ desired_version: Number(change.version) })
      .where("id", "=", canary.id)
      .execute();
  }
  return { id: rollout, cluster: change.cluster, ...(canary ? { canary: canary.name } : {}) };
}

/** Ends a rollout: on completion the change's version becomes current and older open changes are superseded. */
export async function finish(
  ctx: ControlContext,
  trx: Transaction<Database>,
  record: RecordEvent,
  change: ChangeRow,
  rollout: number,
  outcome: "completed" | "halted",
): Promise<void> {
  await trx
    .updateTable("rollouts")
    .set({ state: outcome, finished_at: nowIso(ctx) })
    .where("id", "=", rollout)
    .execute();
  const subject = `change:${change.id}`;
  if (outcome === "halted") {
    await setState(ctx, trx, change.id, "rolling-out", "rolled-back");
    // Nodes given the version go back to the parent (the agent already restored it there).
    await trx
      .updateTable("nodes")
      .set({ desired_version: Number(change.parent) })
      .where("cluster", "=", change.cluster)
      .where("desired_version", "=", Number(change.version ?? -1))
      .execute();
    record({
      type: "rollout.halted",
      actor: "control-plane",
      cluster: change.cluster,
      subject,
      data: { rollout },
    });
    return;
  }
  await setState(ctx, trx, change.id, "rolling-out", "applied");
  record({
    type: "rollout.completed",
    actor: "control-plane",
    cluster: change.cluster,
    subject,
    data: { rollout },
  });
  if (change.version === null) return;
  await trx
    .updateTable("clusters")
    .set({ current_version: Number(change.version) })
    .where("name", "=", change.cluster)
    .execute();
  const superseded = await trx
    .updateTable("changes")
    .set({ state: "superseded", updated_at: nowIso(ctx) })
    .where("cluster", "=", change.cluster)
    .where("parent", "=", Number(change.parent))
    .where("id", "!=", change.id)
    .where("state", "in", [...OPEN_STATES])
    .returning("id")
    .execute();
  for (const s of superseded) {
    record({
      type: "change.superseded",
      actor: "control-plane",
      cluster: change.cluster,
      subject: `change:${s.id}`,
      data: { by: change.id, version: change.version },
    });
  }
}

/**
 * Records how a node's apply ended and moves its rollout on: a promoted canary releases the other
 * nodes, the last promotion completes the rollout, any rollback or failure halts it. A backup
 * canary standing by (pair rollouts) has the VIP holder asked to hand the VIP over.
 */
export async function recordApply(ctx: ControlContext, agent: Principal, report: ApplyReport): Promise<void> {
  const nodeId = nodeIdOf(agent);
  const cluster = agent.cluster ?? "";
  const moved = await transact(ctx, async (trx, record) => {
    const at = nowIso(ctx);
    if (report.status === "promoted" || report.status === "unchanged") {
      await trx
        .updateTable("nodes")
        .set({ applied_version: report.version, last_seen_at: at })
        .where("id", "=", nodeId)
        .execute();
    }
    record({
      type: report.status === "standby" ? "node.standby" : "node.applied",
      actor: agent.name,
      cluster,
      subject: `node:${nodeId}`,
      data: { ...report },
    });
    if (report.rollout === undefined) return undefined;
    const rollout = await trx
      .selectFrom("rollouts")
      .select(["change_id", "state", "cluster", "vip_holder"])
      .where("id", "=", report.rollout)
      .executeTakeFirst();
    if (!rollout || rollout.state !== "running" || rollout.cluster !== cluster) return undefined;
    const change = await changeRow(trx, Number(rollout.change_id), ctx.store.dialect);
    // Only what the progress needs: with a large fleet this runs once per node and rollout.
    const steps = await trx
      .selectFrom("rollout_nodes")
      .select(["node_id", "position", "state"])
      .where("rollout_id", "=", report.rollout)
      .execute();
    const state = steps.find((step) => step.node_id === nodeId)?.state as RolloutNodeState | undefined;
    if (!acceptsReport(state, report.status)) return undefined;
    const progress = progressRollout(
      steps.map((step) => ({
        node: step.node_id,
        position: Number(step.position),
        state: step.state as RolloutNodeState,
      })),
      nodeId,
      report.status,
      rollout.vip_holder ?? undefined,
    );
    await trx
      .updateTable("rollout_nodes")
      .set({ state: progress.nodeState, apply: report.apply, detail: report.detail ?? null, updated_at: at })
      .where("rollout_id", "=", report.rollout)
      .where("node_id", "=", nodeId)
      .execute();
    if (progress.start.length > 0) {
      await trx
        .updateTable("rollout_nodes")
        .set({ state: "applying", updated_at: at })
        .where("rollout_id", "=", report.rollout)
        .where("node_id", "in", progress.start)
        .execute();
      if (change.version !== null) {
        await trx
          .updateTable("nodes")
          .set({ desired_version: Number(change.version) })
          .where("id", "in", progress.start)
          .execute();
      }
      record({
        type: "rollout.canary-passed",
        actor: "control-plane",
        cluster,
        subject: `change:${change.id}`,
        data: { rollout: report.rollout, canary: agent.node, next: progress.start.map(nodeName) },
      });
    }
    if (progress.handover.length > 0) {
      await trx
        .updateTable("rollout_nodes")
        .set({ state: "handing-over", updated_at: at })
        .where("rollout_id", "=", report.rollout)
        .where("node_id", "in", progress.handover)
        .execute();
      record({
        type: "rollout.handover-requested",
        actor: "control-plane",
        cluster,
        subject: `change:${change.id}`,
        data: { rollout: report.rollout, from: progress.handover.map(nodeName), canary: agent.node },
      });
    }
    if (progress.rollout !== "running")
      await finish(ctx, trx, record, change, Number(report.rollout), progress.rollout);
    return progress;
  });
  // Wake the nodes released by the canary or asked to hand over; a halt may have pointed nodes
  // back at the parent.
  if (moved?.rollout === "halted") await announceDesired(ctx, { cluster });
  else if (moved)
    await announceDesired(ctx, { cluster, nodes: [...moved.start, ...moved.handover].map(nodeName) });
  // After the apply's own commit: the report is what the node did and must be kept even if
  // opening the incident fails; the agent's outbox sends the report again on a 5xx, and a second
  // opening only links to the incident the first one opened.
  if (report.status === "rolled-back") {
    await openRollbackIncident(ctx, { cluster, node: agent.node ?? "" }, report);
  }
}

function nodeName(nodeId: string): string {
  return splitNodeId(nodeId)[1];
}

/**
 * Goes back to an earlier version of the cluster: a change from the current version to `to`,
 * approved by the caller (an approver going back to a version reviewed before needs no second
 * person; a version the gate blocks now still needs an admin) and rolled out at once.
 */
export async function rollback(
  ctx: ControlContext,
  actor: Principal,
  cluster: string,
  request: RollbackRequest,
): Promise<Change> {
  const current = Number((await clusterRow(ctx.store.db, cluster)).current_version);
  const target = await getVersion(ctx.store.db, request.to);
  if (target.cluster !== cluster)
    throw fail("LBG_BAD_REQUEST", `to: version ${request.to} belongs to cluster ${target.cluster}`);
  if (target.id === current)
    throw fail("LBG_WRONG_STATE", `version ${request.to} is already current in cluster ${cluster}`);
  const message = request.message ?? `roll back to version ${request.to}`;
  const proposed = await propose(
    ctx,
    actor,
    cluster,
    { parent: current, message, config: target.text, draft: true },
    target,
  );
  if (proposed.verdict === "block" && actor.role !== "admin") {
    throw fail(
      "LBG_OVERRIDE_REQUIRED",
      `the gate blocks version ${request.to} now (change ${proposed.id}); only an admin can roll back to it`,
    );
  }
  await transact(ctx, async (trx, record) => {
    await trx
      .insertInto("reviews")
      .values({
        change_id: proposed.id,
        reviewer: actor.name,
        decision: "approve",
        comment: message,
        override: proposed.verdict === "block" ? message : null,
        created_at: nowIso(ctx),
      })
      .execute();
    await setState(ctx, trx, proposed.id, "draft", "approved");
    record({
      type: "change.rollback",
      actor: actor.name,
      cluster,
      subject: `change:${proposed.id}`,
      data: { from: current, to: target.id, message },
    });
  });
  await startRollout(ctx, actor, proposed.id);
  return getChange(ctx, proposed.id);
}
