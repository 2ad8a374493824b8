import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { livingPid } from "./keepalived-process.js";
import type { NodePaths } from "./node-paths.js";
import { type VrrpPair, vipAddress } from "./pair.js";

const run = promisify(execFile);

/** A node's VRRP state as the agent reports it; STOPPED when keepalived does not run. */
export type VrrpStateName = "MASTER" | "BACKUP" | "FAULT" | "STOPPED" | "UNKNOWN";

export interface VrrpStatus {
  state: VrrpStateName;
  /** The VIP is on the pair's interface right now, whatever keepalived last said. */
  holdsVip: boolean;
}

/**
 * The node's VRRP state and whether it holds the VIP. The state comes from the notify script's
 * state file; when `pidFile` is given and names no live process, keepalived is STOPPED whatever
 * the file says (a killed keepalived never writes STOP). `holdsVip` is read from the interface
 * (`ip -o -4 addr show dev IFACE`, inside `options.netns` when given), so a VIP left behind by
 * a killed keepalived is still seen.
 */
export async function readVrrpStatus(
  pair: VrrpPair,
  paths: NodePaths,
  pidFile?: string,
  options: { netns?: string } = {},
): Promise<VrrpStatus> {
  const [state, holdsVip] = await Promise.all([
    readState(paths.stateFile, pidFile),
    interfaceHoldsAddress(pair.interface, vipAddress(pair), options.netns),
  ]);
  return { state, holdsVip };
}

async function readState(stateFile: string, pidFile: string | undefined): Promise<VrrpStateName> {
  if (pidFile !== undefined && livingPid(pidFile) === undefined) return "STOPPED";
  try {
    return parseStateLine(await readFile(stateFile, "utf8"));
  } catch {
    return "UNKNOWN";
  }
}

/** The state a line of the state file names (`MASTER 150`); STOP and DELETED mean STOPPED. */
export function parseStateLine(text: string): VrrpStateName {
  const word = text.trim().split(/\s+/)[0] ?? "";
  switch (word) {
    case "MASTER":
    case "BACKUP":
    case "FAULT":
      return word;
    case "STOP":
    case "DELETED":
      return "STOPPED";
    default:
      return "UNKNOWN";
  }
}

/**
 * True when `ip -o -4 addr show dev IFACE` lists `address` (in network namespace `netns` when
 * given, as a test or lab looks at a node from outside); false when it fails.
 */
export async function interfaceHoldsAddress(
  iface: string,
  address: string,
  netns?: string,
): Promise<boolean> {
  try {
    const namespace = netns === undefined ? [] : ["-n", netns];
    const { stdout } = await run("ip", [...namespace, "-o", "-4", "addr", "show", "dev", iface]);
    return listsAddress(stdout, address);
  } catch {
    return false;
  }
}

/** True when `ip -o -4 addr` output has an `inet ADDRESS/PREFIX` entry for `address`. */
export function listsAddress(ipOutput: string, address: string): boolean {
  for (const match of ipOutput.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g))
    if (match[1] === address) return true;
  return false;
}
