import { resolve } from "node:path";
import { checkKeepalivedConf, type KeepalivedCheckResult } from "../vrrp/keepalived-check.js";
import { livingPid, reloadKeepalived } from "../vrrp/keepalived-process.js";
import type { VrrpPair } from "../vrrp/pair.js";
import { keepalivedConfPath, nodePaths, type NodePaths } from "../vrrp/render-keepalived.js";
import { readVrrpStatus, type VrrpStatus } from "../vrrp/vrrp-state.js";

/** The files an agent keeps in its keepalived directory: those of `nodePaths` and keepalived.conf. */
export interface KeepalivedPaths extends NodePaths {
  conf: string;
}

/** What `keepalived -t` said of a configuration. */
export type KeepalivedCheck = Pick<KeepalivedCheckResult, "ok" | "problems">;

/**
 * The keepalived one agent drives, as `HaproxyNode` is its HAProxy: the directory it writes
 * keepalived's files to, and the process it signals. A test substitutes the parts that must
 * look inside a network namespace.
 */
export interface KeepalivedNode {
  readonly dir: string;
  readonly paths: KeepalivedPaths;
  readonly pidFile: string;
  /** `keepalived -t` on a configuration text (the scripts it names must exist). */
  check(conf: string): Promise<KeepalivedCheck>;
  /** SIGHUP to the process the pid file names. */
  reload(): Promise<void>;
  /** The pid of the keepalived the pid file names, when that process lives; undefined otherwise. */
  running(): number | undefined;
  /** The instance's state (from the notify script's state file) and whether this node holds the VIP. */
  status(pair: VrrpPair): Promise<VrrpStatus>;
}

/** Where the keepalived of one node lives. */
export interface KeepalivedAddress {
  /** The directory keepalived.conf and its scripts go to (keepalived runs with `-f DIR/keepalived.conf`). */
  dir: string;
  /** keepalived's pid file (`-p`; Debian: /run/keepalived.pid). */
  pidFile: string;
  /** The keepalived binary for `keepalived -t` (default: keepalived on PATH). */
  keepalived?: string;
}

/** Debian's package default for the pid file. */
export const DEFAULT_KEEPALIVED_PID = "/run/keepalived.pid";

/** The paths an agent manages in a keepalived directory. */
export function keepalivedPaths(dir: string): KeepalivedPaths {
  return { ...nodePaths(dir), conf: keepalivedConfPath(dir) };
}

/** Drives the keepalived of this host through src/vrrp. */
export function connectKeepalived(address: KeepalivedAddress): KeepalivedNode {
  const paths = keepalivedPaths(address.dir);
  return {
    dir: resolve(address.dir),
    paths,
    pidFile: address.pidFile,
    check: (conf) =>
      checkKeepalivedConf(conf, address.keepalived !== undefined ? { keepalived: address.keepalived } : {}),
    reload: () => reloadKeepalived(address.pidFile),
    running: () => livingPid(address.pidFile),
    status: (pair) => readVrrpStatus(pair, paths, address.pidFile),
  };
}
