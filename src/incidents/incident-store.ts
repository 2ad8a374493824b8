import type { Kysely, Selectable, Transaction } from "kysely";
import type { ApplyReport } from "../control/api-types.js";
import {
  fail,
  nowIso,
  transact,
  type ControlContext,
  type Principal,
  type RecordEvent,
} from "../control/control-context.js";
import { ALERT_SEVERITIES, type AlertSeverity } from "../monitor/types.js";
import type { Database, IncidentsTable } from "../store/schema.js";
import type { Incident, IncidentTrigger } from "./types.js";

/** What opens an incident: by hand, on an alert, or on an agent's automatic rollback. */
export interface OpenIncidentRequest {
  cluster: string;
  title: string;
  severity: AlertSeverity;
  trigger: IncidentTrigger;
  /** A user's name, or `control-plane` when it opened by itself. */
  openedBy: string;
  /** When it began, ISO 8601; default now. */
  at?: string;
}

/** The body of `POST /api/v1/incidents`: an incident a person opens. */
export interface OpenIncidentBody {
  cluster: string;
  title: string;
  /** Default `critical`: people open incidents when users are hurt. */
  severity?: AlertSeverity;
  /** Why, in a sentence: it becomes the manual trigger's reason. */
  reason: string;
}

/** An incident as opening answers it: `linked` when one was already open and the trigger joined it. */
export type OpenedIncident = Incident & { linked: boolean };

/** Filters of the incident list; each may be left out. */
export interface IncidentFilter {
  cluster?: string;
  state?: Incident["state"];
}

/** The event subject every event about incident `id` carries. */
export function incidentSubject(id: number): string {
  return `incident:${id}`;
}

/** The incident a stored row holds. */
export function incidentFromRow(row: Selectable<IncidentsTable>): Incident {
  return {
    id: Number(row.id),
    cluster: row.cluster,
    title: row.title,
    severity: row.severity as AlertSeverity,
    state: row.state as Incident["state"],
    openedAt: row.opened_at,
    openedBy: row.opened_by,
    trigger: JSON.parse(row.trigger) as IncidentTrigger,
    ...(row.resolved_at !== null ? { resolvedAt: row.resolved_at } : {}),
    ...(row.resolved_by !== null ? { resolvedBy: row.resolved_by } : {}),
    ...(row.postmortem !== null ? { postmortem: { edited: Number(row.postmortem_edited) === 1 } } : {}),
    updatedAt: row.updated_at,
  };
}

/** The stored row of incident `id`, or LBG_INCIDENT_NOT_FOUND. */
export async function incidentRow(db: Kysely<Database>, id: number): Promise<Selectable<IncidentsTable>> {
  const row = await db.selectFrom("incidents").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw fail("LBG_INCIDENT_NOT_FOUND", `there is no incident ${id}`);
  return row;
}

/**
 * Opens an incident for a cluster, recording `incident.opened` in the same transaction. A cluster
 * has at most one open incident: while one is open, a new trigger is recorded on it as
 * `incident.linked` (raising its severity when the trigger's is higher) and that one is returned.
 */
export function openIncident(ctx: ControlContext, request: OpenIncidentRequest): Promise<OpenedIncident> {
  return transact(ctx, (trx, record) => openIncidentIn(ctx, trx, record, request));
}

/** `openIncident` inside a transaction someone else runs, so it commits with what caused it. */
export async function openIncidentIn(
  ctx: ControlContext,
  trx: Transaction<Database>,
  record: RecordEvent,
  request: OpenIncidentRequest,
): Promise<OpenedIncident> {
  // Two replicas opening for the same cluster at once queue on the cluster's row, so the second
  // sees the first's incident (SQLite runs one write transaction at a time anyway).
  let cluster = trx.selectFrom("clusters").select("name").where("name", "=", request.cluster);
  if (ctx.store.dialect === "postgres") cluster = cluster.forNoKeyUpdate();
  if (!(await cluster.executeTakeFirst()))
    throw fail("LBG_NOT_FOUND", `there is no cluster ${request.cluster}`);
  const now = nowIso(ctx);
  const open = await trx
    .selectFrom("incidents")
    .selectAll()
    .where("cluster", "=", request.cluster)
    .where("state", "=", "open")
    .orderBy("id")
    .executeTakeFirst();
  if (open) {
    const severity = moreSevere(open.severity as AlertSeverity, request.severity);
    await trx.updateTable("incidents").set({ severity, updated_at: now }).where("id", "=", open.id).execute();
    record({
      type: "incident.linked",
      actor: request.openedBy,
      cluster: request.cluster,
      subject: incidentSubject(Number(open.id)),
      data: { trigger: request.trigger, title: request.title, severity: request.severity },
    });
    return { ...incidentFromRow({ ...open, severity, updated_at: now }), linked: true };
  }
  const row = {
    cluster: request.cluster,
    title: request.title,
    severity: request.severity,
    state: "open",
    opened_at: request.at ?? now,
    opened_by: request.openedBy,
    trigger: JSON.stringify(request.trigger),
    resolved_at: null,
    resolved_by: null,
    postmortem: null,
    postmortem_json: null,
    postmortem_edited: 0,
    updated_at: now,
  };
  const { id } = await trx.insertInto("incidents").values(row).returning("id").executeTakeFirstOrThrow();
  record({
    type: "incident.opened",
    actor: request.openedBy,
    cluster: request.cluster,
    subject: incidentSubject(Number(id)),
    data: { title: request.title, severity: request.severity, trigger: request.trigger, at: row.opened_at },
  });
  return { ...incidentFromRow({ ...row, id }), linked: false };
}

