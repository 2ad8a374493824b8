import { readFileSync } from "node:fs";
import { evaluateChange, type ChangeJudgement } from "../gate/evaluate-change.js";
import type { GateResult } from "../gate/gate.js";
import type { Config } from "../model/config.js";
import type { Finding } from "../model/finding.js";
import type { TrafficInput } from "../simulate/types.js";
import type { AgentContext, HaproxyNode } from "./agent-context.js";
import { removeQuietly, temporaryPathFor, writeDurable, moveDurable } from "./atomic-file.js";
import type { Breach } from "./bake/judge.js";
import { contentHash, type StoredVersion } from "./config-store.js";
import { failpoint } from "./failpoint.js";
import { newOperationId, type JournalEntry } from "./journal.js";
import { lockNode } from "./node-lock.js";
import { preflight, type ProbeFailure } from "./preflight.js";
import { expectedShares, observedTraffic, sampleBaseline, watchChange } from "./watch.js";

/** A candidate configuration to put live. */
export interface ApplyRequest {
  /** The candidate haproxy.cfg text. */
  text: string;
  /** Where it came from, for messages (`haproxy -c` errors name this path). */
  source: string;
  /** Who asks. */
  actor: string;
  /** Skip the gate and the probes (recorded as such). */
  force?: boolean;
  /** Traffic the gate predicts with; default: the rates observed during the baseline. */
  traffic?: TrafficInput;
  /** Bake window in seconds; default: the policy's. */
  bakeS?: number;
  /** The haproxy binary for the gate's `haproxy -c`. */
  haproxy: string;
  /** The apply's id, when the caller named it already (for a part it applied itself); default: a new one. */
  apply?: string;
  /**
   * Runs after the reload, before the bake, journaled as part of the bake (a killed agent
   * reverts the change as for a killed bake). The bake starts when it resolves ready, its window
   * counted from then; otherwise the change is rolled back for the reason it gives. A backup of
   * a redundant pair waits here until it holds the VIP, so that it bakes under live traffic.
   */
  beforeBake?: (apply: string) => Promise<{ ready: true } | { ready: false; reason: string }>;
}

/** How an apply ended. */
export type ApplyStatus = "promoted" | "rolled-back" | "blocked" | "invalid" | "unchanged" | "failed";

/** What an apply did, with the evidence and the moments that matter. */
export interface ApplyOutcome {
  apply: string;
  status: ApplyStatus;
  gate?: GateResult;
  probes?: ProbeFailure[];
  /** `haproxy -c` errors, for `invalid`. */
  invalid?: Finding[];
  breaches?: Breach[];
  /** Why it failed, for `failed`; why it was rolled back before its bake, for such a `rolled-back`. */
  error?: string;
  /** Milliseconds on the agent's clock. */
  times: { startedAt: number; appliedAt?: number; decidedAt?: number; restoredAt?: number };
}

/**
 * Applies a candidate configuration on one node, as one journaled procedure:
 * 1. gate and live pre-flight probes (unless forced), while a baseline of `show stat` is taken;
 * 2. `haproxy -c` on a temporary copy beside the live file, backups of both versions, then an
 *    atomic replace of the live file;
 * 3. a reload through the master CLI, confirmed by the new worker;
 * 4. the bake: live stats against the baseline and the predicted shares;
 * 5. on a breach, the last-known-good text back on disk and reloaded; otherwise the candidate
 *    becomes last-known-good.
 * Each step is an event in the node's log and a journal entry, so that `recoverNode` can finish
 * or undo an apply whose process was killed.
 */
export async function applyConfig(
  node: HaproxyNode,
  ctx: AgentContext,
  request: ApplyRequest,
): Promise<ApplyOutcome> {
  const unlock = lockNode(ctx.dataDir);
  try {
    return await applyLocked(node, ctx, request);
  } finally {
    unlock();
  }
}

