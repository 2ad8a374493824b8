import type { Change } from "../control/api-types.js";
import { getChange } from "../control/changes.js";
import { clusterRow, getVersion, policyOf } from "../control/clusters.js";
import { nowIso, transact, type ControlContext, type Principal } from "../control/control-context.js";
import { samplesOf } from "../monitor/metric-store.js";
import type { AlertKind, AlertLabels, Suspect } from "../monitor/types.js";
import { toStoredEvent } from "../store/event-chain.js";
import { computeImpact } from "./impact.js";
import { getIncident, incidentRow, incidentSubject } from "./incident-store.js";
import { policyGaps } from "./measures.js";
import { draftPostmortem, renderPostmortemMarkdown } from "./postmortem.js";
import { recordedEventOf, subjectId } from "./recorded-events.js";
import { explainRootCause } from "./root-cause.js";
import { changeCandidates, rankSuspects, type Symptom } from "./suspects.js";
import { buildTimeline } from "./timeline.js";
import type {
  Impact,
  Incident,
  PostmortemDocument,
  RecordedEvent,
  RootCause,
  TimelineEntry,
} from "./types.js";

/** How long before an incident opened its events are read: the change behind it came first. */
const LOOKBACK_MS = 60 * 60 * 1000;
/** How long before the impact began the timeline starts, to show what led up to it. */
const LEAD_MS = 5 * 60 * 1000;
/**
 * How long after the resolution events are read: the `incident.resolved` event is stamped when
 * its transaction commits, a moment after the resolution time it records.
 */
const SETTLE_MS = 60 * 1000;
/** The most events one incident is assembled from. */
const MAX_EVENTS = 20_000;

/** An incident as `GET /incidents/:id` answers it: what happened and what it cost, as of now. */
export interface IncidentView {
  incident: Incident;
  timeline: TimelineEntry[];
  impact: Impact;
  /** The changes that may have caused it, best explanation first. */
  suspects: Suspect[];
}

/** A postmortem as stored and answered: the markdown people read and edit, and the data it came from. */
export interface PostmortemView {
  incident: number;
  /** Whether a person edited the markdown since it was generated. */
  edited: boolean;
  markdown: string;
  /** The last generated document (an edit changes only the markdown). */
  document: PostmortemDocument;
}

/** Everything gathered about one incident. */
interface Evidence {
  incident: Incident;
  suspects: Suspect[];
  rootCause?: RootCause;
  /** The change blamed, when the top suspect is a governed change. */
  change?: Change;
  timeline: TimelineEntry[];
  impact: Impact;
}

/** What happened around incident `id` and what it cost so far. */
export async function describeIncident(ctx: ControlContext, id: number): Promise<IncidentView> {
  const evidence = await gather(ctx, id);
  return {
    incident: evidence.incident,
    timeline: evidence.timeline,
    impact: evidence.impact,
    suspects: evidence.suspects,
  };
}

/**
 * Drafts the postmortem of incident `id` from the store: its cluster's events from an hour
 * before it opened to its resolution (or now), the changes they name, and the stats samples of
 * the impact window. The top-ranked suspect is the root cause, explained with its change's
 * versions and plan; the change's gate findings and the cluster policy's gaps give the measures.
 */
export async function assemblePostmortem(
  ctx: ControlContext,
  id: number,
  options: { timeZone?: string } = {},
): Promise<{ document: PostmortemDocument; markdown: string }> {
  const evidence = await gather(ctx, id);
  const cluster = await clusterRow(ctx.store.db, evidence.incident.cluster);
  const nodes = await ctx.store.db
    .selectFrom("nodes")
    .select("id")
    .where("cluster", "=", cluster.name)
    .execute();
  const change = evidence.change;
  const document = draftPostmortem({
    incident: evidence.incident,
    timeline: evidence.timeline,
    impact: evidence.impact,
    ...(evidence.rootCause ? { rootCause: evidence.rootCause } : {}),
    findings: (change?.findings ?? []).map((f) => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
    })),
    policyGaps: policyGaps(policyOf(cluster), {
      nodes: nodes.length,
      ...(change
        ? {
            gateOverridden: change.reviews.some((r) => r.override !== undefined),
            approvals: change.approvals,
          }
        : {}),
    }),
    ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
    now: nowIso(ctx),
  });
  return { document, markdown: renderPostmortemMarkdown(document) };
}

