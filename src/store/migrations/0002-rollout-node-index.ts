import type { Kysely } from "kysely";

/**
 * Every long poll looks up the rollout step its node is in; without this index that is a scan of
 * every step of every rollout so far.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex("rollout_nodes_node")
    .on("rollout_nodes")
    .columns(["node_id", "state"])
    .execute();
}
