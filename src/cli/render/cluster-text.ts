import type {
  Cluster,
  ClusterPolicy,
  CreatedToken,
  NodeHealth,
  NodeStatus,
  VersionInfo,
} from "../../control/api-types.js";
import { painter } from "./paint.js";
import { shortHash, shortTime, table } from "./table.js";
import { escapeControl, terminalSafe } from "./terminal-safe.js";

/** A policy on one line: `approvals low=1 medium=1 high=2, drift report, bake 30 s`. */
export function policyText(policy: ClusterPolicy): string {
  const approvals = (["low", "medium", "high"] as const)
    .map((risk) => `${risk}=${policy.approvals[risk]}`)
    .join(" ");
  const bake = policy.bakeS === undefined ? "the agent's" : `${policy.bakeS} s`;
  return `approvals ${approvals}, drift ${policy.drift}, bake ${bake}`;
}

/** A cluster: its current version, its policy and its nodes. */
export function renderCluster(raw: Cluster, color: boolean): string {
  const cluster = terminalSafe(raw);
  const paint = painter(color);
  return [
    `${paint("bold", `cluster ${cluster.name}`)}  current version ${cluster.currentVersion}  ${paint("dim", `created ${shortTime(cluster.createdAt)}`)}`,
    `  policy: ${policyText(cluster.policy)}`,
    "",
    renderNodes(raw.nodes, color),
  ].join("\n");
}

function healthText(health: NodeHealth | undefined): string {
  if (!health) return "-";
  if (health.haproxy === "down") return `down${health.error ? `: ${health.error}` : ""}`;
  const servers =
    health.serversTotal !== undefined ? ` ${health.serversUp ?? 0}/${health.serversTotal} servers` : "";
  const rate = health.requestRate !== undefined ? ` ${health.requestRate.toFixed(1)} req/s` : "";
  return `up${servers}${rate}`;
}

/** A node's VRRP state for the table: `MASTER, VIP`, `BACKUP`, or `-` when it reported none. */
function vrrpText(node: NodeStatus): { text: string; style: "green" | "dim" | "red" } {
  if (!node.vrrp) return { text: "-", style: "dim" };
  const { state, holdsVip } = node.vrrp;
  const text = holdsVip ? `${state}, VIP` : state;
  return { text, style: state === "FAULT" || state === "STOPPED" ? "red" : holdsVip ? "green" : "dim" };
}

/**
 * The nodes of a cluster as a table (desired and applied version, the running config's hash,
 * health, the VRRP state when a node reported one, when last seen, drift), then each drift with
 * its diff, and a warning when the cluster has a single node.
 */
export function renderNodes(raw: NodeStatus[], color: boolean): string {
  if (raw.length === 0) return "no nodes; add one with 'lbguard nodes add NAME'\n";
  const paint = painter(color);
  const nodes = terminalSafe(raw);
  const paired = nodes.some((n) => n.vrrp !== undefined);
  const rows = nodes.map((n) => {
    const drift = n.drift?.length ? n.drift.map((d) => d.kind).join(", ") : "none";
    return [
      n.name,
      String(n.desiredVersion),
      n.appliedVersion === undefined ? "-" : String(n.appliedVersion),
      shortHash(n.runningHash),
      { text: healthText(n.health), style: n.health?.haproxy === "down" ? "red" : "green" } as const,
      ...(paired ? [vrrpText(n)] : []),
      shortTime(n.lastSeenAt),
      n.drift?.length ? { text: drift, style: "yellow" as const } : drift,
    ];
  });
  const lines = table(
    [
      ["node", "desired", "applied", "running", "health", ...(paired ? ["vrrp"] : []), "last seen", "drift"],
      ...rows,
    ],
    paint,
  );
  raw.forEach((node, i) => {
    for (const d of node.drift ?? []) {
      lines.push(
        "",
        paint("yellow", `${nodes[i]!.name}: ${d.kind} drift since ${shortTime(d.since)}`),
        escapeControl(d.diff, { multiline: true }).trimEnd(),
      );
    }
  });
  if (nodes.length === 1) {
    lines.push(
      "",
      paint(
        "yellow",
        `warning (cluster/single-lb-node): ${nodes[0]!.name} is the cluster's only load-balancer node, a single point of failure; add a second with 'lbguard nodes add NAME' and share a VIP with 'lbguard propose --vrrp PAIR'`,
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Quotes a word for a POSIX shell when it holds anything but plainly safe characters. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The command line that starts a node's agent against `server` with its token. */
export function agentCommandLine(server: string, token: string): string {
  return `lbguard agent --server ${shellWord(server)} --token ${shellWord(token)}`;
}

/** A node just added: its agent token, shown this once, and the command to run on the node. */
export function renderNodeAdded(
  raw: { node: NodeStatus; token: CreatedToken },
  server: string,
  color: boolean,
): string {
  const { node, token } = terminalSafe(raw);
  const paint = painter(color);
  return [
    `node ${paint("bold", node.name)} added to cluster ${node.cluster} (desired version ${node.desiredVersion}).`,
    `Its agent token, shown only this once (id ${token.id}):`,
    `  ${token.token}`,
    `On ${node.name}, beside HAProxy, run:`,
    `  ${escapeControl(agentCommandLine(server, raw.token.token))}`,
    "",
  ].join("\n");
}

/** A cluster's versions, newest first, the current one marked with `*`. */
export function renderVersions(raw: VersionInfo[], current: number | undefined, color: boolean): string {
  if (raw.length === 0) return "no versions\n";
  const paint = painter(color);
  const rows = terminalSafe(raw).map((v) => [
    `${v.id === current ? "*" : " "} ${v.id}`,
    shortHash(v.hash),
    v.parent === undefined ? "-" : String(v.parent),
    v.author,
    shortTime(v.createdAt),
    v.message,
  ]);
  return `${table([["  version", "hash", "parent", "author", "created", "message"], ...rows], paint).join("\n")}\n`;
}
