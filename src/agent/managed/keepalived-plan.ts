import { contentHash } from "../config-store.js";
import { LbguardError } from "../../errors.js";
import { parseVrrpPair, type VrrpPair } from "../../vrrp/pair.js";
import {
  renderCheckScript,
  renderKeepalivedConf,
  renderNotifyScript,
  type NodePaths,
} from "../../vrrp/render-keepalived.js";
import type { KeepalivedPaths } from "../keepalived-node.js";

/** The texts of the three files the agent manages for keepalived. */
export interface KeepalivedFiles {
  conf: string;
  checkScript: string;
  notifyScript: string;
}

/** The file names of `KeepalivedFiles`, scripts first: keepalived.conf names them, so it goes last. */
export const KEEPALIVED_FILES = [
  "checkScript",
  "notifyScript",
  "conf",
] as const satisfies readonly (keyof KeepalivedFiles & keyof KeepalivedPaths)[];

/** The pair a node last applied, as managed.json keeps it. */
export interface AppliedPair {
  /** The pair file's text. */
  text: string;
  /** This node's name in it. */
  node: string;
  /** sha256 of the keepalived.conf rendered for it: what the node should run. */
  confHash: string;
}

/** What to do with the keepalived part of a version on this node. */
export type KeepalivedPlan =
  /** The version has no pair: keepalived's files are left as they are. */
  | { kind: "none" }
  /** The pair file is unusable, or does not name this node: nothing may be written. */
  | { kind: "invalid"; problems: string[] }
  /** The pair is the one applied: keepalived's files are not touched (a hand edit is drift). */
  | { kind: "same"; pair: VrrpPair; files: KeepalivedFiles; applied: AppliedPair }
  /** New files to validate, write and load. */
  | { kind: "change"; pair: VrrpPair; files: KeepalivedFiles; applied: AppliedPair };

/** The three files for `node` of `pair`, rendered with the agent's paths. Pure. */
export function renderNodeFiles(pair: VrrpPair, node: string, paths: NodePaths): KeepalivedFiles {
  return {
    conf: renderKeepalivedConf(pair, node, paths),
    checkScript: renderCheckScript(pair, paths.maintenanceFile),
    notifyScript: renderNotifyScript(paths.stateFile),
  };
}

/**
 * Decides the keepalived part of applying a version. keepalived's files change only when the
 * pair (or this node's name in it) differs from the one last applied and the rendered files
 * differ from those on disk: a version that changes only haproxy.cfg leaves keepalived alone,
 * and a node that already runs the rendered files (`lbguard vrrp render` at first start) is
 * not reloaded for nothing. Pure.
 */
export function planKeepalived(input: {
  /** The version's pair file, if it has one. */
  pairText: string | undefined;
  /** Where the pair text comes from, for messages (`version 7 pair.yaml`). */
  source: string;
  /** This node's name, as the control plane knows it. */
  node: string;
  paths: KeepalivedPaths;
  /** The pair this node applied last, if any. */
  applied: AppliedPair | undefined;
  /** The managed files as they are on disk; a missing file is absent. */
  onDisk: Partial<KeepalivedFiles>;
}): KeepalivedPlan {
  if (input.pairText === undefined) return { kind: "none" };
  let pair: VrrpPair;
  try {
    pair = parseVrrpPair(input.pairText, input.source);
  } catch (error) {
    if (error instanceof LbguardError) return { kind: "invalid", problems: [error.message] };
    throw error;
  }
  if (!pair.nodes.some((n) => n.name === input.node)) {
    const names = pair.nodes.map((n) => n.name).join(", ");
    return {
      kind: "invalid",
      problems: [`${input.source}: this node, ${input.node}, is not among the pair's nodes (${names})`],
    };
  }
  const files = renderNodeFiles(pair, input.node, input.paths);
  const applied: AppliedPair = { text: input.pairText, node: input.node, confHash: contentHash(files.conf) };
  const samePair = input.applied?.text === input.pairText && input.applied.node === input.node;
  const sameOnDisk = KEEPALIVED_FILES.every((name) => input.onDisk[name] === files[name]);
  return samePair || sameOnDisk
    ? { kind: "same", pair, files, applied }
    : { kind: "change", pair, files, applied };
}

/**
 * `keepalived -t`'s problems as lines a person can act on, naming the candidate's lines as
 * those of keepalived.conf. Pure.
 */
export function keepalivedProblems(
  confPath: string,
  problems: readonly { line?: number; message: string }[],
): string[] {
  return problems.map((p) => (p.line !== undefined ? `${confPath}:${p.line}: ${p.message}` : p.message));
}
