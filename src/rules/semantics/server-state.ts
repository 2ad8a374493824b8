import { isAbsolute, join } from "node:path";
import type { Config } from "../../model/config.js";

/** How the defaults sections and backends ask HAProxy to load server state at start-up. */
export function serverStateLoadModes(config: Config): Set<string> {
  const modes = new Set<string>();
  for (const proxy of [...config.defaults, ...config.backends]) {
    for (const d of proxy.directives) {
      if (d.keyword === "load-server-state-from-file" && d.args[0]) modes.add(d.args[0].text);
    }
  }
  return modes;
}

/**
 * The global server state file a reload reads back (`server-state-file`, under
 * `server-state-base` when relative), or undefined when no section loads it.
 */
export function loadedServerStateFile(config: Config): string | undefined {
  const file = config.global.serverStateFile?.value;
  if (!file || !serverStateLoadModes(config).has("global")) return undefined;
  const base = config.global.serverStateBase?.value;
  return base && !isAbsolute(file) ? join(base, file) : file;
}
