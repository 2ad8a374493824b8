import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ApplyReport, HandoverReport, RuntimeOperationSpec } from "../../control/api-types.js";
import { writeFileAtomic } from "../atomic-file.js";
import type { AppliedPair } from "./keepalived-plan.js";

/** A version the node applied or tried to apply for the control plane. */
export interface HandledVersion {
  version: number;
  hash: string;
  /** sha256 of its keepalived pair file, when it has one. */
  pairHash?: string;
  /** The rollout it came with; a new rollout of the same text is a new attempt. */
  rollout?: number;
  status: ApplyReport["status"];
}

/** A runtime operation of a change this node carried out (or tried to). */
export interface OperationDone {
  change: number;
  operation: RuntimeOperationSpec;
  status: "kept" | "reverted" | "blocked" | "failed";
}

/** What a managed agent remembers across restarts, in DATA/managed.json. */
export interface ManagedState {
  /** The version this node last applied successfully (promoted or already running): the approved one. */
  applied?: { version: number; hash: string; pairHash?: string };
  /** The last version it tried, whatever the outcome, so that a failed version is not retried. */
  handled?: HandledVersion;
  /** Runtime operations already carried out, by change id. */
  operations: OperationDone[];
  /** Bytes of events.jsonl already shipped to the control plane. */
  eventsShipped: number;
  /** Outcomes not yet delivered (the control plane was unreachable), oldest first. */
  outbox: ApplyReport[];
  /** The keepalived pair this node last applied with a version (nodes of a pair, with --keepalived-dir). */
  keepalived?: AppliedPair;
  /** The last VIP handover asked of this node, so that a repeated answer is not a second one. */
  handover?: Pick<HandoverReport, "rollout" | "status">;
  /** Handover outcomes not yet delivered, oldest first. */
  handoverOutbox?: HandoverReport[];
}

/** The state of an agent that never ran in managed mode. */
export const EMPTY_MANAGED_STATE: ManagedState = Object.freeze({
  operations: [],
  eventsShipped: 0,
  outbox: [],
});

/** The path of the managed agent's state file in a data directory. */
export function managedStatePath(dataDir: string): string {
  return join(dataDir, "managed.json");
}

/** Reads DATA/managed.json; a missing or unreadable file is an empty state. */
export function loadManagedState(dataDir: string): ManagedState {
  let text: string;
  try {
    text = readFileSync(managedStatePath(dataDir), "utf8");
  } catch {
    return structuredClone(EMPTY_MANAGED_STATE);
  }
  try {
    const parsed = JSON.parse(text) as Partial<ManagedState>;
    return {
      ...parsed,
      operations: parsed.operations ?? [],
      eventsShipped: parsed.eventsShipped ?? 0,
      outbox: parsed.outbox ?? [],
    };
  } catch {
    // Written atomically, so only a hand edit can break it; start over rather than stop the node.
    return structuredClone(EMPTY_MANAGED_STATE);
  }
}

/** Writes DATA/managed.json atomically. */
export function saveManagedState(dataDir: string, state: ManagedState): void {
  writeFileAtomic(managedStatePath(dataDir), `${JSON.stringify(state, null, 2)}\n`);
}
