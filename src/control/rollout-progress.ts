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
  /** The rollout's new state. */
  rollout: "running" | "completed" | "halted";
}

/**
 * Moves a rollout on by one node's report: a promoted canary releases the other nodes, the last
 * promotion completes it, and any rollback, block or failure halts it, so nodes not yet reached
 * keep the version they run. Pure.
 */
export function progressRollout(
  steps: readonly RolloutStep[],
  node: string,
  status: ApplyReport["status"],
): RolloutProgress {
  const ok = status === "promoted" || status === "unchanged";
  const nodeState: RolloutNodeState = ok ? "applied" : status === "rolled-back" ? "rolled-back" : "failed";
  if (!ok) return { nodeState, start: [], rollout: "halted" };
  const after = steps.map((s) => (s.node === node ? { ...s, state: nodeState } : s));
  if (after.every((s) => s.state === "applied")) return { nodeState, start: [], rollout: "completed" };
  const canary = after.find((s) => s.position === 0);
  const start =
    canary?.state === "applied" ? after.filter((s) => s.state === "pending").map((s) => s.node) : [];
  return { nodeState, start, rollout: "running" };
}
