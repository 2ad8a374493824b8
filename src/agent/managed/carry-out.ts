import type { ApplyReport, DesiredState, Version } from "../../control/api-types.js";
import { RuntimeConnectError } from "../../haproxy/runtime/runtime-errors.js";
import { applyConfig } from "../apply.js";
import { newOperationId } from "../journal.js";
import { NodeBusyError } from "../node-lock.js";
import { recoverNode } from "../recover.js";
import { runRuntimeOperation } from "../runtime-operation.js";
import { standByUntilActive, type BakeReadiness } from "./bake-when-active.js";
import { applyReportFor, operationStatus, pairHash, type OutcomeFacts, type Work } from "./decide.js";
import { finishKeepalivedPart, startKeepalivedPart, type KeepalivedPart } from "./keepalived-part.js";
import { currentPair } from "./vrrp-watch.js";
import type { ServerDeviation } from "./drift.js";
import { tryDeliver } from "./deliver.js";
import { saveState, type ManagedRun } from "./managed-run.js";

/** A version's number, hash and text, and its pair file when it has one: all an apply needs of it. */
export type ApprovedText = Pick<Version, "id" | "hash" | "text" | "vrrp">;

/** Who the node's event log names for what the control plane asked. */
export const CONTROL_PLANE_ACTOR = "control-plane";
/** Who it names for putting an approved version back after drift. */
export const DRIFT_RESTORE_ACTOR = "lbguard-drift-restore";

/**
 * Applies the desired version and carries out the runtime operations `work` names, recording
 * each outcome in managed.json before reporting it, so that nothing is done twice and nothing
 * done goes unreported. The control plane already gated them, so the gate does not bind here
 * (the bake and the automatic rollback still do). Throws, with nothing recorded, only when
 * another lbguard process holds the node or HAProxy cannot be reached: the caller retries.
 */
export async function carryOut(run: ManagedRun, desired: DesiredState, work: Work): Promise<void> {
  if (work.apply) {
    await applyDesired(run, work.apply, desired);
    await tryDeliver(run);
  }
  for (const { change, operation } of work.operations) {
    if (run.signal.aborted) return;
    const rollout = change === desired.change ? desired.rollout : undefined;
    let apply = newOperationId("op", run.ctx.clock());
    let status: "kept" | "reverted" | "blocked" | "failed";
    let detail: string;
    try {
      const outcome = await runRuntimeOperation(run.node, run.ctx, {
        ...operation,
        actor: CONTROL_PLANE_ACTOR,
        force: true,
        ...(desired.policy.bakeS !== undefined ? { bakeS: desired.policy.bakeS } : {}),
      });
      ({ apply, status } = outcome);
      detail = `change ${change}: ${outcome.command}`;
    } catch (error) {
      await settleUnlessBusy(run, error);
      status = "failed";
      detail = `change ${change}: ${(error as Error).message}`;
    }
    run.state.operations.push({ change, operation, status });
    run.state.outbox.push({
      version: desired.version.id,
      ...(rollout !== undefined ? { rollout } : {}),
      apply,
      status: operationStatus(status),
      detail,
    });
    saveState(run);
    run.log(
      `change ${change} (${operation.action.kind} ${operation.backend}/${operation.server}): ${status}`,
    );
    await tryDeliver(run);
  }
}

async function applyDesired(run: ManagedRun, version: Version, desired: DesiredState): Promise<void> {
  const { status, report } = await applyVersion(run, version, desired.rollout, CONTROL_PLANE_ACTOR, {
    bakeWhenActive: desired.bakeWhenActive === true,
  });
  const pair = pairHash(version);
  run.state.handled = {
    version: version.id,
    hash: version.hash,
    ...(pair !== undefined ? { pairHash: pair } : {}),
    ...(desired.rollout !== undefined ? { rollout: desired.rollout } : {}),
    status,
  };
  run.state.outbox.push(report);
  saveState(run);
  run.log(`version ${version.id}: ${status}`);
}

/**
 * Applies an approved version (forced), records it as the approved one when it ends up
 * running, and returns the report to send. A version with a pair has its keepalived part put
 * in place first (`startKeepalivedPart`), and put back when the HAProxy part does not end
 * running. With `bakeWhenActive` the bake waits until this node holds the VIP
 * (`standByUntilActive`). An apply that throws is settled through the journal and reported as
 * failed.
 */
