import type { GateFinding } from "../gate/gate.js";
import { parseConfig } from "../haproxy/parse/index.js";
import { readVrrpPair, type VrrpPair, type VrrpPairSource } from "../vrrp/pair.js";
import { checkVrrpPair } from "../vrrp/rules/check-vrrp-pair.js";

/** The name a proposal's pair file goes by in findings and diffs. */
export const PAIR_FILE = "pair.yaml";

/**
 * `cluster/single-lb-node`: a cluster with fewer than two load-balancer nodes has no second node
 * to take the VIP when its one node fails. A warning on every change of such a cluster. Pure.
 */
export function singleNodeFinding(cluster: string, nodes: readonly string[]): GateFinding | undefined {
  if (nodes.length >= 2) return undefined;
  const which = nodes.length === 0 ? "no load-balancer node" : `one load-balancer node (${nodes[0]})`;
  return {
    rule: "cluster/single-lb-node",
    severity: "warning",
    message: `cluster ${cluster} has ${which}: it is a single point of failure; add a second node ('lbguard nodes add NAME') and a pair file sharing a VIP between them ('lbguard propose --vrrp PAIR')`,
  };
}

/**
 * `cluster/pair-nodes`: the pair file must name exactly the cluster's nodes, since the agent of
 * a node the pair leaves out renders no keepalived.conf and a name no node has holds a priority
 * nobody runs. An error. Pure.
 */
export function pairNodesFinding(
  pair: VrrpPair,
  source: VrrpPairSource,
  cluster: string,
  nodes: readonly string[],
): GateFinding | undefined {
  const named = pair.nodes.map((n) => n.name);
  const unknown = named.filter((name) => !nodes.includes(name));
  const missing = nodes.filter((name) => !named.includes(name));
  if (unknown.length === 0 && missing.length === 0) return undefined;
  const parts = [
    ...(unknown.length > 0
      ? [`names ${unknown.join(", ")}, which cluster ${cluster} has no node called`]
      : []),
    ...(missing.length > 0 ? [`leaves out ${missing.join(", ")}`] : []),
  ];
  const first = unknown[0];
  const span = first !== undefined ? source.nodeNames[named.indexOf(first)] : source.document;
  return {
    rule: "cluster/pair-nodes",
    severity: "error",
    message: `the pair file ${parts.join(" and ")}; list exactly the cluster's nodes (${nodes.join(", ") || "none yet"}) under 'nodes:'`,
    ...(span ? { span } : {}),
  };
}

/**
 * What the control plane adds to a config change's findings about the cluster and its pair:
 * the single-node warning, and for a version with a pair file, the pair rules (run against the
 * version's HAProxy text, so a check URL no frontend serves is an error) and whether the pair
 * names the cluster's nodes. The pair file is read as `pair.yaml`; a file that is not a usable
 * pair throws LBG_BAD_VRRP naming its lines.
 */
export function judgePair(input: {
  cluster: string;
  nodes: readonly string[];
  /** The proposed version's haproxy.cfg. */
  config: string;
  /** The pair file of the proposed version, if it has one. */
  vrrp?: string;
}): { pair?: VrrpPair; findings: GateFinding[] } {
  const single = singleNodeFinding(input.cluster, input.nodes);
  const findings: GateFinding[] = single ? [single] : [];
  if (input.vrrp === undefined) return { findings };
  const { pair, source } = readVrrpPair(input.vrrp, PAIR_FILE);
  const model = parseConfig([{ path: "haproxy.cfg", text: input.config }], { env: {} }).model;
  for (const f of checkVrrpPair(pair, model, source)) {
    // The cluster's own single-node warning already says it.
    if (single && f.ruleId === "vrrp/single-node") continue;
    findings.push({
      rule: f.ruleId,
      severity: f.severity,
      message: f.hint ? `${f.message}. ${f.hint}` : f.message,
      span: f.span,
    });
  }
  const mismatch = pairNodesFinding(pair, source, input.cluster, input.nodes);
  if (mismatch) findings.push(mismatch);
  return { pair, findings };
}
