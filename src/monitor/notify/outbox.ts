import type { Kysely, Selectable } from "kysely";
import { nowIso, transact, type ControlContext } from "../../control/control-context.js";
import { storeFailed } from "../../store/database.js";
import type { Database, NotificationsTable } from "../../store/schema.js";
import { monitorMetrics, type MonitorMetrics } from "../prometheus.js";
import type { Alert, Receiver } from "../types.js";
import { DEFAULT_MAX_ATTEMPTS, defaultBackoff, receiversFor } from "./delivery-policy.js";
import { notificationPayload, type NotificationLinks, type NotificationStatus } from "./payloads.js";

/** One notification as the API shows it. */
export interface NotificationRecord {
  id: number;
  alert: number;
  receiver: string;
  status: NotificationStatus;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  nextAttemptAt: string;
  lastError?: string;
  createdAt: string;
  deliveredAt?: string;
  /** The exact body posted (or to be posted). */
  payload: unknown;
}

/** What became of one delivery attempt. */
export type DeliveryOutcome = "delivered" | "retried" | "failed";

/** One attempt `deliverDue` made. */
export interface DeliveryResult {
  notification: number;
  alert: number;
  receiver: string;
  outcome: DeliveryOutcome;
  /** Attempts made so far, this one included. */
  attempts: number;
  error?: string;
}

/** Posts one body to one URL; rejects when the receiver did not take it. */
export type SendNotification = (url: string, body: unknown) => Promise<void>;

export interface DeliverOptions {
  /** The receivers configured now; a notification finds its URL here by the receiver's name. */
  receivers: readonly Receiver[];
  /** The time to deliver at, ISO 8601; default the context's clock. */
  now?: string;
  /** Attempts before a notification is `failed`; default 8. */
  maxAttempts?: number;
  /** Milliseconds to wait after the n-th failed attempt; default 1 s doubling to 5 min. */
  backoff?: (attempt: number) => number;
  /**
   * How long a claimed notification stays out of other replicas' reach; it must outlast one
   * batch of sends. A replica that dies mid-send leaves its claims to be taken again after it.
   */
  leaseMs?: number;
  /** Most notifications claimed per call; default 10. */
  batch?: number;
  /** Where each attempt is counted (`lbguard_notifications_total`); default the process's metrics. */
  metrics?: Pick<MonitorMetrics, "countNotification">;
}

const DEFAULT_LEASE_MS = 120_000;
const DEFAULT_BATCH = 10;
const ERROR_CHARS = 1000;

/**
 * Queues one pending notification of `alert` (already stored, with its id) per receiver that
 * should hear of it (see `receiversFor`), due at once, with the exact body to post. Call it with
 * the transaction that stores the alert's change, so the alert and its notifications commit
 * together. Returns the new notifications' ids.
 */
