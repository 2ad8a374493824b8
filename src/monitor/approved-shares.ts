import type { Kysely } from "kysely";
import type { ExpectedShares, RuntimeOperationSpec } from "../control/api-types.js";
import { clusterRow } from "../control/clusters.js";
import type { ControlContext } from "../control/control-context.js";
import type { ClustersTable, Database } from "../store/schema.js";
import { expectedSharesFor } from "./expected-shares.js";

/** What a cluster is approved to run now: its current version and the runtime changes applied on it. */
export interface ApprovedState {
  version: number;
  /** Approved runtime changes applied on top of the version, oldest first. */
  operations: { change: number; spec: RuntimeOperationSpec }[];
  /** Changes exactly when the prediction would: version, runtime changes and the gate's rate. */
  key: string;
}

/**
 * Reads the approved state of one of the cluster's versions: by default its current one; during
 * a rollout a node may run another. Cheap enough to ask every second.
 */
export async function approvedStateOf(
  db: Kysely<Database>,
  row: ClustersTable,
  version: number = Number(row.current_version),
): Promise<ApprovedState> {
  const rows = await db
    .selectFrom("changes")
    .select(["id", "operation"])
    .where("cluster", "=", row.name)
    .where("kind", "=", "runtime")
    .where("parent", "=", version)
    .where("state", "=", "applied")
    .orderBy("id")
    .execute();
  const operations = rows.map((o) => ({
    change: Number(o.id),
    spec: JSON.parse(o.operation ?? "{}") as RuntimeOperationSpec,
  }));
  return { version, operations, key: `${version}:${operations.map((o) => o.change).join(",")}:${row.rps}` };
}

/** The simulator's shares (backend → server → 0..1) for an approved state; empty without its version's text. */
export async function approvedShares(
  db: Kysely<Database>,
  row: ClustersTable,
  state: ApprovedState,
): Promise<Map<string, Map<string, number>>> {
  const text = await db
    .selectFrom("versions")
    .select("text")
    .where("id", "=", state.version)
    .executeTakeFirst();
  if (!text) return new Map();
  return expectedSharesFor({
    config: text.text,
    operations: state.operations.map((o) => o.spec),
    rps: Number(row.rps),
    inventory: row.inventory,
  });
}

/**
 * When the approved state took effect: the rollout that made its last part current completed
 * (the change's last update), or the version was registered when no change brought it.
 */
async function approvedSince(
  db: Kysely<Database>,
  row: ClustersTable,
  state: ApprovedState,
): Promise<string> {
  const lastOperation = state.operations[state.operations.length - 1];
  const change = lastOperation
    ? await db
        .selectFrom("changes")
        .select("updated_at")
        .where("id", "=", lastOperation.change)
        .executeTakeFirst()
    : await db
        .selectFrom("changes")
        .select("updated_at")
        .where("cluster", "=", row.name)
        .where("version", "=", state.version)
        .where("state", "=", "applied")
        .orderBy("updated_at", "desc")
        .executeTakeFirst();
  if (change) return change.updated_at;
  const version = await db
    .selectFrom("versions")
    .select("created_at")
    .where("id", "=", state.version)
    .executeTakeFirst();
  return version?.created_at ?? row.created_at;
}

/** Cluster → its last prediction and the approved-state key it was made for. */
export type ExpectedSharesCache = Map<string, { key: string; backends: ExpectedShares["backends"] }>;

/**
 * `GET /clusters/:cluster/expected-shares`: each backend's predicted share per server for the
 * approved state. `cache` keeps the last prediction per cluster, since a dashboard asks every few
 * seconds and the simulation only changes with the approved state.
 */
export async function clusterExpectedShares(
  ctx: ControlContext,
  cluster: string,
  cache: ExpectedSharesCache,
): Promise<ExpectedShares> {
  const db = ctx.store.db;
  const row = await clusterRow(db, cluster);
  const state = await approvedStateOf(db, row);
  const cached = cache.get(cluster);
  let backends = cached?.key === state.key ? cached.backends : undefined;
  if (backends === undefined) {
    const shares = await approvedShares(db, row, state);
    backends = Object.fromEntries(
      [...shares].map(([backend, servers]) => [backend, Object.fromEntries(servers)]),
    );
    cache.set(cluster, { key: state.key, backends });
  }
  return {
    cluster,
    version: state.version,
    runtimeChanges: state.operations.map((o) => o.change),
    rps: Number(row.rps),
    since: await approvedSince(db, row, state),
    backends,
  };
}
