import type { Store } from "../../src/store/database.js";
import { BACKUP_KEYS, BACKUP_TABLES, type BackupTable } from "../../src/store/backup-format.js";
import { appendEvent } from "../../src/store/event-chain.js";

/**
 * Text a store must keep byte for byte: quotes, SQL, HTML, control characters, unicode. No NUL,
 * which PostgreSQL cannot hold in text.
 */
export const HOSTILE = [
  `O'Brien "the admin"`,
  `'); DROP TABLE users; --`,
  `<script>alert("x")</script>&amp;`,
  "tab\there\r\nnext line\u0001\u001b[31mred\u007f",
  "ünïcødé ✓ 日本語 🚀 \u2028\u2029\u200b",
  "back\\slash \\u0000 is not a NUL",
] as const;

const AT = "2025-01-02T03:04:05.678Z";

/** Puts rows in every table of `store`, hostile text in as many columns as possible. */
export async function fillStore(store: Store): Promise<void> {
  const db = store.db;
  const [quote, injection, html, control, unicode, escape] = HOSTILE;
  await db
    .insertInto("users")
    .values([
      { name: quote, role: "admin", created_at: AT },
      { name: html, role: "operator", created_at: AT },
      { name: unicode, role: "viewer", created_at: AT },
    ])
    .execute();
  await db
    .insertInto("tokens")
    .values([
      {
        id: "tok_deploybot",
        secret_hash: "a".repeat(64),
        role: "operator",
        user_name: quote,
        node_id: null,
        label: injection,
        created_at: AT,
        revoked_at: null,
      },
      {
        id: "tok_agent",
        secret_hash: "b".repeat(64),
        role: "agent",
        user_name: null,
        node_id: "web/lb1",
        label: control,
        created_at: AT,
        revoked_at: AT,
      },
    ])
    .execute();
  await db
    .insertInto("clusters")
    .values([
      {
        name: "web",
        policy: JSON.stringify({ note: html, reviewers: 2 }),
        inventory: `servers:\n  - name: ${unicode}\n`,
        rps: 250.5,
        current_version: 7,
        created_at: AT,
      },
      { name: injection, policy: "{}", inventory: null, rps: 0, current_version: null, created_at: AT },
    ])
    .execute();
  const node = (cluster: string, name: string, applied: number | null) => ({
    id: `${cluster}/${name}`,
    cluster,
    name,
    desired_version: 7,
    applied_version: applied,
    running_hash: applied ? "c".repeat(64) : null,
    health: applied ? JSON.stringify({ ok: true, note: control }) : null,
    last_seen_at: applied ? AT : null,
    drift: null,
    created_at: AT,
    vrrp_state: applied ? "MASTER" : null,
    vrrp_holds_vip: applied ? 1 : null,
    vrrp_seen_at: applied ? AT : null,
    keepalived_hash: applied ? "d".repeat(64) : null,
  });
  await db
    .insertInto("nodes")
    .values([node("web", "lb1", 7), node("web", "lb2", 2), node(injection, "lb1", null)])
    .execute();
  // Ids with a gap, so that a restored sequence must continue after 7, not after the row count.
  await db
    .insertInto("versions")
    .values(
      [1, 2, 7].map((id, i) => ({
        id,
        cluster: "web",
        hash: String(id).repeat(64).slice(0, 64),
        text: `global\n  log stdout ${HOSTILE[i]}\nfrontend fe\n  bind :80 # ${unicode}\n`,
        author: quote,
        message: HOSTILE[i + 2]!,
        parent: i === 0 ? null : [1, 2, 7][i - 1]!,
        created_at: AT,
        vrrp: i === 2 ? `vip: 198.51.100.100/24 # ${unicode}\nnodes: [{ name: lb1, priority: 150 }]\n` : null,
      })),
    )
    .execute();
  const change = (id: number, state: string) => ({
    id,
    cluster: "web",
    kind: "config",
    state,
    author: quote,
    message: escape,
    parent: 2,
    version: 7,
    operation: null,
    verdict: "pass",
    risk: "low",
    findings: JSON.stringify([{ rule: "x", message: html }]),
    plan: JSON.stringify({ overall: "low", note: control }),
    created_at: AT,
    updated_at: AT,
  });
  await db
    .insertInto("changes")
    .values([change(3, "applied"), change(4, "proposed")])
    .execute();
  await db
    .insertInto("reviews")
    .values([
      {
        id: 5,
        change_id: 3,
        reviewer: html,
        decision: "approve",
        comment: injection,
        override: null,
        created_at: AT,
      },
      {
        id: 6,
        change_id: 3,
        reviewer: unicode,
        decision: "approve",
        comment: control,
        override: "risk",
        created_at: AT,
      },
    ])
    .execute();
  await db
    .insertInto("rollouts")
    .values({
      id: 9,
      change_id: 3,
      cluster: "web",
      state: "done",
      started_by: quote,
      created_at: AT,
      finished_at: AT,
      vip_holder: "web/lb1",
    })
    .execute();
  const step = (node_id: string, position: number) => ({
    rollout_id: 9,
    node_id,
    position,
    state: "applied",
    apply: `apply-${position}`,
    detail: position === 0 ? control : null,
    updated_at: AT,
  });
  await db
    .insertInto("rollout_nodes")
    .values([step("web/lb2", 1), step("web/lb1", 0), step(injection + "/lb1", 2)])
    .execute();
  // Monitoring: samples and their rollups, an alert with a notification, a silence, an incident;
  // ids with gaps, as above.
  const sample = JSON.stringify({ reset: false, rows: [{ kind: "frontend", proxy: unicode, requests: 3 }] });
  await db
    .insertInto("metric_samples")
    .values([
      { node_id: "web/lb1", at: AT, interval_ms: 1000, data: sample },
      { node_id: "web/lb2", at: AT, interval_ms: 0, data: sample },
    ])
    .execute();
  await db
    .insertInto("metric_rollups")
    .values({ node_id: "web/lb1", minute: AT, interval_ms: 60000, data: sample })
    .execute();
  await db
    .insertInto("alerts")
    .values({
      id: 11,
      fingerprint: "0123456789abcdef",
      cluster: "web",
      rule: "imbalance",
      kind: "imbalance",
      severity: "warning",
      labels: JSON.stringify({ node: "lb1", server: html }),
      state: "firing",
      value: 41.5,
      threshold: 15,
      summary: injection,
      active_at: AT,
      fired_at: AT,
      resolved_at: null,
      suspects: JSON.stringify([{ ref: "change:3", summary: control }]),
      silenced_by: null,
      updated_at: AT,
    })
    .execute();
  await db
    .insertInto("silences")
    .values({
      id: 12,
      cluster: null,
      matchers: JSON.stringify({ rule: "imbalance" }),
      comment: escape,
      created_by: quote,
      created_at: AT,
      ends_at: AT,
      expired_at: null,
    })
    .execute();
  await db
    .insertInto("notifications")
    .values({
      id: 13,
      alert_id: 11,
      receiver: "ops",
      status: "firing",
      payload: JSON.stringify({ text: html }),
      state: "failed",
      attempts: 8,
      next_attempt_at: AT,
      last_error: control,
      created_at: AT,
      delivered_at: null,
    })
    .execute();
  await db
    .insertInto("incidents")
    .values({
      id: 14,
      cluster: "web",
      title: unicode,
      severity: "critical",
      state: "open",
      opened_at: AT,
      opened_by: "control-plane",
      trigger: JSON.stringify({ kind: "manual", by: quote, reason: injection }),
      resolved_at: null,
      resolved_by: null,
      postmortem: `# Postmortem\n${escape}`,
      postmortem_json: null,
      postmortem_edited: 1,
      updated_at: AT,
    })
    .execute();
  for (const [i, text] of HOSTILE.entries()) {
    await db
      .transaction()
      .execute((trx) =>
        appendEvent(
          trx,
          store.dialect,
          { type: "test.hostile", actor: text, cluster: "web", subject: `${i}`, data: { text, i } },
          new Date(Date.UTC(2025, 0, 2, 3, 4, i)),
        ),
      );
  }
}

/** Every row of every table, sorted by primary key the same way whatever the database. */
export async function allRows(store: Store): Promise<Record<BackupTable, unknown[]>> {
  const result = {} as Record<BackupTable, unknown[]>;
  for (const table of BACKUP_TABLES) {
    const rows = (await store.db.selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
    const key = (row: Record<string, unknown>) => JSON.stringify(BACKUP_KEYS[table].map((c) => row[c]));
    result[table] = rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }
  return result;
}

/** Whether `store` holds nothing but the audit head of a store nothing was written to. */
export async function isEmptyStore(store: Store): Promise<boolean> {
  const rows = await allRows(store);
  const head = rows.audit_head as { seq: number }[];
  return (
    BACKUP_TABLES.every((t) => t === "audit_head" || rows[t].length === 0) &&
    head.length === 1 &&
    Number(head[0]!.seq) === 0
  );
}
