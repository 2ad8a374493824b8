/** What the control plane knows of the version one node runs. */
export interface NodeVersionFacts {
  /** sha256 of the haproxy.cfg the node last reported running; null before its first report. */
  runningHash: string | null;
  /** The version the node last promoted (or found already running); null before its first. */
  appliedVersion: number | null;
  /** The version the control plane wants the node to run. */
  desiredVersion: number | null;
}

/** A version of the cluster, as far as telling which one a node runs needs. */
export interface VersionHash {
  id: number;
  hash: string;
}

/**
 * The version a node runs now. Its report's running hash says it best: a canary runs the new
 * version for its whole bake, while `applied_version` moves only once the bake promoted it, and
 * a node that rolled back runs the old one again. Versions with the same haproxy.cfg (a new pair
 * file, a revert) share a hash; the cluster's current version is taken first, then the node's
 * desired, then its applied one, then the newest. A hash no version has (the file was edited by
 * hand, which drift reports) or no report yet leaves the version the node last applied, else the
 * cluster's current one. Pure.
 */
export function runningVersionOf(
  node: NodeVersionFacts,
  versions: readonly VersionHash[],
  current: number,
): number {
  const same = new Set(versions.filter((v) => v.hash === node.runningHash).map((v) => v.id));
  if (same.size > 0) {
    for (const preferred of [current, node.desiredVersion, node.appliedVersion]) {
      if (preferred !== null && same.has(preferred)) return preferred;
    }
    return Math.max(...same);
  }
  return node.appliedVersion ?? current;
}
