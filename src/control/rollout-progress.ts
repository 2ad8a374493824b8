import type { ApplyReport, RolloutNodeState } from "./api-types.js";

/** One node of a rollout, in order (position 0 is the canary). */
export interface RolloutStep {
  node: string;
  position: number;
  state: RolloutNodeState;
}

/** What a node's apply report does to its rollout. */
export interface RolloutProgress {
  /** The reporting node's new state. */
  nodeState: RolloutNodeState;
  /** Nodes that should now be given the new version. */
  start: string[];
  /** Nodes that should now hand the VIP over (the holder, once the backup canary stands by). */
  handover: string[];
  /** The rollout's new state. */
  rollout: "running" | "completed" | "halted";
}

/** States in which a node waits for the canary before it is given the version. */
const WAITING: readonly RolloutNodeState[] = ["pending", "handing-over", "handed-over"];

/**
 * Whether a node in `state` may report `status` for the rollout: `standby` only while applying,
 * the end of an apply while applying or standing by. Anything else is a late or repeated report
 * and leaves the rollout as it is. Pure.
 */
export function acceptsReport(state: RolloutNodeState | undefined, status: ApplyReport["status"]): boolean {
  if (status === "standby") return state === "applying";
  return state === "applying" || state === "standby";
}

/**
 * Moves a rollout on by one node's report: a promoted canary releases the other nodes (the VIP
 * holder too, whether or not its handover was reported yet), the last promotion completes it,
 * and any rollback, block or failure halts it, so nodes not yet reached keep the version they
 * run. A `standby` canary asks `vipHolder` to hand the VIP over. Pure.
 */
export function progressRollout(
  steps: readonly RolloutStep[],
  node: string,
  status: ApplyReport["status"],
  vipHolder?: string,
): RolloutProgress {
  if (status === "standby") {
    const handover = steps.filter((s) => s.node === vipHolder && s.state === "pending").map((s) => s.node);
    return { nodeState: "standby", start: [], handover, rollout: "running" };
  }
  const ok = status === "promoted" || status === "unchanged";
  const nodeState: RolloutNodeState = ok ? "applied" : status === "rolled-back" ? "rolled-back" : "failed";
  if (!ok) return { nodeState, start: [], handover: [], rollout: "halted" };
  const after = steps.map((s) => (s.node === node ? { ...s, state: nodeState } : s));
  if (after.every((s) => s.state === "applied")) {
    return { nodeState, start: [], handover: [], rollout: "completed" };
  }
  const canary = after.find((s) => s.position === 0);
  const start =
    canary?.state === "applied" ? after.filter((s) => WAITING.includes(s.state)).map((s) => s.node) : [];
  return { nodeState, start, handover: [], rollout: "running" };
}

/** A node as a rollout starts: its id and name, and whether a fresh report has it holding the VIP. */
export interface RolloutCandidate {
  id: string;
  name: string;
  holdsVip: boolean;
}

/**
 * The order a rollout goes through the nodes, canary first. For a version with a pair and at
 * least two nodes, when exactly one node is known to hold the VIP, the nodes that do not hold
 * it go first by name and the holder last: the canary is then a backup, and the holder is only
 * touched after it handed the VIP over. Otherwise (no pair, one node, no single holder known)
 * the nodes go by name. Pure.
 */
export function rolloutOrder(
  nodes: readonly RolloutCandidate[],
  pair: boolean,
): { order: RolloutCandidate[]; vipHolder?: RolloutCandidate } {
  const byName = [...nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const holders = byName.filter((n) => n.holdsVip);
  const holder = holders[0];
  if (!pair || byName.length < 2 || holders.length !== 1 || holder === undefined) return { order: byName };
  return { order: [...byName.filter((n) => n !== holder), holder], vipHolder: holder };
}
