import { carryOut } from "./carry-out.js";
import { deliver } from "./deliver.js";
import { decideWork, haveHash, nextBackoff } from "./decide.js";
import { carryOutHandover } from "./handover.js";
import { isAuthFailure, pause, untilAborted, type ManagedRun } from "./managed-run.js";
import { decideHandover } from "./pair-decide.js";

/** A long poll answered sooner than this with nothing to do is followed by a pause this long. */
const QUICK_ANSWER_MS = 1000;

/**
 * Long-polls the control plane for the desired state and carries out what it asks (a VIP
 * handover first, then the version and runtime operations), until the run stops. Outcomes and events not yet delivered go out before each poll. When the control
 * plane cannot be reached (or fails), HAProxy keeps running as it is and the poll is retried
 * after 1 s, doubling up to 15 s. Throws only when the control plane refuses the token.
 */
export async function pollDesired(run: ManagedRun, waitS: number): Promise<void> {
  let backoff: number | undefined;
  while (!run.signal.aborted) {
    try {
      await deliver(run);
      const askedAt = run.ctx.clock();
      const desired = await untilAborted(
        run.client.desired(haveHash(run.state), waitS, run.signal),
        run.signal,
      );
      if (!desired) return;
      if (backoff !== undefined) run.log("the control plane answers again");
      backoff = undefined;
      run.desired = desired;
      const work = decideWork(desired, run.state);
      const handover = decideHandover(desired, run.state, run.keepalived !== undefined);
      if (handover.kind !== "none") {
        // The VIP holder of a pair rollout: the version comes later, once the canary promoted it.
        await run.work.run(() => carryOutHandover(run, handover));
      }
      if (work.apply || work.operations.length > 0) {
        await run.work.run(() => carryOut(run, desired, work));
      } else if (handover.kind !== "none") {
        // Handed over: ask again at once for what comes next.
      } else if (run.ctx.clock() - askedAt < QUICK_ANSWER_MS) {
        // A control plane that answers at once with nothing new must not make this loop spin.
        await pause(QUICK_ANSWER_MS, run.signal);
      }
    } catch (error) {
      if (run.signal.aborted) return;
      if (isAuthFailure(error)) throw error;
      backoff = nextBackoff(backoff);
      run.log(`${(error as Error).message}; trying again in ${backoff / 1000} s`);
      await pause(backoff, run.signal);
    }
  }
}
