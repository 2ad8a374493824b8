import type { DesiredState } from "../../control/api-types.js";
import type { VrrpStatus } from "../../vrrp/vrrp-state.js";
import type { ManagedState } from "./managed-state.js";

/** How long a handover may take to release the VIP before it is reported failed. */
export const HANDOVER_RELEASE_MS = 20_000;
/** How long the VIP stays released, maintenance flag still on, for requests in flight to finish. */
export const HANDOVER_GRACE_MS = 1000;
/** How long a backup canary waits to hold the VIP before its bake is given up and the version rolled back. */
export const ACTIVE_WAIT_MS = 60_000;
/** How often the VRRP role is looked at while waiting for it to change. */
export const ROLE_POLL_MS = 200;

/** The limits of handovers and of a canary's wait for the VIP, in milliseconds. */
export interface PairTimings {
  /** A handover must release the VIP within this. */
  releaseMs: number;
  /** Then the maintenance flag stays on this much longer. */
  graceMs: number;
  /** A backup canary waits at most this long to hold the VIP. */
  activeWaitMs: number;
}

/** The limits docs/agent.md states. */
export const PAIR_TIMINGS: PairTimings = Object.freeze({
  releaseMs: HANDOVER_RELEASE_MS,
  graceMs: HANDOVER_GRACE_MS,
  activeWaitMs: ACTIVE_WAIT_MS,
});

/** What the control plane's answer asks of this node's VRRP role. */
export type HandoverWork =
  | { kind: "none" }
  | { kind: "hand-over"; rollout: number }
  /** Asked, but this agent cannot: reported failed with the reason at once. */
  | { kind: "refuse"; rollout: number; detail: string };

/**
 * Whether to hand the VIP over: when the desired state says so for a rollout this node has
 * not handed over for yet (a repeated answer is not a second handover). An agent that manages
 * no keepalived refuses, saying why. Pure.
 */
export function decideHandover(
  desired: DesiredState,
  state: ManagedState,
  managesKeepalived: boolean,
): HandoverWork {
  const rollout = desired.rollout;
  if (desired.handover !== true || rollout === undefined) return { kind: "none" };
  if (state.handover?.rollout === rollout) return { kind: "none" };
  if (!managesKeepalived) {
    return {
      kind: "refuse",
      rollout,
      detail: "this agent does not manage keepalived: start it with --keepalived-dir and --keepalived-pid",
    };
  }
  return { kind: "hand-over", rollout };
}

/** Where a wait for a VRRP role stands. */
export type RoleWait = "reached" | "waiting" | "timed-out";

/**
 * A wait for the VIP to be released (`want: "released"`, a handover) or held (`want: "held"`,
 * a backup canary before its bake), after `waitedMs` of at most `limitMs`. Pure.
 */
export function roleWait(
  status: VrrpStatus,
  want: "released" | "held",
  waitedMs: number,
  limitMs: number,
): RoleWait {
  if (status.holdsVip === (want === "held")) return "reached";
  return waitedMs >= limitMs ? "timed-out" : "waiting";
}

/**
 * Whether the VRRP role changed between two looks, for the node's event log: the state name
 * or holding the VIP. Pure.
 */
export function roleChanged(before: VrrpStatus | undefined, after: VrrpStatus): boolean {
  return before === undefined || before.state !== after.state || before.holdsVip !== after.holdsVip;
}
