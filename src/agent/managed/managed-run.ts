import type { ApiClient } from "../../client/api-client.js";
import type { DesiredState } from "../../control/api-types.js";
import { LbguardError } from "../../errors.js";
import type { AgentContext, HaproxyNode } from "../agent-context.js";
import type { KeepalivedNode } from "../keepalived-node.js";
import type { KeepalivedJournal } from "./keepalived-apply.js";
import type { PairTimings } from "./pair-decide.js";
import { saveManagedState, type ManagedState } from "./managed-state.js";

/**
 * The part of the control plane's API a managed agent uses. The long poll is passed the run's
 * signal, so a client that takes it can end a poll the moment the agent stops. Without
 * `sendStats` the agent records no stats.
 */
export type ControlPlane = Pick<ApiClient, "report" | "reportApply" | "shipEvents"> &
  Partial<Pick<ApiClient, "sendStats" | "reportHandover">> & {
    desired(have: string | undefined, waitS: number, signal?: AbortSignal): Promise<DesiredState>;
  };

/**
 * Runs tasks one at a time, in the order given, and tells whether one is under way: applies,
 * runtime operations and drift restores must not interleave, and drift is not judged while
 * one of them is changing the node.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Runs `task` after the tasks queued before it. */
  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task);
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    );
    return result;
  }

  get busy(): boolean {
    return this.pending > 0;
  }

  /** Resolves once every queued task has ended. */
  async idle(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }
}

/** The keepalived a managed agent drives on a node of a pair (`--keepalived-dir`). */
export interface ManagedKeepalived {
  node: KeepalivedNode;
  journal: KeepalivedJournal;
  /** How long keepalived must stay up after a reload before the new files count (default 1000 ms). */
  settleMs?: number;
  /**
   * The pair keepalived was switched to by the apply under way, until that apply ends: the
   * role is read against it (its VIP may be a new one).
   */
  switchedTo?: string;
}

/** What the loops of one managed agent share. */
export interface ManagedRun {
  node: HaproxyNode;
  ctx: AgentContext;
  client: ControlPlane;
  /** The haproxy binary, for `haproxy -c`. */
  haproxy: string;
  /** Absent: the agent applies only the HAProxy part of versions with a pair. */
  keepalived?: ManagedKeepalived;
  /** How long handovers and a canary's wait for the VIP may take (default `PAIR_TIMINGS`). */
  pairTimings?: PairTimings;
  state: ManagedState;
  /** The control plane's last answer, once there is one. */
  desired?: DesiredState;
  /** Changes to the node, one at a time. */
  work: Serial;
  /** Deliveries to the control plane, one at a time, so no event is shipped twice. */
  delivery: Serial;
  signal: AbortSignal;
  log: (line: string) => void;
}

/** Writes the run's state to DATA/managed.json. */
export function saveState(run: ManagedRun): void {
  saveManagedState(run.ctx.dataDir, run.state);
}

/** Whether the control plane refused the agent's token: retrying cannot help. */
export function isAuthFailure(error: unknown): error is LbguardError {
  return (
    error instanceof LbguardError && (error.code === "LBG_UNAUTHENTICATED" || error.code === "LBG_FORBIDDEN")
  );
}

/** Waits `ms`, or less when the signal aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Waits for `promise`, or resolves with undefined as soon as the signal aborts, for a long
 * poll whose client does not take the signal itself (it is left to end on its own).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
