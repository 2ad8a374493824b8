import type { Kysely } from "kysely";
import type { StoreDialect } from "../database.js";

/** Monitoring: stats samples and their rollups, alerts, silences, notifications, incidents. */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const serial = dialect === "postgres" ? "serial" : "integer";
  const text = "text" as const;

  for (const [table, time] of [
    ["metric_samples", "at"],
    ["metric_rollups", "minute"],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn("node_id", text, (c) => c.notNull())
      .addColumn(time, text, (c) => c.notNull())
      .addColumn("interval_ms", "integer", (c) => c.notNull())
      .addColumn("data", text, (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ["node_id", time])
      .execute();
    // Retention deletes by time across all nodes.
    await db.schema.createIndex(`${table}_${time}`).on(table).column(time).execute();
  }

  await db.schema
    .createTable("alerts")
    .addColumn("id", serial, (c) => c.primaryKey())
    .addColumn("fingerprint", text, (c) => c.notNull())
    .addColumn("cluster", text, (c) => c.notNull().references("clusters.name"))
    .addColumn("rule", text, (c) => c.notNull())
    .addColumn("kind", text, (c) => c.notNull())
    .addColumn("severity", text, (c) => c.notNull())
    .addColumn("labels", text, (c) => c.notNull())
    .addColumn("state", text, (c) => c.notNull())
    .addColumn("value", "real", (c) => c.notNull())
    .addColumn("threshold", "real", (c) => c.notNull())
    .addColumn("summary", text, (c) => c.notNull())
    .addColumn("active_at", text, (c) => c.notNull())
    .addColumn("fired_at", text)
    .addColumn("resolved_at", text)
    .addColumn("suspects", text, (c) => c.notNull())
    .addColumn("silenced_by", "integer")
    .addColumn("updated_at", text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("alerts_cluster_state").on("alerts").columns(["cluster", "state"]).execute();
  await db.schema.createIndex("alerts_fingerprint").on("alerts").columns(["fingerprint", "state"]).execute();

  await db.schema
    .createTable("silences")
    .addColumn("id", serial, (c) => c.primaryKey())
    .addColumn("cluster", text)
    .addColumn("matchers", text, (c) => c.notNull())
    .addColumn("comment", text, (c) => c.notNull())
    .addColumn("created_by", text, (c) => c.notNull())
    .addColumn("created_at", text, (c) => c.notNull())
    .addColumn("ends_at", text, (c) => c.notNull())
    .addColumn("expired_at", text)
    .execute();

  await db.schema
    .createTable("notifications")
    .addColumn("id", serial, (c) => c.primaryKey())
    .addColumn("alert_id", "integer", (c) => c.notNull().references("alerts.id"))
    .addColumn("receiver", text, (c) => c.notNull())
    .addColumn("status", text, (c) => c.notNull())
    .addColumn("payload", text, (c) => c.notNull())
    .addColumn("state", text, (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull())
    .addColumn("next_attempt_at", text, (c) => c.notNull())
    .addColumn("last_error", text)
    .addColumn("created_at", text, (c) => c.notNull())
    .addColumn("delivered_at", text)
    .execute();
  await db.schema
    .createIndex("notifications_due")
    .on("notifications")
    .columns(["state", "next_attempt_at"])
    .execute();

  await db.schema
    .createTable("incidents")
    .addColumn("id", serial, (c) => c.primaryKey())
    .addColumn("cluster", text, (c) => c.notNull().references("clusters.name"))
    .addColumn("title", text, (c) => c.notNull())
    .addColumn("severity", text, (c) => c.notNull())
    .addColumn("state", text, (c) => c.notNull())
    .addColumn("opened_at", text, (c) => c.notNull())
    .addColumn("opened_by", text, (c) => c.notNull())
    .addColumn("trigger", text, (c) => c.notNull())
    .addColumn("resolved_at", text)
    .addColumn("resolved_by", text)
    .addColumn("postmortem", text)
    .addColumn("postmortem_json", text)
    .addColumn("postmortem_edited", "integer", (c) => c.notNull())
    .addColumn("updated_at", text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("incidents_cluster").on("incidents").columns(["cluster", "state"]).execute();
}