async function applyLocked(
  node: HaproxyNode,
  ctx: AgentContext,
  request: ApplyRequest,
): Promise<ApplyOutcome> {
  const apply = request.apply ?? newOperationId("apply", ctx.clock());
  const times: ApplyOutcome["times"] = { startedAt: ctx.clock() };
  const log = (type: Parameters<typeof ctx.events.append>[0]["type"], evidence?: Record<string, unknown>) =>
    ctx.events.append({ apply, type, actor: request.actor, ...(evidence ? { evidence } : {}) });
  const runningText = readFileSync(node.configPath, "utf8");
  log("apply.started", {
    source: request.source,
    candidate: contentHash(request.text),
    running: contentHash(runningText),
    force: request.force === true,
  });
  if (contentHash(runningText) === contentHash(request.text)) {
    log("apply.skipped", { reason: "the candidate is the configuration already on disk" });
    return { apply, status: "unchanged", times };
  }

  // The baseline runs while the gate and the probes work: both take about a second.
  const baselineRun = sampleBaseline(node, ctx);
  baselineRun.catch(() => undefined);
  const judgement = await judge(node, ctx, request, runningText, baselineRun);
  if (!request.force) {
    const blocking =
      judgement.result.verdict === "block" || judgement.probes.some((p) => p.severity === "error");
    if (blocking) {
      log("apply.blocked", { gate: judgement.result, probes: judgement.probes });
      return { apply, status: "blocked", gate: judgement.result, probes: judgement.probes, times };
    }
    log("apply.gate-passed", { gate: judgement.result, probes: judgement.probes });
  } else {
    log("apply.gate-skipped", {
      forced: true,
      wouldBe: judgement.result.verdict,
      findings: judgement.result.findings,
    });
  }

  // Journaled from here on, so that a restarted agent closes this apply whatever happens.
  const entry: JournalEntry = {
    apply,
    actor: request.actor,
    kind: "config",
    step: "validating",
    previous: "",
    candidate: "",
    configPath: node.configPath,
    startedAt: new Date(times.startedAt).toISOString(),
  };
  ctx.journal.record(entry);
  // Validate a copy beside the live file, so relative paths in it resolve the same way.
  const temporary = temporaryPathFor(node.configPath);
  writeDurable(temporary, request.text);
  const checked = await node.check(temporary);
  const refusals = checked.findings
    .filter((f) => f.severity === "error")
    .map((f) => (f.span.file === temporary ? { ...f, span: { ...f.span, file: request.source } } : f));
  if (!checked.available || checked.exitCode === 1 || refusals.length > 0) {
    removeQuietly(temporary);
    log("apply.invalid", { errors: refusals.map((f) => `${f.span.file}:${f.span.line}: ${f.message}`) });
    ctx.journal.clear();
    return { apply, status: "invalid", invalid: refusals, times };
  }
  failpoint("after-validate");

  const previous = ctx.store.keep(runningText);
  const candidate = ctx.store.keep(request.text);
  const knownGood = ctx.store.lastKnownGood();
  if (knownGood?.hash !== previous.hash) {
    // What serves now is what a bad change must return to, even when it was edited by hand.
    ctx.store.promote(previous);
  }
  log("apply.backed-up", { previous: previous.name, candidate: candidate.name });
  Object.assign(entry, { step: "validated", previous: previous.name, candidate: candidate.name });
  ctx.journal.record(entry);
  failpoint("after-backup");

  let baseline;
  try {
    baseline = await baselineRun;
  } catch (error) {
    removeQuietly(temporary);
    ctx.journal.clear();
    return fail(`cannot read HAProxy's stats before the change: ${(error as Error).message}`);
  }
  ctx.journal.record({ ...entry, step: "replacing" });
  failpoint("before-rename");
  moveDurable(temporary, node.configPath);
  failpoint("after-rename");
  log("apply.replaced", { path: node.configPath, version: candidate.name });

  ctx.journal.record({ ...entry, step: "reloading" });
  times.appliedAt = ctx.clock();
  try {
    const reload = await node.reload(judgement.candidate);
    log("apply.reloaded", { workerPid: reload.workerPid, tookMs: reload.tookMs, version: candidate.name });
  } catch (error) {
    log("apply.reload-failed", { error: (error as Error).message });
    await restore(node, ctx, entry, previous, judgement.running, {
      reason: "reload failed",
      error: (error as Error).message,
    });
    times.restoredAt = ctx.clock();
    return fail(`HAProxy did not take the new configuration: ${(error as Error).message}`);
  }
  failpoint("after-reload");

  ctx.journal.record({ ...entry, step: "baking" });
  let bakeFrom = times.appliedAt;
  if (request.beforeBake) {
    const ready = await request.beforeBake(apply);
    if (!ready.ready) {
      await restore(node, ctx, entry, previous, judgement.running, {
        reason: "not baked",
        error: ready.reason,
      });
      times.restoredAt = ctx.clock();
      return { apply, status: "rolled-back", error: ready.reason, times };
    }
    bakeFrom = ctx.clock();
  }
  const bakeMs = (request.bakeS ?? ctx.policy.bakeS) * 1000;
  const watched = await watchChange(node, ctx, {
    baseline,
    appliedAt: bakeFrom,
    bakeMs,
    expectedShares: expectedShares(judgement.prediction),
  });
  times.decidedAt = watched.decidedAt;
  if (watched.breaches.length > 0) {
    log("apply.breach", {
      breaches: watched.breaches,
      samples: watched.samples,
      afterMs: watched.decidedAt - times.appliedAt,
    });
    await restore(node, ctx, entry, previous, judgement.running, {
      reason: "bake breach",
      breaches: watched.breaches,
    });
    times.restoredAt = ctx.clock();
    return { apply, status: "rolled-back", breaches: watched.breaches, times };
  }

  ctx.journal.record({ ...entry, step: "promoting" });
  failpoint("before-promote");
  ctx.store.promote(candidate);
  log("apply.promoted", { version: candidate.name, samples: watched.samples, bakeMs });
  ctx.journal.clear();
  return { apply, status: "promoted", gate: judgement.result, probes: judgement.probes, times };

  function fail(error: string): ApplyOutcome {
    log("apply.failed", { error });
    return { apply, status: "failed", error, times };
  }
}

