import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { removeQuietly, writeFileAtomic } from "./atomic-file.js";

/**
 * Where an apply stands, written before each step that changes the node, so that a restarted
 * agent knows what to finish or undo:
 * - `validating`: the candidate is being checked in a temporary copy; nothing is kept yet.
 * - `validated`: the candidate passed `haproxy -c` and is kept; the live file is untouched.
 * - `replacing`: the live file is being swapped; it holds the old text or the candidate.
 * - `reloading` / `baking`: the candidate is on disk and HAProxy is (being) reloaded onto it.
 * - `rolling-back`: the known-good text is being put back and reloaded.
 * - `promoting`: the bake passed; the candidate is becoming last-known-good.
 */
export type ApplyStep =
  "validating" | "validated" | "replacing" | "reloading" | "baking" | "rolling-back" | "promoting";

/** The journal of the one apply in progress on a node. */
export interface JournalEntry {
  apply: string;
  actor: string;
  step: ApplyStep;
  /** File name of the version HAProxy ran before (in the store); empty while validating. */
  previous: string;
  /** File name of the candidate version (in the store); empty while validating. */
  candidate: string;
  /** The live configuration file. */
  configPath: string;
  /** What the apply changes: a whole config, or a runtime operation on one server. */
  kind: "config" | "runtime";
  startedAt: string;
}

/**
 * The journal of a change in progress: one small JSON file, replaced atomically at each step
 * and removed once the change ends, so a restarted agent finds the last step recorded or none.
 */
export class JsonJournal<T> {
  constructor(readonly path: string) {}

  /** The interrupted or running change, if any. */
  current(): T | undefined {
    if (!existsSync(this.path)) return undefined;
    return JSON.parse(readFileSync(this.path, "utf8")) as T;
  }

  /** Records the step the change is about to take. */
  record(entry: T): void {
    writeFileAtomic(this.path, `${JSON.stringify(entry, null, 2)}\n`);
  }

  /** Forgets the change: it finished one way or the other. */
  clear(): void {
    removeQuietly(this.path);
  }
}

/** The apply journal, DATA/apply.json. */
export class ApplyJournal extends JsonJournal<JournalEntry> {
  constructor(dataDir: string) {
    super(join(dataDir, "apply.json"));
  }
}

/**
 * A new id for an apply (`apply-20261121T034628Z-3fa9c1`) or a runtime operation (`op-…`):
 * sortable by time, unique by its random tail. It names the apply in events and the journal.
 */
export function newOperationId(kind: "apply" | "op", now: number): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${kind}-${stamp}-${randomBytes(3).toString("hex")}`;
}
