import { writeFileSync } from "node:fs";
import type { HandoverReport } from "../../control/api-types.js";
import { removeQuietly } from "../atomic-file.js";
import { tryDeliver } from "./deliver.js";
import { pause, saveState, type ManagedRun } from "./managed-run.js";
import { PAIR_TIMINGS, ROLE_POLL_MS, roleWait, type HandoverWork, type PairTimings } from "./pair-decide.js";
import { currentPair } from "./vrrp-watch.js";

/**
 * Carries out what `decideHandover` decided and records the outcome in managed.json (so that
 * a repeated answer, or a restart, does not hand over twice) before reporting it with
 * `POST /agent/handovers`.
 */
export async function carryOutHandover(
  run: ManagedRun,
  work: Exclude<HandoverWork, { kind: "none" }>,
): Promise<void> {
  const report: HandoverReport =
    work.kind === "refuse"
      ? { rollout: work.rollout, status: "failed", detail: work.detail }
      : await handOver(run, work.rollout, run.pairTimings ?? PAIR_TIMINGS);
  run.state.handover = { rollout: report.rollout, status: report.status };
  run.state.handoverOutbox = [...(run.state.handoverOutbox ?? []), report];
  saveState(run);
  run.log(
    `handover for rollout ${report.rollout}: ${report.status}${report.detail ? ` (${report.detail})` : ""}`,
  );
  await tryDeliver(run);
}

/**
 * Gives the VIP away on purpose: the maintenance file makes the health script fail, keepalived
 * puts the instance in FAULT and releases the VIP with a priority-0 advert, so the backup takes
 * it at once. Once this node no longer holds it (at most `releaseMs`), the file stays a little
 * longer (`graceMs`) for the requests in flight to finish, then goes: the check passes again
 * and, with `nopreempt`, the node stays BACKUP. The file is removed whatever happens.
 */
async function handOver(
  run: ManagedRun,
  rollout: number,
  timings: Pick<PairTimings, "releaseMs" | "graceMs">,
): Promise<HandoverReport> {
  const kn = run.keepalived!.node;
  const pair = currentPair(run);
  const failed = (detail: string): HandoverReport => {
    run.ctx.events.append({ type: "vrrp.handover-failed", actor: "agent", evidence: { rollout, detail } });
    return { rollout, status: "failed", detail };
  };
  if (!pair) return failed("this node has no usable keepalived pair to read its role by");
  const startedAt = run.ctx.clock();
  try {
    if (!(await kn.status(pair)).holdsVip) {
      run.ctx.events.append({ type: "vrrp.handed-over", actor: "agent", evidence: { rollout, held: false } });
      return { rollout, status: "handed-over", detail: "this node did not hold the VIP" };
    }
    writeFileSync(kn.paths.maintenanceFile, `handing the VIP over for rollout ${rollout}\n`);
    run.ctx.events.append({
      type: "vrrp.handover-started",
      actor: "agent",
      evidence: { rollout, maintenanceFile: kn.paths.maintenanceFile },
    });
    for (;;) {
      const waitedMs = run.ctx.clock() - startedAt;
      const verdict = roleWait(await kn.status(pair), "released", waitedMs, timings.releaseMs);
      if (verdict === "reached") break;
      if (verdict === "timed-out")
        return failed(
          `this node still held the VIP ${timings.releaseMs / 1000} s after the maintenance flag was set`,
        );
      if (run.signal.aborted) return failed("the agent was stopped during the handover");
      await pause(ROLE_POLL_MS, run.signal);
    }
    const releasedMs = run.ctx.clock() - startedAt;
    await run.ctx.sleep(timings.graceMs);
    run.ctx.events.append({ type: "vrrp.handed-over", actor: "agent", evidence: { rollout, releasedMs } });
    return {
      rollout,
      status: "handed-over",
      detail: `released the VIP in ${(releasedMs / 1000).toFixed(1)} s`,
    };
  } catch (error) {
    return failed(`the handover could not go on: ${(error as Error).message}`);
  } finally {
    removeQuietly(kn.paths.maintenanceFile);
  }
}
