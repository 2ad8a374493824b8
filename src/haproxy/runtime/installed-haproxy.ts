import { spawnSync } from "node:child_process";
import { LbguardError } from "../../errors.js";

/**
 * The version of the HAProxy `binary` runs (e.g. `2.6.12-1+deb12u4`), or LBG_HAPROXY_MISSING,
 * which tells how to install it, when it cannot be run. `command` names what needs it.
 */
export function installedHaproxyVersion(binary: string, command: string): string {
  const run = spawnSync(binary, ["-v"], { encoding: "utf8", timeout: 10_000 });
  const reason =
    run.error !== undefined
      ? (run.error as NodeJS.ErrnoException).code === "ENOENT"
        ? "not installed"
        : run.error.message
      : run.status !== 0
        ? `it exited with ${run.status ?? run.signal}`
        : undefined;
  if (reason !== undefined) throw new LbguardError("LBG_HAPROXY_MISSING", { binary, reason, command });
  return /version (\S+)/i.exec(run.stdout)?.[1] ?? "unknown version";
}
