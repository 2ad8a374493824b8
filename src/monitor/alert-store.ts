import type { Selectable } from "kysely";
import { fail, type ControlContext } from "../control/control-context.js";
import type { AlertsTable } from "../store/schema.js";
import type { Alert, AlertKind, AlertLabels, AlertSeverity, AlertState, Suspect } from "./types.js";

/** The states `listAlerts` filters on: one state, or `open` for pending and firing together. */
export const ALERT_STATE_FILTERS = ["firing", "pending", "resolved", "open"] as const;
export type AlertStateFilter = (typeof ALERT_STATE_FILTERS)[number];

/** Filters of the alert list; every one may be left out. */
export interface AlertFilter {
  cluster?: string;
  state?: AlertStateFilter;
  /** Only alerts that became active at or after this time (ISO 8601). */
  since?: string;
  /** At most this many (default 100, at most 1000). */
  limit?: number;
}

/** The alert a stored row holds, with its JSON columns read and its optional times left out when unset. */
export function alertFromRow(row: Selectable<AlertsTable>): Alert {
  return {
    id: Number(row.id),
    fingerprint: row.fingerprint,
    cluster: row.cluster,
    rule: row.rule,
    kind: row.kind as AlertKind,
    severity: row.severity as AlertSeverity,
    labels: JSON.parse(row.labels) as AlertLabels,
    state: row.state as AlertState,
    value: Number(row.value),
    threshold: Number(row.threshold),
    summary: row.summary,
    activeAt: row.active_at,
    ...(row.fired_at !== null ? { firedAt: row.fired_at } : {}),
    ...(row.resolved_at !== null ? { resolvedAt: row.resolved_at } : {}),
    suspects: JSON.parse(row.suspects) as Suspect[],
    ...(row.silenced_by !== null ? { silencedBy: Number(row.silenced_by) } : {}),
  };
}

/** Alerts newest first (by id: a new episode gets a new row), filtered as `filter` says. */
export async function listAlerts(ctx: ControlContext, filter: AlertFilter = {}): Promise<Alert[]> {
  let query = ctx.store.db.selectFrom("alerts").selectAll();
  if (filter.cluster) query = query.where("cluster", "=", filter.cluster);
  if (filter.state === "open") query = query.where("state", "in", ["pending", "firing"]);
  else if (filter.state) query = query.where("state", "=", filter.state);
  if (filter.since !== undefined) {
    const since = Date.parse(filter.since);
    if (Number.isNaN(since)) throw fail("LBG_BAD_REQUEST", `since: '${filter.since}' is not a time`);
    query = query.where("active_at", ">=", new Date(since).toISOString());
  }
  const rows = await query
    .orderBy("id", "desc")
    .limit(Math.min(filter.limit ?? 100, 1000))
    .execute();
  return rows.map(alertFromRow);
}

/** One alert with its ranked suspects, or LBG_ALERT_NOT_FOUND. */
export async function getAlert(ctx: ControlContext, id: number): Promise<Alert> {
  const row = await ctx.store.db.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw fail("LBG_ALERT_NOT_FOUND", `there is no alert ${id}`);
  return alertFromRow(row);
}
