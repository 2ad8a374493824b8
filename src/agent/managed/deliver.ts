import { LbguardError } from "../../errors.js";
import { EVENT_BATCH, readLogFrom, takeEvents } from "./event-batches.js";
import { isAuthFailure, saveState, type ManagedRun } from "./managed-run.js";

/**
 * Sends the outcomes waiting in the outbox, then those of VIP handovers, then the node's events
 * not shipped yet, advancing the cursor in managed.json batch by batch. Throws when the control
 * plane cannot be reached (what was not sent is sent next time).
 */
export function deliver(run: ManagedRun): Promise<void> {
  return run.delivery.run(async () => {
    while (run.state.outbox.length > 0) {
      const report = run.state.outbox[0]!;
      await refusedIsDone(run, `the report of ${report.apply}`, () => run.client.reportApply(report));
      run.state.outbox.shift();
      saveState(run);
    }
    while ((run.state.handoverOutbox ?? []).length > 0) {
      const report = run.state.handoverOutbox![0]!;
      const send = run.client.reportHandover?.bind(run.client);
      if (send)
        await refusedIsDone(run, `the handover report of rollout ${report.rollout}`, () => send(report));
      else
        run.log(`this control plane client cannot report handovers; rollout ${report.rollout}'s is dropped`);
      run.state.handoverOutbox!.shift();
      saveState(run);
    }
    for (;;) {
      const { chunk, offset } = readLogFrom(run.ctx.events.path, run.state.eventsShipped);
      const { events, bytes } = takeEvents(chunk, EVENT_BATCH.maxEvents, EVENT_BATCH.maxBytes);
      if (bytes === 0) return;
      if (events.length > 0) {
        await refusedIsDone(run, `${events.length} events`, () => run.client.shipEvents({ events }));
      }
      run.state.eventsShipped = offset + bytes;
      saveState(run);
    }
  });
}

/**
 * Sends something; when the control plane refuses it for what it is (a 4xx other than a
 * refused token), it would refuse it every time, so it is dropped with a log line rather than
 * left to block everything queued behind it.
 */
async function refusedIsDone(run: ManagedRun, what: string, send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    const refused = error instanceof LbguardError && error.httpStatus >= 400 && error.httpStatus < 500;
    if (!refused || isAuthFailure(error)) throw error;
    run.log(`the control plane refused ${what}, which is dropped: ${(error as Error).message}`);
  }
}

/** `deliver`, leaving what the control plane did not take for later; a refused token still throws. */
export async function tryDeliver(run: ManagedRun): Promise<void> {
  try {
    await deliver(run);
  } catch (error) {
    if (isAuthFailure(error)) throw error;
  }
}
