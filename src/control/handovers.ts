import type { HandoverReport } from "./api-types.js";
import { splitNodeId } from "./access.js";
import { nodeIdOf } from "./agents.js";
import { changeRow } from "./changes.js";
import { nowIso, transact, type ControlContext, type Principal } from "./control-context.js";
import { announceDesired } from "./desired-signal.js";
import { finish } from "./rollouts.js";

/**
 * Records how the VIP holder's handover ended. Handed over: the node stays out of the way (a
 * backup that applies the version once the canary promoted it). Failed: the rollout halts as
 * for a failed canary, since going on would take the only node serving out of service. A report
 * for a node that is not handing over (late, repeated, or for a rollout that ended) changes
 * nothing and is answered `accepted: false`.
 */
export async function recordHandover(
  ctx: ControlContext,
  agent: Principal,
  report: HandoverReport,
): Promise<{ accepted: boolean }> {
  const nodeId = nodeIdOf(agent);
  const cluster = agent.cluster ?? "";
  const outcome = await transact(ctx, async (trx, record) => {
    const rolloutState = () =>
      trx
        .selectFrom("rollouts")
        .select(["change_id", "state", "cluster"])
        .where("id", "=", report.rollout)
        .executeTakeFirst();
    const rollout = await rolloutState();
    if (!rollout || rollout.cluster !== cluster) return undefined;
    // The change's row lock first, as a canary's report takes it, so the two queue rather than
    // deadlock; then the rollout as the report that held the lock may have left it.
    const change = await changeRow(trx, Number(rollout.change_id), ctx.store.dialect);
    if ((await rolloutState())?.state !== "running") return undefined;
    const handedOver = report.status === "handed-over";
    // Only from handing-over: a report that comes late (the canary's promotion already moved the
    // node on to applying) must not undo that.
    const moved = await trx
      .updateTable("rollout_nodes")
      .set({
        state: handedOver ? "handed-over" : "failed",
        detail: report.detail ?? null,
        updated_at: nowIso(ctx),
      })
      .where("rollout_id", "=", report.rollout)
      .where("node_id", "=", nodeId)
      .where("state", "=", "handing-over")
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) return undefined;
    record({
      type: handedOver ? "rollout.handed-over" : "rollout.handover-failed",
      actor: agent.name,
      cluster,
      subject: `change:${change.id}`,
      data: {
        rollout: report.rollout,
        node: splitNodeId(nodeId)[1],
        ...(report.detail ? { detail: report.detail } : {}),
      },
    });
    if (!handedOver) await finish(ctx, trx, record, change, report.rollout, "halted");
    return handedOver ? "handed-over" : "halted";
  });
  // A halt points the nodes given the version back at the parent.
  if (outcome === "halted") await announceDesired(ctx, { cluster });
  return { accepted: outcome !== undefined };
}
