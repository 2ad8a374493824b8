import type { Kysely, Selectable } from "kysely";
import type { ClustersTable, Database, NodesTable } from "../store/schema.js";
import { approvedShares, approvedStateOf } from "./approved-shares.js";
import type { ClusterView } from "./cluster-view.js";
import { runningVersionOf, type VersionHash } from "./running-version.js";

type Shares = ClusterView["expectedShares"];

/** The simulator's shares for the cluster's current version, and for the version each node runs. */
export interface SharesByNode {
  cluster: Shares;
  /** Node → the shares of the version it runs (its own runtime changes applied). */
  nodes: Map<string, Shares>;
}

/**
 * The expected shares of the cluster and of each node: during a rollout, or while a canary
 * bakes, nodes run different versions, and each is judged against its own. `cache` keeps the
 * predictions by approved-state key between rounds (a simulation is computed again only when a
 * version, its approved runtime changes or the gate's rate change), and loses those no node
 * uses any more.
 */
export async function expectedSharesByNode(
  db: Kysely<Database>,
  row: Selectable<ClustersTable>,
  nodes: readonly Selectable<NodesTable>[],
  cache: Map<string, Shares>,
): Promise<SharesByNode> {
  const current = Number(row.current_version);
  const hashes = [...new Set(nodes.flatMap((n) => (n.running_hash === null ? [] : [n.running_hash])))];
  const versions: VersionHash[] =
    hashes.length === 0
      ? []
      : (
          await db
            .selectFrom("versions")
            .select(["id", "hash"])
            .where("cluster", "=", row.name)
            .where("hash", "in", hashes)
            .execute()
        ).map((v) => ({ id: Number(v.id), hash: v.hash }));
  const versionOf = new Map(
    nodes.map((n) => [
      n.name,
      runningVersionOf(
        {
          runningHash: n.running_hash,
          appliedVersion: n.applied_version === null ? null : Number(n.applied_version),
          desiredVersion: Number(n.desired_version),
        },
        versions,
        current,
      ),
    ]),
  );
  const byVersion = new Map<number, Shares>();
  const used = new Set<string>();
  for (const version of new Set([current, ...versionOf.values()])) {
    const state = await approvedStateOf(db, row, version);
    used.add(state.key);
    let shares = cache.get(state.key);
    if (shares === undefined) {
      shares = await approvedShares(db, row, state);
      cache.set(state.key, shares);
    }
    byVersion.set(version, shares);
  }
  for (const key of cache.keys()) if (!used.has(key)) cache.delete(key);
  const empty: Shares = new Map();
  return {
    cluster: byVersion.get(current) ?? empty,
    nodes: new Map([...versionOf].map(([node, version]) => [node, byVersion.get(version) ?? empty])),
  };
}
