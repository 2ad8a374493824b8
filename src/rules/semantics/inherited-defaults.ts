import type { Config } from "../../model/config.js";
import type { Proxy } from "../../model/proxy.js";

/** The defaults section a proxy inherits from: the last one of that name declared before it. */
export function inheritedDefaults(proxy: Proxy, config: Config): Proxy | undefined {
  if (proxy.inheritsFrom === undefined) return undefined;
  const order = (p: Proxy) => [config.files.indexOf(p.headerSpan.file), p.headerSpan.line] as const;
  const [file, line] = order(proxy);
  return config.defaults.findLast((d) => {
    if (d === proxy || d.name !== proxy.inheritsFrom) return false;
    const [dFile, dLine] = order(d);
    return dFile < file || (dFile === file && dLine < line);
  });
}
