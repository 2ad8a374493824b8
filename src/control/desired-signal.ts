import { CHANNELS } from "../store/database.js";
import type { ControlContext } from "./control-context.js";

/** Who a desired-state announcement concerns: one cluster, and some of its nodes or all. */
export interface DesiredAnnouncement {
  cluster: string;
  /** Node names; absent: every node of the cluster. */
  nodes?: string[];
}

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; a longer list wakes the cluster. */
const MAX_PAYLOAD = 7000;

/** The notification text for an announcement. Pure. */
export function encodeAnnouncement(announcement: DesiredAnnouncement): string {
  const text = JSON.stringify(announcement);
  return text.length <= MAX_PAYLOAD ? text : JSON.stringify({ cluster: announcement.cluster });
}

/** Whether a notification concerns `node` of `cluster` (an unreadable one concerns everyone). Pure. */
export function concerns(payload: string, cluster: string, node: string): boolean {
  try {
    const announcement = JSON.parse(payload) as DesiredAnnouncement;
    return (
      announcement.cluster === cluster &&
      (announcement.nodes === undefined || announcement.nodes.includes(node))
    );
  } catch {
    return true;
  }
}

/**
 * Tells the long polls of the named nodes (on every replica) that their desired state changed.
 * Call it after the transaction that changed it committed.
 */
export function announceDesired(ctx: ControlContext, announcement: DesiredAnnouncement): Promise<void> {
  if (announcement.nodes?.length === 0) return Promise.resolve();
  return ctx.store.notify(CHANNELS.desired, encodeAnnouncement(announcement));
}

/** A subscription to one node's announcements. */
export interface DesiredWatch {
  /**
   * Resolves true at the next announcement for the node (or at once if one came since the last
   * call), false after `ms` or when `signal` aborts.
   */
  next(ms: number, signal: AbortSignal): Promise<boolean>;
  stop(): void;
}

/**
 * Subscribes to one node's announcements. Subscribe before reading the desired state, so that an
 * announcement made between the read and the wait is not missed.
 */
export function watchDesired(ctx: ControlContext, cluster: string, node: string): DesiredWatch {
  let pending = false;
  let wake: (() => void) | undefined;
  const stopListening = ctx.store.listen(CHANNELS.desired, (payload) => {
    if (!concerns(payload, cluster, node)) return;
    pending = true;
    wake?.();
  });
  return {
    next(ms, signal) {
      if (pending) {
        pending = false;
        return Promise.resolve(true);
      }
      if (signal.aborted || ms <= 0) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const finish = (woken: boolean) => {
          clearTimeout(timer);
          signal.removeEventListener("abort", aborted);
          wake = undefined;
          pending = false;
          resolve(woken);
        };
        const aborted = () => finish(false);
        const timer = setTimeout(() => finish(false), ms);
        signal.addEventListener("abort", aborted);
        wake = () => finish(true);
      });
    },
    stop: stopListening,
  };
}
