import type { ApplyReport } from "../../control/api-types.js";
import type { VrrpPair } from "../../vrrp/pair.js";
import type { VrrpStatus } from "../../vrrp/vrrp-state.js";
import { tryDeliver } from "./deliver.js";
import { pause, saveState, type ManagedRun } from "./managed-run.js";
import { PAIR_TIMINGS, ROLE_POLL_MS, roleWait } from "./pair-decide.js";

/** Whether to bake now, or why the change is given up. */
export type BakeReadiness = { ready: true } | { ready: false; reason: string };

/**
 * The wait of a pair rollout's backup canary between its reload and its bake: a backup sees
 * no traffic, so a bake there would prove nothing. Unless it already holds the VIP, it reports
 * `standby` (the control plane then has the VIP holder hand the VIP over), and waits, at most
 * `pairTimings.activeWaitMs` (60 s), until it holds the VIP. An agent that cannot tell (no keepalived, no pair) bakes
 * at once. Not ready when the VIP does not come, or the agent is stopped while it waits.
 */
export async function standByUntilActive(
  run: ManagedRun,
  pair: VrrpPair | undefined,
  report: Pick<ApplyReport, "version" | "rollout" | "apply">,
): Promise<BakeReadiness> {
  const limitMs = (run.pairTimings ?? PAIR_TIMINGS).activeWaitMs;
  const kn = run.keepalived?.node;
  if (!kn || !pair) {
    run.log(
      `version ${report.version}: cannot tell whether this node holds the VIP (no keepalived pair); baking at once`,
    );
    return { ready: true };
  }
  const events = (type: "apply.standby" | "apply.active", evidence: Record<string, unknown>): void => {
    run.ctx.events.append({ apply: report.apply, type, actor: "agent", evidence });
  };
  const look = async (): Promise<VrrpStatus> => {
    try {
      return await kn.status(pair);
    } catch {
      // Unreadable for a moment (the state file being replaced): not holding it, look again.
      return { state: "UNKNOWN", holdsVip: false };
    }
  };
  if ((await look()).holdsVip) return { ready: true };

  run.state.outbox.push({
    ...report,
    status: "standby",
    detail: `applied; waiting up to ${limitMs / 1000} s to hold the VIP before the bake`,
  });
  saveState(run);
  events("apply.standby", { limitMs });
  run.log(`version ${report.version}: standing by until this node holds the VIP`);
  await tryDeliver(run);

  const startedAt = run.ctx.clock();
  for (;;) {
    await pause(ROLE_POLL_MS, run.signal);
    if (run.signal.aborted)
      return { ready: false, reason: "the agent was stopped while it waited to hold the VIP" };
    const waitedMs = run.ctx.clock() - startedAt;
    const verdict = roleWait(await look(), "held", waitedMs, limitMs);
    if (verdict === "reached") {
      events("apply.active", { waitedMs });
      run.log(`version ${report.version}: holding the VIP after ${(waitedMs / 1000).toFixed(1)} s; baking`);
      return { ready: true };
    }
    if (verdict === "timed-out") {
      return {
        ready: false,
        reason: `this node did not come to hold the VIP within ${limitMs / 1000} s of standing by`,
      };
    }
  }
}
