import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkKeepalivedConf, type KeepalivedProblem } from "./keepalived-check.js";
import { nodePaths } from "./node-paths.js";
import type { VrrpPair } from "./pair.js";
import { renderKeepalivedConf } from "./render-keepalived.js";
import { renderCheckScript, renderNotifyScript } from "./render-scripts.js";

/** keepalived's verdict on one node's rendered configuration. */
export interface NodeConfigCheck {
  node: string;
  ok: boolean;
  problems: KeepalivedProblem[];
  /** The text keepalived tested; its line numbers are the problems' lines. */
  conf: string;
}

export interface PairConfigsCheck {
  /** False when keepalived was not run; `reason` says why. */
  ran: boolean;
  reason?: string;
  nodes: NodeConfigCheck[];
}

/**
 * Renders every node's keepalived.conf and has `keepalived --config-test` judge it, on any
 * machine: the scripts are rendered into a private temporary directory, and when this machine
 * lacks the pair's interface the test runs in a private network namespace that has one.
 * keepalived only accepts root-run scripts when it runs as root itself, so without root nothing
 * is run and `reason` says so.
 */
export async function checkPairConfigs(
  pair: VrrpPair,
  opts: { keepalived?: string } = {},
): Promise<PairConfigsCheck> {
  if (process.geteuid?.() !== 0)
    return {
      ran: false,
      reason:
        "keepalived -t needs root: keepalived runs the health script as root and judges its ownership as root",
      nodes: [],
    };
  const dir = await mkdtemp(join(tmpdir(), "lbguard-pair-"));
  try {
    const paths = nodePaths(dir);
    await writeFile(paths.checkScript, renderCheckScript(pair, paths.maintenanceFile), { mode: 0o755 });
    await writeFile(paths.notifyScript, renderNotifyScript(paths.stateFile), { mode: 0o755 });
    const standInInterfaces = existsSync(join("/sys/class/net", pair.interface)) ? [] : [pair.interface];
    const nodes: NodeConfigCheck[] = [];
    for (const node of pair.nodes) {
      const conf = renderKeepalivedConf(pair, node.name, paths);
      const result = await checkKeepalivedConf(conf, { ...opts, standInInterfaces });
      if (!result.ran) return { ran: false, reason: result.problems[0]?.message ?? "not run", nodes: [] };
      nodes.push({ node: node.name, ok: result.ok, problems: result.problems, conf });
    }
    return { ran: true, nodes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