export async function enqueueNotifications(
  db: Kysely<Database>,
  alert: Alert,
  status: NotificationStatus,
  receivers: readonly Receiver[],
  now: string,
  links: NotificationLinks = {},
): Promise<number[]> {
  const ids: number[] = [];
  for (const receiver of receiversFor(alert, receivers)) {
    const { id } = await db
      .insertInto("notifications")
      .values({
        alert_id: alert.id,
        receiver: receiver.name,
        status,
        payload: JSON.stringify(notificationPayload(alert, status, receiver, links)),
        state: "pending",
        attempts: 0,
        next_attempt_at: now,
        last_error: null,
        created_at: now,
        delivered_at: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    ids.push(Number(id));
  }
  return ids;
}

/**
 * Sends the notifications that are due, one after another, and records what became of each:
 * delivered (`notification.delivered`), to be retried after `backoff` (`notification.failed`,
 * `final: false`) or out of attempts and `failed` (`notification.failed`, `final: true`). Each
 * event is on the alert's cluster with subject `alert:<id>`, and commits with the row's new
 * state, so no failure goes unrecorded. Each attempt is also counted in
 * `lbguard_notifications_total{receiver, outcome}` (`delivered`, `retried`, `failed`).
 *
 * Replicas share the outbox: a notification is claimed by moving its `next_attempt_at` to the
 * end of a lease in the same UPDATE that checks it is pending and due, so a second replica no
 * longer sees it as due (on PostgreSQL the candidates are picked `FOR UPDATE SKIP LOCKED`, so
 * replicas take disjoint rows instead of queueing behind each other). The outcome is written
 * only while the claim is still the caller's. A replica that dies mid-send lets the lease run
 * out and another sends again: delivery is at least once.
 */
export async function deliverDue(
  ctx: ControlContext,
  send: SendNotification,
  options: DeliverOptions,
): Promise<DeliveryResult[]> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const backoff = options.backoff ?? defaultBackoff;
  const now = options.now ?? nowIso(ctx);
  const lease = new Date(Date.parse(now) + (options.leaseMs ?? DEFAULT_LEASE_MS)).toISOString();
  const claimed = await claimDue(ctx, now, lease, options.batch ?? DEFAULT_BATCH);
  const clusters = await alertClusters(ctx, claimed);
  const results: DeliveryResult[] = [];
  for (const row of claimed) {
    const receiver = options.receivers.find((r) => r.name === row.receiver);
    let error: string | undefined;
    try {
      if (!receiver) throw new Error(`no receiver named '${row.receiver}' is configured now`);
      await send(receiver.url, JSON.parse(row.payload));
    } catch (cause) {
      error = clip(cause instanceof Error ? cause.message : String(cause), ERROR_CHARS);
    }
    const at = options.now ?? nowIso(ctx);
    const attempts = Number(row.attempts) + 1;
    const outcome: DeliveryOutcome =
      error === undefined ? "delivered" : attempts >= maxAttempts ? "failed" : "retried";
    const nextAttemptAt =
      outcome === "retried" ? new Date(Date.parse(at) + backoff(attempts)).toISOString() : at;
    const attempt = { outcome, attempts, at, nextAttemptAt, error };
    if (!(await recordAttempt(ctx, row, lease, clusters.get(Number(row.alert_id)), attempt))) continue;
    (options.metrics ?? monitorMetrics).countNotification(row.receiver, outcome);
    results.push({
      notification: Number(row.id),
      alert: Number(row.alert_id),
      receiver: row.receiver,
      outcome,
      attempts,
      ...(error !== undefined ? { error } : {}),
    });
  }
  return results;
}

/**
 * Writes one attempt's outcome and its event in one transaction, if the notification is still
 * claimed by `lease`; false when it is not (the lease ran out and another replica took it).
 */
async function recordAttempt(
  ctx: ControlContext,
  row: Selectable<NotificationsTable>,
  lease: string,
  cluster: string | undefined,
  attempt: { outcome: DeliveryOutcome; attempts: number; at: string; nextAttemptAt: string; error?: string },
): Promise<boolean> {
  const { outcome, attempts, at, nextAttemptAt, error } = attempt;
  return transact(ctx, async (trx, record) => {
    const updated = await trx
      .updateTable("notifications")
      .set({
        state: outcome === "retried" ? "pending" : outcome,
        attempts,
        next_attempt_at: nextAttemptAt,
        last_error: error ?? null,
        delivered_at: outcome === "delivered" ? at : null,
      })
      .where("id", "=", row.id)
      .where("state", "=", "pending")
      .where("next_attempt_at", "=", lease)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    const data = { notification: Number(row.id), receiver: row.receiver, status: row.status, attempts };
    record({
      type: outcome === "delivered" ? "notification.delivered" : "notification.failed",
      actor: "lbguard",
      cluster,
      subject: `alert:${row.alert_id}`,
      data:
        outcome === "delivered"
          ? data
          : {
              ...data,
              final: outcome === "failed",
              error,
              ...(outcome === "retried" ? { nextAttemptAt } : {}),
            },
    });
    return true;
  });
}

/** Notifications, newest first: every one, or those of one alert. */
export async function listNotifications(
  ctx: ControlContext,
  filter: { alert?: number; limit?: number } = {},
): Promise<NotificationRecord[]> {
  let query = ctx.store.db
    .selectFrom("notifications")
    .selectAll()
    .orderBy("id", "desc")
    .limit(filter.limit ?? 100);
  if (filter.alert !== undefined) query = query.where("alert_id", "=", filter.alert);
  try {
    return (await query.execute()).map(notificationRecord);
  } catch (error) {
    throw storeFailed(ctx.store.label, error);
  }
}

/** A stored row as the API shows it. */
export function notificationRecord(row: Selectable<NotificationsTable>): NotificationRecord {
  return {
    id: Number(row.id),
    alert: Number(row.alert_id),
    receiver: row.receiver,
    status: row.status as NotificationStatus,
    state: row.state as NotificationRecord["state"],
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    createdAt: row.created_at,
    ...(row.delivered_at !== null ? { deliveredAt: row.delivered_at } : {}),
    payload: JSON.parse(row.payload) as unknown,
  };
}

async function claimDue(
  ctx: ControlContext,
  now: string,
  lease: string,
  batch: number,
): Promise<Selectable<NotificationsTable>[]> {
  const postgres = ctx.store.dialect === "postgres";
  try {
    const rows = await ctx.store.db
      .updateTable("notifications")
      .set({ next_attempt_at: lease })
      .where("id", "in", (eb) => {
        let due = eb
          .selectFrom("notifications")
          .select("id")
          .where("state", "=", "pending")
          .where("next_attempt_at", "<=", now)
          .orderBy("next_attempt_at")
          .orderBy("id")
          .limit(batch);
        if (postgres) due = due.forUpdate().skipLocked();
        return due;
      })
      // Checked again on the row itself: PostgreSQL re-reads a row another replica just claimed.
      .where("state", "=", "pending")
      .where("next_attempt_at", "<=", now)
      .returningAll()
      .execute();
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  } catch (error) {
    throw storeFailed(ctx.store.label, error);
  }
}

async function alertClusters(
  ctx: ControlContext,
  rows: Selectable<NotificationsTable>[],
): Promise<Map<number, string>> {
  if (rows.length === 0) return new Map();
  const ids = [...new Set(rows.map((row) => Number(row.alert_id)))];
  try {
    const alerts = await ctx.store.db
      .selectFrom("alerts")
      .select(["id", "cluster"])
      .where("id", "in", ids)
      .execute();
    return new Map(alerts.map((alert) => [Number(alert.id), alert.cluster]));
  } catch (error) {
    throw storeFailed(ctx.store.label, error);
  }
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
