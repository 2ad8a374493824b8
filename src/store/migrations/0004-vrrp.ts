import type { Kysely } from "kysely";

/**
 * The redundant pair: a version's keepalived pair file, each node's last VRRP report and the
 * hash of its keepalived.conf, and the VIP holder a rollout hands over from (null: no pair, or
 * no single holder known when it started, so the rollout goes in name order).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("versions").addColumn("vrrp", "text").execute();
  // One column per statement: SQLite's ALTER TABLE adds one at a time.
  for (const [column, type] of [
    ["vrrp_state", "text"],
    ["vrrp_holds_vip", "integer"],
    ["vrrp_seen_at", "text"],
    ["keepalived_hash", "text"],
  ] as const) {
    await db.schema.alterTable("nodes").addColumn(column, type).execute();
  }
  await db.schema.alterTable("rollouts").addColumn("vip_holder", "text").execute();
}