/**
 * The postmortem of incident `id`. A stored one is answered as it is when a person edited it, or
 * when it was drafted after the incident's last change (resolved, and in the time zone asked
 * for); otherwise, or with `regenerate`, a fresh draft replaces it. A draft never overwrites an
 * edit saved meanwhile unless `regenerate` says so.
 */
export async function postmortemOf(
  ctx: ControlContext,
  id: number,
  options: { regenerate?: boolean; timeZone?: string } = {},
): Promise<PostmortemView> {
  const row = await incidentRow(ctx.store.db, id);
  if (!options.regenerate && row.postmortem !== null && row.postmortem_json !== null) {
    const stored = viewOf(id, row);
    const current =
      row.state === "resolved" &&
      stored.document.generatedAt >= row.updated_at &&
      (options.timeZone === undefined || options.timeZone === stored.document.summary.timeZone);
    if (stored.edited || current) return stored;
  }
  const drafted = await assemblePostmortem(ctx, id, options);
  await transact(ctx, async (trx) => {
    let update = trx
      .updateTable("incidents")
      .set({
        postmortem: drafted.markdown,
        postmortem_json: JSON.stringify(drafted.document),
        postmortem_edited: 0,
      })
      .where("id", "=", id);
    if (!options.regenerate) update = update.where("postmortem_edited", "=", 0);
    await update.execute();
  });
  return viewOf(id, await incidentRow(ctx.store.db, id));
}

/** Replaces the postmortem's markdown with a person's edit, recorded as `incident.postmortem-edited`. */
export async function savePostmortem(
  ctx: ControlContext,
  actor: Principal,
  id: number,
  markdown: string,
): Promise<PostmortemView> {
  // The edit keeps the generated document beside it; draft one first if there is none yet.
  const row = await incidentRow(ctx.store.db, id);
  if (row.postmortem_json === null) await postmortemOf(ctx, id);
  await transact(ctx, async (trx, record) => {
    const incident = await incidentRow(trx, id);
    await trx
      .updateTable("incidents")
      .set({ postmortem: markdown, postmortem_edited: 1, updated_at: nowIso(ctx) })
      .where("id", "=", id)
      .execute();
    // The whole text goes into the log, so a later regeneration loses no one's words.
    record({
      type: "incident.postmortem-edited",
      actor: actor.name,
      cluster: incident.cluster,
      subject: incidentSubject(id),
      data: { markdown },
    });
  });
  return viewOf(id, await incidentRow(ctx.store.db, id));
}

function viewOf(
  id: number,
  row: { postmortem: string | null; postmortem_json: string | null; postmortem_edited: number },
): PostmortemView {
  return {
    incident: id,
    edited: Number(row.postmortem_edited) === 1,
    markdown: row.postmortem ?? "",
    document: JSON.parse(row.postmortem_json ?? "{}") as PostmortemDocument,
  };
}

async function gather(ctx: ControlContext, id: number): Promise<Evidence> {
  const incident = await getIncident(ctx, id);
  const end = incident.resolvedAt ?? nowIso(ctx);
  const events = await eventsAround(ctx, incident, end);
  const changes = await changesNamed(ctx, events);
  const symptom = await symptomOf(ctx, incident);
  const suspects = rankSuspects(symptom, changeCandidates(events, changes));
  const top = suspects[0];
  const change = top ? await changeOf(ctx, top, changes) : undefined;
  const rootCause = top ? await explain(ctx, top, change) : undefined;
  const from = top && top.at < incident.openedAt ? top.at : incident.openedAt;
  const window = { from, to: end };
  const samples = await samplesOf(ctx, incident.cluster, window);
  const resolved = events.find((e) => e.type === "incident.resolved" && e.subject === incidentSubject(id));
  const last = resolved && resolved.at > end ? resolved.at : end;
  return {
    incident,
    suspects,
    ...(rootCause ? { rootCause } : {}),
    ...(change ? { change } : {}),
    timeline: buildTimeline(events, { from: shiftIso(from, -LEAD_MS), to: last }),
    impact: computeImpact(samples, window),
  };
}