function moreSevere(a: AlertSeverity, b: AlertSeverity): AlertSeverity {
  return ALERT_SEVERITIES.indexOf(a) <= ALERT_SEVERITIES.indexOf(b) ? a : b;
}

/** Incidents newest first, at most 500. */
export async function listIncidents(ctx: ControlContext, filter: IncidentFilter = {}): Promise<Incident[]> {
  let query = ctx.store.db.selectFrom("incidents").selectAll();
  if (filter.cluster) query = query.where("cluster", "=", filter.cluster);
  if (filter.state) query = query.where("state", "=", filter.state);
  const rows = await query.orderBy("id", "desc").limit(500).execute();
  return rows.map(incidentFromRow);
}

/** One incident, or LBG_INCIDENT_NOT_FOUND. */
export async function getIncident(ctx: ControlContext, id: number): Promise<Incident> {
  return incidentFromRow(await incidentRow(ctx.store.db, id));
}

/**
 * Adds a note to an incident, open or resolved. Notes are `incident.note` events and nothing
 * else, so they sit in the hash-chained log and in the timeline next to what they comment on.
 */
export async function addNote(
  ctx: ControlContext,
  actor: Principal,
  id: number,
  text: string,
): Promise<Incident> {
  await transact(ctx, async (trx, record) => {
    const row = await incidentRow(trx, id);
    await trx
      .updateTable("incidents")
      .set({ updated_at: nowIso(ctx) })
      .where("id", "=", id)
      .execute();
    record({
      type: "incident.note",
      actor: actor.name,
      cluster: row.cluster,
      subject: incidentSubject(id),
      data: { text },
    });
  });
  return getIncident(ctx, id);
}

/** Resolves an open incident with a summary of what ended it; LBG_INCIDENT_RESOLVED when it was already. */
export async function resolveIncident(
  ctx: ControlContext,
  actor: Principal,
  id: number,
  summary: string,
): Promise<Incident> {
  await transact(ctx, async (trx, record) => {
    const row = await incidentRow(trx, id);
    const at = nowIso(ctx);
    // Compare-and-swap on the state, so two people resolving at once record one resolution.
    const result = await trx
      .updateTable("incidents")
      .set({ state: "resolved", resolved_at: at, resolved_by: actor.name, updated_at: at })
      .where("id", "=", id)
      .where("state", "=", "open")
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      throw fail(
        "LBG_INCIDENT_RESOLVED",
        `incident ${id} was already resolved${row.resolved_by ? ` by ${row.resolved_by}` : ""}`,
      );
    }
    record({
      type: "incident.resolved",
      actor: actor.name,
      cluster: row.cluster,
      subject: incidentSubject(id),
      data: { summary },
    });
  });
  return getIncident(ctx, id);
}

/**
 * Opens (or links to the open) incident for an apply an agent rolled back by itself: critical,
 * titled after the node and the version it refused, e.g. `lb-1 rolled back version 7 by itself`.
 */
export function openRollbackIncident(
  ctx: ControlContext,
  where: { cluster: string; node: string },
  report: Pick<ApplyReport, "version" | "apply" | "detail">,
): Promise<OpenedIncident> {
  return openIncident(ctx, {
    cluster: where.cluster,
    title: `${where.node} rolled back version ${report.version} by itself`,
    severity: "critical",
    trigger: {
      kind: "rollback",
      node: where.node,
      apply: report.apply,
      version: report.version,
      detail: report.detail ?? "the agent rolled the version back",
    },
    openedBy: "control-plane",
  });
}
