import type { Kysely } from "kysely";
import type { StoreDialect } from "../database.js";

/** The first schema: users and tokens, clusters and nodes, versions, changes, rollouts, events. */
export async function up(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  // SQLite's INTEGER PRIMARY KEY is its row id; PostgreSQL needs a sequence.
  const serial = dialect === "postgres" ? "serial" : "integer";
  const text = "text" as const;

  await db.schema
    .createTable("users")
    .addColumn("name", text, (c) => c.primaryKey())
    .addColumn("role", text, (c) => c.notNull())
    .addColumn("created_at", text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("tokens")
    .addColumn("id", text, (c) => c.primaryKey())
    .addColumn("secret_hash", text, (c) => c.notNull())
    .addColumn("role", text, (c) => c.notNull())
    .addColumn("user_name", text)
    .addColumn("node_id", text)
    .addColumn("label", text, (c) => c.notNull())
    .addColumn("created_at", text, (c) => c.notNull())
    .addColumn("revoked_at", text)
    .execute();

  await db.schema
    .createTable("clusters")
    .addColumn("name", text, (c) => c.primaryKey())
    .addColumn("policy", text, (c) => c.notNull())
    .addColumn("inventory", text)
    .addColumn("rps", "real", (c) => c.notNull())
    .addColumn("current_version", "integer")
    .addColumn("created_at", text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("nodes")
    .addColumn("id", text, (c) => c.primaryKey())
    .addColumn("cluster", text, (c) => c.notNull().references("clusters.name"))
    .addColumn("name", text, (c) => c.notNull())
    .addColumn("desired_version", "integer", (c) => c.notNull())
    .addColumn("applied_version", "integer")
    .addColumn("running_hash", text)
    .addColumn("health", text)
    .addColumn("last_seen_at", text)
    .addColumn("drift", text)
    .addColumn("created_at", text, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("versions")
    .addColumn("id", serial, (c) => c.primaryKey())
    .addColumn("cluster", text, (c) => c.notNull().references("clusters.name"))
    .addColumn("hash", text, (c) => c.notNull())
    .addColumn("text", text, (c) => c.notNull())
    .addColumn("author", text, (c) => c.notNull())
    .addColumn("message", text, (c) => c.notNull())
    .addColumn("parent", "integer")
    .addColumn("created_at", text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("versions_cluster").on("versions").columns(["cluster", "id"]).execute();

  await db.schema
    .createTable("changes")
    .addColumn("id", serial, (c) => c.primaryKey())
    .addColumn("cluster", text, (c) => c.notNull().references("clusters.name"))
    .addColumn("kind", text, (c) => c.notNull())
    .addColumn("state", text, (c) => c.notNull())
    .addColumn("author", text, (c) => c.notNull())
    .addColumn("message", text, (c) => c.notNull())
    .addColumn("parent", "integer", (c) => c.notNull())
    .addColumn("version", "integer")
    .addColumn("operation", text)
    .addColumn("verdict", text, (c) => c.notNull())
    .addColumn("risk", text, (c) => c.notNull())
    .addColumn("findings", text, (c) => c.notNull())
    .addColumn("plan", text, (c) => c.notNull())
    .addColumn("created_at", text, (c) => c.notNull())
    .addColumn("updated_at", text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("changes_cluster").on("changes").columns(["cluster", "state"]).execute();

  await db.schema
    .createTable("reviews")
    .addColumn("id", serial, (c) => c.primaryKey())
    .addColumn("change_id", "integer", (c) => c.notNull())
    .addColumn("reviewer", text, (c) => c.notNull())
    .addColumn("decision", text, (c) => c.notNull())
    .addColumn("comment", text, (c) => c.notNull())
    .addColumn("override", text)
    .addColumn("created_at", text, (c) => c.notNull())
    // One review per reviewer and change: two racing approvals by one person count once.
    .addUniqueConstraint("reviews_once", ["change_id", "reviewer"])
    .execute();

  await db.schema
    .createTable("rollouts")
    .addColumn("id", serial, (c) => c.primaryKey())
    .addColumn("change_id", "integer", (c) => c.notNull())
    .addColumn("cluster", text, (c) => c.notNull())
    .addColumn("state", text, (c) => c.notNull())
    .addColumn("started_by", text, (c) => c.notNull())
    .addColumn("created_at", text, (c) => c.notNull())
    .addColumn("finished_at", text)
    .execute();

  await db.schema
    .createTable("rollout_nodes")
    .addColumn("rollout_id", "integer", (c) => c.notNull())
    .addColumn("node_id", text, (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("state", text, (c) => c.notNull())
    .addColumn("apply", text)
    .addColumn("detail", text)
    .addColumn("updated_at", text, (c) => c.notNull())
    .addPrimaryKeyConstraint("rollout_nodes_pk", ["rollout_id", "node_id"])
    .execute();

  await db.schema
    .createTable("events")
    .addColumn("seq", "integer", (c) => c.primaryKey())
    .addColumn("at", text, (c) => c.notNull())
    .addColumn("type", text, (c) => c.notNull())
    .addColumn("actor", text, (c) => c.notNull())
    .addColumn("cluster", text)
    .addColumn("subject", text)
    .addColumn("data", text, (c) => c.notNull())
    .addColumn("prev_hash", text, (c) => c.notNull())
    .addColumn("hash", text, (c) => c.notNull())
    .execute();
  await db.schema.createIndex("events_cluster").on("events").columns(["cluster", "seq"]).execute();

  await db.schema
    .createTable("audit_head")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("hash", text, (c) => c.notNull())
    .execute();
  // The head exists from the start, so the first two appends of racing replicas queue on it.
  await (db as Kysely<{ audit_head: { id: number; seq: number; hash: string } }>)
    .insertInto("audit_head")
    .values({ id: 1, seq: 0, hash: "0".repeat(64) })
    .execute();
}
