import { readdirSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { AgentContext, HaproxyNode } from "./agent-context.js";
import { moveDurable, removeQuietly, temporaryPathFor, writeDurable } from "./atomic-file.js";
import { contentHash } from "./config-store.js";
import { lockNode } from "./node-lock.js";
import type { JournalEntry } from "./journal.js";

/** What a restarted agent did about an apply its predecessor left unfinished. */
export interface Recovery {
  apply: string;
  /** The step the apply was killed in. */
  step: JournalEntry["step"];
  /** `discarded`: nothing live had changed; `reverted`: the previous config is back; `promoted`: the bake had passed. */
  action: "discarded" | "reverted" | "promoted";
}

/**
 * Finishes or undoes the apply a killed agent left in the journal, so the node ends on a
 * configuration that passed `haproxy -c` and that the agent knows: before the live file was
 * touched the candidate is dropped; once it may be live it is reverted (its bake never
 * finished, so it is not trusted); a rollback is completed; a passed bake is promoted. Stray
 * temporary files beside the live file are removed. Returns undefined when nothing was pending.
 */
export async function recoverNode(node: HaproxyNode, ctx: AgentContext): Promise<Recovery | undefined> {
  const unlock = lockNode(ctx.dataDir);
  try {
    removeStrayCopies(node.configPath);
    const entry = ctx.journal.current();
    if (!entry) return undefined;
    const action = await settle(node, ctx, entry);
    ctx.events.append({
      apply: entry.apply,
      type: "apply.recovered",
      actor: "agent",
      evidence: { step: entry.step, action, kind: entry.kind },
    });
    ctx.journal.clear();
    return { apply: entry.apply, step: entry.step, action };
  } finally {
    unlock();
  }
}

async function settle(
  node: HaproxyNode,
  ctx: AgentContext,
  entry: JournalEntry,
): Promise<Recovery["action"]> {
  if (entry.kind === "runtime") {
    // `previous` holds the command that undoes the operation.
    if (entry.step === "validating" || entry.step === "validated") return "discarded";
    if (entry.step === "promoting") return "promoted";
    await node.runtime(entry.previous);
    return "reverted";
  }
  const previous = ctx.store.find(entry.previous);
  const candidate = ctx.store.find(entry.candidate);
  if (entry.step === "validating" || entry.step === "validated") return "discarded";
  if (entry.step === "promoting" && candidate) {
    ctx.store.promote(candidate);
    return "promoted";
  }
  if (!previous)
    throw new Error(`the journal names ${entry.previous}, which is not in ${ctx.store.directory}`);
  const onDisk = contentHash(readFileSync(node.configPath, "utf8"));
  if (onDisk !== previous.hash) {
    const temporary = temporaryPathFor(node.configPath);
    writeDurable(temporary, ctx.store.read(previous));
    moveDurable(temporary, node.configPath);
  } else if (entry.step === "replacing") {
    // The rename never happened, so HAProxy was never asked to load the candidate.
    return "reverted";
  }
  await node.reload();
  return "reverted";
}

/** Removes temporary copies an interrupted write left beside the live file. */
function removeStrayCopies(configPath: string): void {
  const prefix = `.${basename(configPath)}.lbguard-`;
  for (const name of readdirSync(dirname(configPath))) {
    if (name.startsWith(prefix) && name.endsWith(".tmp")) removeQuietly(join(dirname(configPath), name));
  }
}
