import type { ControlContext } from "../../control/control-context.js";
import type { Receiver } from "../types.js";
import { deliverDue, type DeliverOptions, type SendNotification } from "./outbox.js";
import { postJson } from "./webhook.js";

export interface NotifierOptions extends Omit<DeliverOptions, "now" | "receivers"> {
  /** The receivers, or a way to read them each round (the rules file may be reloaded). */
  receivers: readonly Receiver[] | (() => readonly Receiver[]);
  /** Pause between rounds, in milliseconds; default 500. */
  everyMs?: number;
  /** How a body is posted; default `postJson` with its 5 s timeout. */
  send?: SendNotification;
  /** Told of a round that failed as a whole (the store was down); default: a line on stderr. */
  onError?: (error: unknown) => void;
}

/** A running notifier. */
export interface Notifier {
  /** Ends the loop once the round under way (if any) is done. */
  stop(): Promise<void>;
  /** Starts a round now instead of at the end of the pause, e.g. right after enqueueing. */
  kick(): void;
}

/**
 * Delivers due notifications in rounds (see `deliverDue`) until stopped, pausing `everyMs`
 * between rounds unless kicked. A round that claimed a full batch is followed at once by the
 * next, so a backlog drains without waiting. A failing round is reported and the loop goes on.
 */
export function startNotifier(ctx: ControlContext, options: NotifierOptions): Notifier {
  const everyMs = options.everyMs ?? 500;
  const batch = options.batch ?? 10;
  const send = options.send ?? ((url, body) => postJson(url, body));
  const onError =
    options.onError ??
    ((error: unknown) =>
      process.stderr.write(`lbguard notifier: ${error instanceof Error ? error.message : String(error)}\n`));
  let stopped = false;
  let kicked = false;
  let wake: (() => void) | undefined;

  const loop = (async () => {
    while (!stopped) {
      kicked = false;
      try {
        const receivers = typeof options.receivers === "function" ? options.receivers() : options.receivers;
        const results = await deliverDue(ctx, send, { ...options, receivers, batch });
        if (results.length >= batch) kicked = true;
      } catch (error) {
        onError(error);
      }
      if (stopped || kicked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => wake?.(), everyMs);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      });
    }
  })();

  return {
    kick: () => {
      kicked = true;
      wake?.();
    },
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
