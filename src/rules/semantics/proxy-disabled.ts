import type { Config } from "../../model/config.js";
import { inheritedDefaults } from "./inherited-defaults.js";
import type { Proxy } from "../../model/proxy.js";

const DISABLED = new WeakMap<Proxy, boolean>();

/**
 * True when HAProxy starts the proxy stopped: it never binds its addresses and serves nothing.
 * `disabled` and `enabled` may both be written; the last one wins, and a section that writes
 * neither takes the state of the defaults section it inherits from (checked live on 2.6.12).
 */
export function isDisabled(proxy: Proxy, config: Config): boolean {
  let disabled = DISABLED.get(proxy);
  if (disabled === undefined) {
    const own = ownState(proxy);
    const parent = own === undefined ? inheritedDefaults(proxy, config) : undefined;
    disabled = own ?? (parent ? isDisabled(parent, config) : false);
    DISABLED.set(proxy, disabled);
  }
  return disabled;
}

/** The state the section's own `disabled`/`enabled` lines set, undefined when it has none. */
function ownState(proxy: Proxy): boolean | undefined {
  let state: boolean | undefined;
  for (const d of proxy.directives) {
    if (d.keyword === "disabled") state = true;
    else if (d.keyword === "enabled") state = false;
  }
  return state;
}
