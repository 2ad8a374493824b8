import { readFileSync } from "node:fs";
import type { NodeHealth } from "../../control/api-types.js";
import { parseServersState, parseShowInfo, type ServerStateRow } from "../../haproxy/runtime/show-stat.js";
import type { StatRow } from "../../haproxy/runtime/stat-row.js";
import type { HaproxyNode } from "../agent-context.js";
import { contentHash } from "../config-store.js";

/**
 * The node's health from one `show stat` and one `show info`: servers UP out of those HAProxy
 * checks (a server without checks has no health to count), and the requests per second of all
 * frontends. Pure.
 */
export function healthFrom(rows: readonly StatRow[], info: Readonly<Record<string, string>>): NodeHealth {
  const checked = rows.filter(
    (r) => r.type === "server" && (r.checkStatus !== undefined || /^(UP|DOWN)/.test(r.status)),
  );
  const pid = Number(info.Pid);
  return {
    haproxy: "up",
    ...(Number.isInteger(pid) && pid > 0 ? { workerPid: pid } : {}),
    serversUp: checked.filter((r) => r.status.startsWith("UP")).length,
    serversTotal: checked.length,
    requestRate: rows.filter((r) => r.type === "frontend").reduce((sum, r) => sum + (r.requestRate ?? 0), 0),
  };
}

/** What the node runs right now. */
export interface NodeObservation {
  running: { path: string; text: string; hash: string };
  health: NodeHealth;
  /** `show servers state`; absent when HAProxy could not be read. */
  servers?: ServerStateRow[];
}

/**
 * Reads the live file and asks HAProxy for its stats, its worker and its servers' runtime
 * state. HAProxy not answering is a health of `down` with the reason, not an error.
 */
export async function observeNode(node: HaproxyNode): Promise<NodeObservation> {
  let text = "";
  try {
    text = readFileSync(node.configPath, "utf8");
  } catch {
    // A missing file hashes as empty and shows as the whole approved file removed.
  }
  const running = { path: node.configPath, text, hash: contentHash(text) };
  try {
    const snapshot = await node.snapshot();
    const info = parseShowInfo(await node.runtime("show info"));
    const servers = parseServersState(await node.runtime("show servers state"));
    return { running, health: healthFrom(snapshot.rows, info), servers };
  } catch (error) {
    return { running, health: { haproxy: "down", error: (error as Error).message } };
  }
}
