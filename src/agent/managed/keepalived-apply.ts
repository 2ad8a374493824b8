import { chmodSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { renderKeepalivedConf } from "../../vrrp/render-keepalived.js";
import type { VrrpPair } from "../../vrrp/pair.js";
import type { AgentContext } from "../agent-context.js";
import { removeQuietly, writeDurable, writeFileAtomic } from "../atomic-file.js";
import { contentHash } from "../config-store.js";
import { JsonJournal } from "../journal.js";
import type { KeepalivedNode, KeepalivedPaths } from "../keepalived-node.js";
import { KEEPALIVED_FILES, keepalivedProblems, type KeepalivedFiles } from "./keepalived-plan.js";

/** How long keepalived must stay up after a reload before the new files count as taken. */
export const KEEPALIVED_SETTLE_MS = 1000;

/** The keepalived part of an apply in progress: the files to put back if the apply does not end running. */
export interface KeepalivedJournalEntry {
  /** The apply this belongs to (the same id as its HAProxy part). */
  apply: string;
  version: number;
  /** The managed files before the switch; a file that did not exist is absent. */
  previous: Partial<KeepalivedFiles>;
  startedAt: string;
}

/** The journal of the keepalived part, DATA/keepalived-apply.json. */
export class KeepalivedJournal extends JsonJournal<KeepalivedJournalEntry> {
  constructor(dataDir: string) {
    super(join(dataDir, "keepalived-apply.json"));
  }
}

/** How switching keepalived to new files ended. */
export type SwitchOutcome =
  | { ok: true; pid: number }
  /** `rolled-back`: the previous files are back and keepalived runs on them; `failed`: keepalived is down. */
  | { ok: false; status: "rolled-back" | "failed"; reason: string };

/** The managed files as they are on disk; a missing file is absent. */
export function readManagedFiles(paths: KeepalivedPaths): Partial<KeepalivedFiles> {
  const files: Partial<KeepalivedFiles> = {};
  for (const name of KEEPALIVED_FILES) {
    try {
      files[name] = readFileSync(paths[name], "utf8");
    } catch {
      // Absent: a first start, or a file removed by hand.
    }
  }
  return files;
}

/**
 * `keepalived -t` on the candidate: its scripts are staged in a directory of their own inside
 * the keepalived directory (keepalived refuses scripts it cannot find or that others may
 * write), and a keepalived.conf rendered to name them is checked. The live files are not
 * touched and the staging directory is removed. Returns the problems, none when it passed.
 */
export async function validateKeepalived(
  kn: KeepalivedNode,
  pair: VrrpPair,
  node: string,
  files: KeepalivedFiles,
): Promise<string[]> {
  mkdirSync(kn.dir, { recursive: true });
  const staging = join(kn.dir, `.lbguard-check-${process.pid}-${Date.now()}`);
  mkdirSync(staging, { mode: 0o700 });
  try {
    const staged = {
      ...kn.paths,
      checkScript: join(staging, basename(kn.paths.checkScript)),
      notifyScript: join(staging, basename(kn.paths.notifyScript)),
    };
    writeScript(staged.checkScript, files.checkScript);
    writeScript(staged.notifyScript, files.notifyScript);
    const checked = await kn.check(renderKeepalivedConf(pair, node, staged));
    if (checked.ok) return [];
    const problems = keepalivedProblems(kn.paths.conf, checked.problems);
    return problems.length > 0 ? problems : [`keepalived -t refused ${kn.paths.conf}`];
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Puts new files live and has keepalived load them: journals the previous files, writes each
 * file atomically (scripts first, executable; keepalived.conf last), sends SIGHUP and checks
 * that the same keepalived still runs `settleMs` later. When it does not, the previous files
 * go back and keepalived, if it runs again, is reloaded onto them. A keepalived that is not
 * running fails the switch before anything is written. The journal stays until the apply ends
 * (`commitKeepalived` or `revertKeepalived`).
 */
export async function switchKeepalived(
  kn: KeepalivedNode,
  ctx: AgentContext,
  journal: KeepalivedJournal,
  request: { apply: string; version: number; actor: string; files: KeepalivedFiles; settleMs?: number },
): Promise<SwitchOutcome> {
  const log = (
    type: "keepalived.replaced" | "keepalived.restored",
    evidence: Record<string, unknown>,
  ): void => {
    ctx.events.append({ apply: request.apply, type, actor: request.actor, evidence });
  };
  const pid = kn.running();
  if (pid === undefined) {
    return {
      ok: false,
      status: "failed",
      reason: `keepalived is not running (no live process in ${kn.pidFile}); nothing was changed`,
    };
  }
  const previous = readManagedFiles(kn.paths);
  journal.record({
    apply: request.apply,
    version: request.version,
    previous,
    startedAt: new Date(ctx.clock()).toISOString(),
  });
  writeManagedFiles(kn.paths, request.files);
  const confHash = contentHash(request.files.conf);
  try {
    await kn.reload();
    await ctx.sleep(request.settleMs ?? KEEPALIVED_SETTLE_MS);
  } catch (error) {
    return putBack(`keepalived could not be signalled: ${(error as Error).message}`);
  }
  if (kn.running() === pid) {
    log("keepalived.replaced", { path: kn.paths.conf, hash: confHash, pid });
    return { ok: true, pid };
  }
  return putBack(`keepalived (pid ${pid}) exited after loading the new ${kn.paths.conf}`);

  async function putBack(reason: string): Promise<SwitchOutcome> {
    const back = await restoreFiles(kn, previous);
    journal.clear();
    log("keepalived.restored", { reason, runningAgain: back });
    if (back) return { ok: false, status: "rolled-back", reason: `${reason}; the previous files are back` };
    return {
      ok: false,
      status: "failed",
      reason: `${reason}; the previous files are back in ${kn.dir}, but keepalived is not running: start it again`,
    };
  }
}

/** The apply ended with the new files running: they stay. */
export function commitKeepalived(journal: KeepalivedJournal): void {
  journal.clear();
}

/**
 * The apply did not end running (HAProxy refused, rolled back or failed, or the node never
 * became active): the files from before it go back and keepalived is reloaded onto them.
 * Does nothing when the journal is empty.
 */
export async function revertKeepalived(
  kn: KeepalivedNode,
  ctx: AgentContext,
  journal: KeepalivedJournal,
  reason: string,
  actor = "agent",
): Promise<void> {
  const entry = journal.current();
  if (!entry) return;
  const back = await restoreFiles(kn, entry.previous);
  ctx.events.append({
    apply: entry.apply,
    type: "keepalived.restored",
    actor,
    evidence: { reason, runningAgain: back },
  });
  journal.clear();
}

/**
 * At start, settles the keepalived part of an apply a killed agent left: kept when the HAProxy
 * part was found to have passed its bake (`promoted`), otherwise put back, as a killed bake is.
 * A version put back is applied again when the control plane still asks for it.
 */
export async function recoverKeepalived(
  kn: KeepalivedNode,
  ctx: AgentContext,
  haproxy: { apply: string; action: string } | undefined,
): Promise<"kept" | "reverted" | undefined> {
  const journal = new KeepalivedJournal(ctx.dataDir);
  const entry = journal.current();
  if (!entry) return undefined;
  const kept = haproxy?.apply === entry.apply && haproxy.action === "promoted";
  if (!kept) await restoreFiles(kn, entry.previous);
  const action = kept ? "kept" : "reverted";
  ctx.events.append({
    apply: entry.apply,
    type: "keepalived.recovered",
    actor: "agent",
    evidence: { action },
  });
  journal.clear();
  return action;
}

/** Writes the previous files back (removing those that did not exist) and reloads keepalived if it runs. */
async function restoreFiles(kn: KeepalivedNode, previous: Partial<KeepalivedFiles>): Promise<boolean> {
  for (const name of KEEPALIVED_FILES) {
    const text = previous[name];
    if (text === undefined) removeQuietly(kn.paths[name]);
    else writeManaged(kn.paths, name, text);
  }
  if (kn.running() === undefined) return false;
  try {
    await kn.reload();
  } catch {
    return false;
  }
  return true;
}

function writeManagedFiles(paths: KeepalivedPaths, files: KeepalivedFiles): void {
  mkdirSync(dirname(paths.conf), { recursive: true });
  for (const name of KEEPALIVED_FILES) writeManaged(paths, name, files[name]);
}

function writeScript(path: string, text: string): void {
  writeDurable(path, text);
  chmodSync(path, 0o755);
}

/** Replaces one managed file atomically: keepalived.conf readable, the scripts executable. */
function writeManaged(paths: KeepalivedPaths, name: keyof KeepalivedFiles, text: string): void {
  writeFileAtomic(paths[name], text, name === "conf" ? 0o644 : 0o755);
}