async function applyVersion(
  run: ManagedRun,
  version: ApprovedText,
  rollout: number | undefined,
  actor: string,
  options: { context?: string; bakeWhenActive?: boolean } = {},
): Promise<{ status: ApplyReport["status"]; report: ApplyReport }> {
  const bakeS = run.desired?.policy.bakeS;
  const apply = newOperationId("apply", run.ctx.clock());
  let part: KeepalivedPart = { kind: "none" };
  let outcome: OutcomeFacts;
  try {
    part = await startKeepalivedPart(run, version, apply, actor);
    if (part.kind === "stopped") outcome = part.outcome;
    else {
      const pair = part.kind === "none" ? currentPair(run) : part.pair;
      const standBy = (id: string): Promise<BakeReadiness> =>
        standByUntilActive(run, pair, {
          version: version.id,
          ...(rollout !== undefined ? { rollout } : {}),
          apply: id,
        });
      outcome = await applyConfig(run.node, run.ctx, {
        text: version.text,
        source: `version ${version.id}`,
        actor,
        force: true,
        haproxy: run.haproxy,
        apply,
        ...(bakeS !== undefined ? { bakeS } : {}),
        ...(options.bakeWhenActive ? { beforeBake: standBy } : {}),
      });
      if (outcome.status === "unchanged" && part.kind === "switched") {
        // Only the pair changed: it is proven once keepalived took it (and, for a canary, once
        // this node holds the VIP with it); there is no HAProxy change to bake.
        const ready = options.bakeWhenActive ? await standBy(apply) : { ready: true as const };
        outcome = ready.ready
          ? { apply, status: "promoted" }
          : { apply, status: "rolled-back", error: ready.reason };
      }
    }
  } catch (error) {
    await finishKeepalivedPart(run, part, { status: "failed" });
    part = { kind: "none" };
    await settleUnlessBusy(run, error);
    outcome = { apply, status: "failed", error: (error as Error).message };
  }
  await finishKeepalivedPart(run, part, outcome);
  if (outcome.status === "promoted" || outcome.status === "unchanged") {
    const pair = pairHash(version);
    run.state.applied = {
      version: version.id,
      hash: version.hash,
      ...(pair !== undefined ? { pairHash: pair } : {}),
    };
    // Kept so that drift can be shown and restored while the control plane is out of reach.
    run.ctx.store.keep(version.text);
  }
  return { status: outcome.status, report: applyReportFor(version, rollout, outcome, options.context) };
}

/**
 * Puts the approved version back on disk and live after the file drifted (policy `restore`),
 * through the same apply, bake and rollback as any version.
 */
export async function restoreFile(run: ManagedRun, version: ApprovedText): Promise<void> {
  run.log(`drift: putting version ${version.id} back`);
  const { status, report } = await applyVersion(run, version, undefined, DRIFT_RESTORE_ACTOR, {
    context: "drift restore",
  });
  run.state.outbox.push(report);
  saveState(run);
  run.log(`drift restore of version ${version.id}: ${status}`);
  await tryDeliver(run);
}

/** Puts servers set by hand on the runtime API back as approved (policy `restore`). */
export async function restoreRuntime(
  run: ManagedRun,
  commands: string[],
  deviations: ServerDeviation[],
): Promise<void> {
  for (const command of commands) await run.node.runtime(command);
  run.ctx.events.append({
    type: "drift.restored",
    actor: DRIFT_RESTORE_ACTOR,
    evidence: { kind: "runtime", servers: deviations.map((d) => d.server), commands },
  });
  run.log(`drift: ${commands.join("; ")}`);
}

/**
 * After an apply or operation threw: rethrows when the work can be tried again as it is
 * (another lbguard process holds the node, or HAProxy cannot be reached), having first
 * finished or undone what this process left in the journal, as a restart would.
 */
async function settleUnlessBusy(run: ManagedRun, error: unknown): Promise<void> {
  // The journal of a busy node belongs to the process that holds it.
  if (error instanceof NodeBusyError) throw error;
  if (run.ctx.journal.current()) {
    try {
      await recoverNode(run.node, run.ctx);
    } catch (failure) {
      run.log(`could not settle the interrupted apply: ${(failure as Error).message}`);
    }
  }
  if (error instanceof RuntimeConnectError) throw error;
}
