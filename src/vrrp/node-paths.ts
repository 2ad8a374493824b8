import { join, resolve } from "node:path";
import { LbguardError } from "../errors.js";

/** The files the agent keeps in its keepalived directory, besides keepalived.conf. */
export interface NodePaths {
  checkScript: string;
  notifyScript: string;
  /** While this file exists the health script fails, so the node gives the VIP away. */
  maintenanceFile: string;
  /** One line written by the notify script: the VRRP state and priority. */
  stateFile: string;
}

/** Where the agent keeps keepalived's files unless told otherwise (`--keepalived-dir`). */
export const DEFAULT_KEEPALIVED_DIR = "/var/lib/lbguard/keepalived";

/**
 * keepalived splits a script line at spaces and reads `#` and `!` as comments, and bash is handed
 * these paths too: keep them to characters none of them treat specially.
 */
const SAFE_PATH = /^\/[A-Za-z0-9._/+@%=,:~-]*$/;

/** The files the agent keeps in `dir` (made absolute: keepalived runs scripts from `/`). */
export function nodePaths(dir: string): NodePaths {
  const base = resolve(dir);
  assertSafePath(base);
  return {
    checkScript: join(base, "check-haproxy.sh"),
    notifyScript: join(base, "notify-state.sh"),
    maintenanceFile: join(base, "maintenance"),
    stateFile: join(base, "vrrp-state"),
  };
}

/** Where the rendered keepalived.conf goes in the agent's keepalived directory. */
export function keepalivedConfPath(dir: string): string {
  return join(resolve(dir), "keepalived.conf");
}

/** Throws LBG_USAGE when keepalived or bash would misread `path`. */
export function assertSafePath(path: string): void {
  if (!SAFE_PATH.test(path))
    throw new LbguardError("LBG_USAGE", {
      detail: `the path '${path}' cannot be named in keepalived.conf: keepalived splits script lines at spaces and reads '#' and '!' as comments; use an absolute path of letters, digits and / . _ - (for example ${DEFAULT_KEEPALIVED_DIR})`,
    });
}