/** The cluster's events from an hour before the opening to `end`, without other incidents' own. */
async function eventsAround(ctx: ControlContext, incident: Incident, end: string): Promise<RecordedEvent[]> {
  const rows = await ctx.store.db
    .selectFrom("events")
    .selectAll()
    .where("cluster", "=", incident.cluster)
    .where("at", ">=", shiftIso(incident.openedAt, -LOOKBACK_MS))
    .where("at", "<=", incident.resolvedAt ? shiftIso(end, SETTLE_MS) : end)
    // Past the limit, the oldest go: the events nearest the incident matter most.
    .orderBy("seq", "desc")
    .limit(MAX_EVENTS)
    .execute();
  const own = incidentSubject(incident.id);
  return rows
    .reverse()
    .map(toStoredEvent)
    .filter((e) => !e.subject?.startsWith("incident:") || e.subject === own)
    .map(recordedEventOf);
}

/** The changes the events are about (`change:N` subjects), by id. */
async function changesNamed(ctx: ControlContext, events: RecordedEvent[]): Promise<Map<number, Change>> {
  const ids = new Set<number>();
  for (const e of events) {
    const id = subjectId(e, "change");
    if (id !== undefined) ids.add(id);
  }
  const changes = new Map<number, Change>();
  for (const id of [...ids].sort((a, b) => a - b)) changes.set(id, await getChange(ctx, id));
  return changes;
}

/** What the suspects are ranked against: the alert that opened the incident, or the node that rolled back. */
async function symptomOf(ctx: ControlContext, incident: Incident): Promise<Symptom> {
  const trigger = incident.trigger;
  if (trigger.kind === "rollback") {
    return {
      kind: "rollback",
      labels: { node: trigger.node },
      at: incident.openedAt,
      apply: trigger.apply,
      ...(trigger.version !== undefined ? { version: trigger.version } : {}),
    };
  }
  if (trigger.kind === "alert") {
    const alert = await ctx.store.db
      .selectFrom("alerts")
      .select(["kind", "labels", "active_at", "fired_at"])
      .where("id", "=", trigger.alert)
      .executeTakeFirst();
    if (alert) {
      return {
        kind: alert.kind as AlertKind,
        labels: JSON.parse(alert.labels) as AlertLabels,
        at: alert.fired_at ?? alert.active_at,
      };
    }
  }
  // Opened by hand (or on an alert since deleted): nothing names a subject, so every change of
  // the cluster is ranked on timing alone, as for a cluster-wide error ratio.
  return { kind: "error-ratio", labels: {}, at: incident.openedAt };
}

/** The governed change a suspect stands for: `change:N` directly, `version:V` through the change that proposed V. */
async function changeOf(
  ctx: ControlContext,
  suspect: Suspect,
  changes: ReadonlyMap<number, Change>,
): Promise<Change | undefined> {
  const [kind, ref] = suspect.ref.split(":");
  const number = Number(ref);
  if (kind === "change" && Number.isInteger(number)) return changes.get(number) ?? getChange(ctx, number);
  if (kind !== "version" || !Number.isInteger(number)) return undefined;
  const known = [...changes.values()].find((c) => c.version === number);
  if (known) return known;
  const row = await ctx.store.db
    .selectFrom("changes")
    .select("id")
    .where("version", "=", number)
    .orderBy("id", "desc")
    .executeTakeFirst();
  return row ? getChange(ctx, Number(row.id)) : undefined;
}

/** The root cause: the suspect with its change, the change's parent and proposed texts, and its plan. */
async function explain(
  ctx: ControlContext,
  suspect: Suspect,
  change: Change | undefined,
): Promise<RootCause> {
  if (!change) return explainRootCause({ suspect });
  const db = ctx.store.db;
  const before = await getVersion(db, change.parent);
  const after = change.version !== undefined ? await getVersion(db, change.version) : undefined;
  return explainRootCause({
    suspect,
    change,
    before: { name: `version ${before.id}`, text: before.text },
    ...(after ? { after: { name: `version ${after.id}`, text: after.text } } : {}),
    plan: change.plan,
  });
}

function shiftIso(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}
