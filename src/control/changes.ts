import type { Kysely, Selectable, Transaction } from "kysely";
import type { GateFinding } from "../gate/gate.js";
import type { Risk } from "../plan/risk.js";
import type { Plan } from "../plan/types.js";
import type { StoreDialect } from "../store/database.js";
import type { ChangesTable, Database } from "../store/schema.js";
import type {
  Change,
  ChangeState,
  ChangeSummary,
  ProposeRequest,
  Review,
  ReviewRequest,
  RuntimeOperationSpec,
  Version,
} from "./api-types.js";
import { clusterRow, getVersion, insertVersion, policyOf } from "./clusters.js";
import { fail, nowIso, transact, type ControlContext, type Principal } from "./control-context.js";
import { judgePair, singleNodeFinding } from "./judge-pair.js";
import { judgeConfigProposal, judgeOperationProposal, type ProposalJudgement } from "./judge-proposal.js";
import { approvalsRequired, judgeReview } from "./review-policy.js";
import { getRolloutOfChange } from "./rollouts.js";

/** Changes that can still roll out; a newer current version supersedes them. */
export const OPEN_STATES: readonly ChangeState[] = ["draft", "in-review", "approved"];

export type ChangeRow = Selectable<ChangesTable>;

/**
 * One change. Inside a PostgreSQL transaction `lock` takes the row lock, so reviews and rollouts
 * of the same change on several replicas run one after the other (SQLite writes one at a time).
 */
export async function changeRow(db: Kysely<Database>, id: number, lock?: StoreDialect): Promise<ChangeRow> {
  let query = db.selectFrom("changes").selectAll().where("id", "=", id);
  if (lock === "postgres") query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw fail("LBG_NOT_FOUND", `there is no change ${id}`);
  return { ...row, id: Number(row.id) };
}

async function reviewsOf(db: Kysely<Database>, change: number): Promise<Review[]> {
  const rows = await db
    .selectFrom("reviews")
    .selectAll()
    .where("change_id", "=", change)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    reviewer: r.reviewer,
    decision: r.decision as Review["decision"],
    comment: r.comment,
    ...(r.override !== null ? { override: r.override } : {}),
    createdAt: r.created_at,
  }));
}