/** The gate's judgement, the probes, and the prediction the bake compares shares with. */
async function judge(
  node: HaproxyNode,
  ctx: AgentContext,
  request: ApplyRequest,
  runningText: string,
  baselineRun: Promise<Awaited<ReturnType<typeof sampleBaseline>>>,
): Promise<{
  result: GateResult;
  probes: ProbeFailure[];
  prediction: ChangeJudgement["predictedAfter"];
  running: Config;
  candidate: Config;
}> {
  const traffic = request.traffic ?? observedTraffic(await baselineRun.catch(() => [])) ?? {};
  const judged = await evaluateChange({
    before: [{ path: node.configPath, text: runningText }],
    after: [{ path: request.source, text: request.text }],
    traffic,
    ...(ctx.inventory ? { inventory: ctx.inventory } : {}),
    // `haproxy -c` runs in the validation step on a copy beside the live file.
  });
  const probes = request.force ? [] : await preflight(judged.afterModel, judged.beforeModel);
  return {
    result: judged.result,
    probes,
    prediction: judged.predictedAfter,
    running: judged.beforeModel,
    candidate: judged.afterModel,
  };
}

/**
 * Puts the previous (last-known-good) text back on disk and reloads onto it, journaled so a
 * crash during the rollback is finished on restart.
 */
export async function restore(
  node: HaproxyNode,
  ctx: AgentContext,
  entry: JournalEntry,
  previous: StoredVersion,
  previousModel: Config,
  evidence: Record<string, unknown>,
): Promise<void> {
  ctx.journal.record({ ...entry, step: "rolling-back" });
  const temporary = temporaryPathFor(node.configPath);
  writeDurable(temporary, ctx.store.read(previous));
  moveDurable(temporary, node.configPath);
  failpoint("before-rollback-reload");
  const reload = await node.reload(previousModel);
  failpoint("after-rollback-reload");
  ctx.events.append({
    apply: entry.apply,
    type: "apply.rolled-back",
    actor: "agent",
    evidence: { ...evidence, version: previous.name, workerPid: reload.workerPid, tookMs: reload.tookMs },
  });
  ctx.journal.clear();
}
