import { LbguardError } from "../errors.js";
import { assertSafePath, type NodePaths } from "./node-paths.js";
import type { VrrpNode, VrrpPair } from "./pair.js";

export { DEFAULT_KEEPALIVED_DIR, keepalivedConfPath, type NodePaths, nodePaths } from "./node-paths.js";
export { renderCheckScript, renderNotifyScript } from "./render-scripts.js";

/** The name of the one VRRP instance, as the notify script and keepalived's log show it. */
export const VRRP_INSTANCE_NAME = "lbguard_vip";
/** The name of the health script's vrrp_script block. */
export const VRRP_SCRIPT_NAME = "lbguard_haproxy";

export interface RenderOptions {
  /** Where the pair came from (a file, a version), named in the header; nothing when absent. */
  source?: string;
}

/** The node of the pair with that name, if any. */
export function pairNode(pair: VrrpPair, name: string): VrrpNode | undefined {
  return pair.nodes.find((n) => n.name === name);
}

/**
 * keepalived.conf for one node of the pair. Every node starts as BACKUP with `nopreempt`: a
 * VIP that moves back by itself when a node recovers costs in-flight requests a second time,
 * so handovers are the control plane's decision. The health script is tracked without weight,
 * so a failing check puts the instance in FAULT, which gives the VIP away at once with a
 * priority-0 advert. The text depends only on its arguments, so two renderings compare equal.
 * Throws LBG_USAGE when `node` is not in the pair.
 */
export function renderKeepalivedConf(
  pair: VrrpPair,
  node: string,
  paths: NodePaths,
  options: RenderOptions = {},
): string {
  const self = pairNode(pair, node);
  if (!self)
    throw new LbguardError("LBG_USAGE", {
      detail: `node '${node}' is not in the pair (its nodes: ${pair.nodes.map((n) => n.name).join(", ")})`,
    });
  assertSafePath(paths.checkScript);
  assertSafePath(paths.notifyScript);
  const check = pair.check;
  const origin = options.source ? ` from ${oneLine(options.source)}` : "";
  const lines = [
    `# keepalived.conf of node ${self.name}, rendered by lbguard${origin}.`,
    "# Do not edit: lbguard renders it again from the pair file (docs/vrrp.md).",
    "",
    "global_defs {",
    "    # Names this node in keepalived's log.",
    `    router_id ${self.name}`,
    "    # The health and notify scripts run as root; keepalived then checks that every part of",
    "    # their paths is owned by root and writable by nobody else, and refuses them otherwise.",
    "    script_user root",
    "    enable_script_security",
    "}",
    "",
    `# Asks HAProxy for ${check.url} through loopback; fails without a 2xx answer within`,
    `# ${check.timeoutSeconds} s, or while the maintenance file exists. keepalived's own timeout is a`,
    "# backstop a second longer than the script's.",
    `vrrp_script ${VRRP_SCRIPT_NAME} {`,
    `    script "${paths.checkScript}"`,
    `    interval ${check.intervalSeconds}`,
    `    timeout ${Math.ceil(check.timeoutSeconds) + 1}`,
    `    fall ${check.fall}`,
    `    rise ${check.rise}`,
    "}",
    "",
    `vrrp_instance ${VRRP_INSTANCE_NAME} {`,
    "    # Every node starts as BACKUP and a recovered node never takes the VIP back by itself:",
    "    # the control plane decides handovers.",
    "    state BACKUP",
    "    nopreempt",
    `    interface ${pair.interface}`,
    `    virtual_router_id ${pair.virtualRouterId}`,
    `    priority ${self.priority}`,
    `    version ${pair.vrrpVersion}`,
    `    advert_int ${pair.advertInterval}`,
    ...(pair.vrrpVersion === 2 && pair.authPass !== undefined
      ? ["    authentication {", "        auth_type PASS", `        auth_pass ${pair.authPass}`, "    }"]
      : []),
    "    virtual_ipaddress {",
    `        ${pair.vip} dev ${pair.interface}`,
    "    }",
    "    # No weight: a failing check puts the instance in FAULT, releasing the VIP at once.",
    "    track_script {",
    `        ${VRRP_SCRIPT_NAME}`,
    "    }",
    "    # Gratuitous ARPs again 1 s after becoming MASTER and every 60 s while MASTER, so that",
    "    # neighbours that missed the first ones learn the VIP's new owner quickly.",
    "    garp_master_delay 1",
    "    garp_master_refresh 60",
    "    # Writes MASTER, BACKUP, FAULT or STOP to the state file the agent reads.",
    `    notify "${paths.notifyScript}"`,
    "}",
  ];
  return `${lines.join("\n")}\n`;
}

/** A header value on one line, without characters keepalived reads as the end of a comment. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}