function summary(row: ChangeRow, approvals: number, required: number): ChangeSummary {
  return {
    id: row.id,
    cluster: row.cluster,
    kind: row.kind as ChangeSummary["kind"],
    state: row.state as ChangeState,
    author: row.author,
    message: row.message,
    parent: Number(row.parent),
    ...(row.version !== null ? { version: Number(row.version) } : {}),
    ...(row.operation !== null ? { operation: JSON.parse(row.operation) as RuntimeOperationSpec } : {}),
    verdict: row.verdict as ChangeSummary["verdict"],
    risk: row.risk as Risk,
    approvals,
    approvalsRequired: required,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function getChange(ctx: ControlContext, id: number): Promise<Change> {
  const db = ctx.store.db;
  const row = await changeRow(db, id);
  const cluster = await clusterRow(db, row.cluster);
  const reviews = await reviewsOf(db, id);
  const rollout = await getRolloutOfChange(ctx, id);
  return {
    ...summary(
      row,
      reviews.filter((r) => r.decision === "approve").length,
      approvalsRequired(policyOf(cluster), row.risk as Risk),
    ),
    findings: JSON.parse(row.findings) as GateFinding[],
    plan: JSON.parse(row.plan) as Plan,
    reviews,
    ...(rollout ? { rollout } : {}),
  };
}

export async function listChanges(
  ctx: ControlContext,
  cluster: string,
  state?: string,
): Promise<ChangeSummary[]> {
  const db = ctx.store.db;
  const policy = policyOf(await clusterRow(db, cluster));
  let query = db.selectFrom("changes").selectAll().where("cluster", "=", cluster);
  if (state) query = query.where("state", "=", state);
  const rows = await query.orderBy("id", "desc").limit(500).execute();
  const counts = await db
    .selectFrom("reviews")
    .select(["change_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("decision", "=", "approve")
    .where("change_id", "in", rows.length > 0 ? rows.map((r) => r.id) : [-1])
    .groupBy("change_id")
    .execute();
  const approvals = new Map(counts.map((c) => [Number(c.change_id), Number(c.n)]));
  return rows.map((r) =>
    summary(
      { ...r, id: Number(r.id) },
      approvals.get(Number(r.id)) ?? 0,
      approvalsRequired(policy, r.risk as Risk),
    ),
  );
}

/**
 * Proposes a change against a named parent version: judged by the gate on the server, stored
 * with its verdict, findings, plan and risk (a new configuration also becomes an immutable
 * version), and put up for review unless kept as a draft. A new pair file (`vrrp`) makes a new
 * version too, with the parent's HAProxy text when no `config` comes with it; a new config
 * keeps the parent's pair file. A cluster with fewer than two nodes gets a warning on every
 * change, and a pair file that does not name exactly the cluster's nodes blocks it.
 */
export async function propose(
  ctx: ControlContext,
  actor: Principal,
  cluster: string,
  request: ProposeRequest,
  /**
   * An earlier version whose text `request.config` is (a rollback): named rather than copied,
   * with its pair file.
   */
  existing?: Pick<Version, "id" | "vrrp">,
): Promise<Change> {
  const db = ctx.store.db;
  const row = await clusterRow(db, cluster);
  const parent = await getVersion(db, request.parent);
  if (parent.cluster !== cluster)
    throw fail("LBG_BAD_REQUEST", `parent: version ${request.parent} belongs to cluster ${parent.cluster}`);
  const newVersion = request.config !== undefined || request.vrrp !== undefined;
  if (newVersion === (request.operation !== undefined)) {
    throw fail(
      "LBG_BAD_REQUEST",
      "config, vrrp, operation: give a new configuration or pair file (or both), or a runtime operation",
    );
  }
  const setting = {
    inventory: row.inventory,
    rps: row.rps,
    ...(ctx.haproxy ? { haproxy: ctx.haproxy } : {}),
  };
  const config = request.config ?? parent.text;
  const vrrp = existing !== undefined ? existing.vrrp : (request.vrrp ?? parent.vrrp);
  const nodes = (
    await db.selectFrom("nodes").select("name").where("cluster", "=", cluster).orderBy("name").execute()
  ).map((n) => n.name);
  const judged: ProposalJudgement = newVersion
    ? withFindings(
        await judgeConfigProposal(parent.text, config, setting),
        judgePair({ cluster, nodes, config, ...(vrrp !== undefined ? { vrrp } : {}) }).findings,
      )
    : withFindings(
        judgeOperationProposal(parent.text, request.operation as RuntimeOperationSpec, setting),
        [singleNodeFinding(cluster, nodes)].filter((f) => f !== undefined),
      );
  const id = await transact(ctx, async (trx, record) => {
    const version =
      existing !== undefined
        ? { id: existing.id }
        : newVersion
          ? await insertVersion(ctx, trx, record, {
              cluster,
              text: config,
              vrrp: vrrp ?? null,
              author: actor.name,
              message: request.message,
              parent: parent.id,
            })
          : undefined;
    const at = nowIso(ctx);
    const state: ChangeState = request.draft ? "draft" : "in-review";
    const { id } = await trx
      .insertInto("changes")
      .values({
        cluster,
        kind: newVersion ? "config" : "runtime",
        state,
        author: actor.name,
        message: request.message,
        parent: parent.id,
        version: version?.id ?? null,
        operation: request.operation ? JSON.stringify(request.operation) : null,
        verdict: judged.verdict,
        risk: judged.risk,
        findings: JSON.stringify(judged.findings),
        plan: JSON.stringify(judged.plan),
        created_at: at,
        updated_at: at,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    record({
      type: "change.proposed",
      actor: actor.name,
      cluster,
      subject: `change:${id}`,
      data: {
        parent: parent.id,
        version: version?.id ?? null,
        operation: request.operation ?? null,
        verdict: judged.verdict,
        risk: judged.risk,
        errors: judged.findings.filter((f) => f.severity === "error").map((f) => f.rule),
        state,
        message: request.message,
      },
    });
    return Number(id);
  });
  return getChange(ctx, id);
}

/** The judgement with the control plane's own findings added; an error among them blocks. */
function withFindings(judged: ProposalJudgement, findings: GateFinding[]): ProposalJudgement {
  if (findings.length === 0) return judged;
  const all = [...judged.findings, ...findings];
  return {
    ...judged,
    findings: all,
    verdict: all.some((f) => f.severity === "error") ? "block" : judged.verdict,
  };
}

/** Moves a draft into review. */
export async function submit(ctx: ControlContext, actor: Principal, id: number): Promise<Change> {
  await transact(ctx, async (trx, record) => {
    const row = await changeRow(trx, id, ctx.store.dialect);
    if (row.state !== "draft") throw fail("LBG_WRONG_STATE", `change ${id} is ${row.state}, not a draft`);
    await setState(ctx, trx, id, "draft", "in-review");
    record({
      type: "change.submitted",
      actor: actor.name,
      cluster: row.cluster,
      subject: `change:${id}`,
    });
  });
  return getChange(ctx, id);
}

/**
 * Compare-and-swap of a change's state: only moves it when it is still `from`, so two reviews
 * or rollouts racing on replicas cannot both move it. Throws LBG_WRONG_STATE when it was not.
 */
export async function setState(
  ctx: ControlContext,
  trx: Transaction<Database>,
  id: number,
  from: ChangeState,
  to: ChangeState,
): Promise<void> {
  const result = await trx
    .updateTable("changes")
    .set({ state: to, updated_at: nowIso(ctx) })
    .where("id", "=", id)
    .where("state", "=", from)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw fail("LBG_WRONG_STATE", `change ${id} is no longer ${from}`);
}

/** Records an approval or a rejection under the cluster's policy. */
export async function review(
  ctx: ControlContext,
  actor: Principal,
  id: number,
  request: ReviewRequest,
): Promise<Change> {
  await transact(ctx, async (trx, record) => {
    const row = await changeRow(trx, id, ctx.store.dialect);
    const policy = policyOf(await clusterRow(trx, row.cluster));
    const reviews = await reviewsOf(trx, id);
    const approvedBy = reviews.filter((r) => r.decision === "approve").map((r) => r.reviewer);
    const overridden = reviews.some((r) => r.override !== undefined);
    const outcome = judgeReview(
      {
        author: row.author,
        state: row.state as ChangeState,
        verdict: row.verdict as "pass" | "block",
        risk: row.risk as Risk,
        approvedBy,
        overridden,
      },
      actor,
      request,
      policy,
    );
    // The unique (change, reviewer) key makes a second racing review by the same person fail here.
    await trx
      .insertInto("reviews")
      .values({
        change_id: id,
        reviewer: actor.name,
        decision: request.decision,
        comment: request.comment,
        override: outcome.override ?? null,
        created_at: nowIso(ctx),
      })
      .execute();
    const subject = `change:${id}`;
    if (outcome.override) {
      record({
        type: "change.override",
        actor: actor.name,
        cluster: row.cluster,
        subject,
        data: { reason: outcome.override, verdict: row.verdict },
      });
    }
    record({
      type: request.decision === "approve" ? "review.approved" : "review.rejected",
      actor: actor.name,
      cluster: row.cluster,
      subject,
      data: { comment: request.comment, approvals: outcome.approvals },
    });
    if (outcome.state !== row.state) {
      await setState(ctx, trx, id, row.state as ChangeState, outcome.state);
      record({ type: `change.${outcome.state}`, actor: actor.name, cluster: row.cluster, subject });
    }
  });
  return getChange(ctx, id);
}
