import { sql, type Selectable, type Transaction } from "kysely";
import type { Change } from "../control/api-types.js";
import { getChange } from "../control/changes.js";
import { transact, type ControlContext, type RecordEvent } from "../control/control-context.js";
import { openIncident } from "../incidents/incident-store.js";
import { recordedEventOf, subjectId } from "../incidents/recorded-events.js";
import { changeCandidates, rankSuspects } from "../incidents/suspects.js";
import type { RecordedEvent } from "../incidents/types.js";
import type { AlertsTable, ClustersTable, Database } from "../store/schema.js";
import { toStoredEvent } from "../store/event-chain.js";
import { evaluateAlertRule } from "./alert-rules/index.js";
import { stepAlerts, type AlertTransition, type TrackedAlert } from "./alert-state.js";
import { alertFromRow } from "./alert-store.js";
import type { ClusterNode, ClusterView } from "./cluster-view.js";
import { samplesOf } from "./metric-store.js";
import { expectedSharesByNode } from "./node-expected-shares.js";
import { enqueueNotifications } from "./notify/outbox.js";
import type { NotificationLinks } from "./notify/payloads.js";
import { monitorMetrics } from "./prometheus.js";
import { silenceFor } from "./silences.js";
import { activeSilences } from "./silence-store.js";
import type { AlertCondition, AlertConfig, MetricSample, Silence, Suspect } from "./types.js";

/** How long samples are kept in memory for the rules: the longest baseline window and a margin. */
const SAMPLE_MEMORY_MS = 16 * 60_000;
/** How far back changes count as suspects, and events are kept in memory for them. */
const SUSPECT_WINDOW_S = 3600;

/** How the evaluator runs. */
export interface AlertEvaluatorOptions {
  config: AlertConfig;
  /** Default 1000: the rules are evaluated every second. */
  everyMs?: number;
  links?: NotificationLinks;
  /** Called after notifications were queued, to send them at once. */
  onNotify?: () => void;
  /** Told about a round that failed; the next round tries again. */
  onError?: (error: unknown) => void;
}

/** A running evaluator. */
export interface AlertEvaluator {
  /** Runs one round now (tests, and the loop itself). */
  evaluateNow(): Promise<void>;
  stop(): Promise<void>;
}

/** What one cluster's rounds remember between them, to read only what is new. */
interface ClusterMemory {
  samples: Map<string, MetricSample[]>;
  samplesUntil?: string;
  events: RecordedEvent[];
  lastSeq: number;
  /** Expected shares by approved-state key, for the versions the nodes run. */
  shares: Map<string, ClusterView["expectedShares"]>;
}

/**
 * Evaluates the alert rules over every cluster each `everyMs`: builds the cluster's view (its
 * nodes' samples, their last reports and drift, the simulator's expected shares for the approved
 * state of the version each node runs, recent events), asks each rule what is true now, and
 * moves the alerts on with the state machine. The step is taken in one transaction that first
 * locks the cluster's alerts (an advisory lock on PostgreSQL), so replicas that evaluate at the
 * same time cannot fire one alert twice. A firing alert gets its suspects ranked, an
 * `alert.fired` event, its notifications queued (unless silenced) and, when critical, an incident.
 */
export function startAlertEvaluator(ctx: ControlContext, options: AlertEvaluatorOptions): AlertEvaluator {
  const memory = new Map<string, ClusterMemory>();
  const changes = new Map<number, Change | undefined>();
  let running: Promise<void> | undefined;
  let stopped = false;

  const round = async (): Promise<void> => {
    const clusters = await ctx.store.db.selectFrom("clusters").selectAll().execute();
    for (const cluster of clusters) {
      try {
        const mem = memory.get(cluster.name) ?? {
          samples: new Map(),
          events: [],
          lastSeq: 0,
          shares: new Map(),
        };
        memory.set(cluster.name, mem);
        await evaluateCluster(ctx, options, cluster, mem, changes);
      } catch (error) {
        options.onError?.(error);
      }
    }
  };
  const evaluateNow = (): Promise<void> => {
    running ??= round().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped && running === undefined) void evaluateNow().catch((error) => options.onError?.(error));
  }, options.everyMs ?? 1000);
  return {
    evaluateNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}

async function evaluateCluster(
  ctx: ControlContext,
  options: AlertEvaluatorOptions,
  clusterRow: Selectable<ClustersTable>,
  mem: ClusterMemory,
  changes: Map<number, Change | undefined>,
): Promise<void> {
  const cluster = clusterRow.name;
  const now = ctx.clock();
  const view = await loadView(ctx, clusterRow, mem, now);
  await loadChanges(ctx, mem.events, changes);
  const conditions = new Map<string, AlertCondition[]>();
  for (const rule of options.config.rules) {
    if (!rule.enabled) continue;
    try {
      conditions.set(rule.name, evaluateAlertRule(view, rule));
    } catch (error) {
      // A rule that fails is left out of the round: its open alerts stay as they are.
      options.onError?.(error);
    }
  }
  const fired = await transact(ctx, async (trx, record) => {
    await lockCluster(trx, ctx, cluster);
    const rows = await trx
      .selectFrom("alerts")
      .selectAll()
      .where("cluster", "=", cluster)
      .where("state", "in", ["pending", "firing"])
      .execute();
    const step = stepAlerts({
      cluster,
      open: rows.map(trackedOf),
      rules: options.config.rules,
      conditions,
      now,
    });
    const ids = new Map(rows.map((r) => [r.fingerprint, Number(r.id)]));
    const suspectsFor = (alert: TrackedAlert): Suspect[] =>
      rankSuspects(
        { kind: alert.kind, labels: alert.labels, at: alert.activeAt },
        changeCandidates(mem.events, knownChanges(changes)),
        { windowS: SUSPECT_WINDOW_S },
      );
    // Read only once an alert fires, and through the transaction, which on SQLite holds the
    // store's one connection.
    let silences: Silence[] | undefined;
    const out: { id: number; alert: TrackedAlert }[] = [];
    let queued = false;
    for (const transition of step.transitions) {
      const result = await persist(trx, record, cluster, transition, ids, {
        now: new Date(now).toISOString(),
        suspectsFor,
        silenceOf: async (alert) =>
          silenceFor(
            { cluster, rule: alert.rule, severity: alert.severity, labels: alert.labels },
            (silences ??= await activeSilences(ctx, now, trx)),
            now,
          ),
        options,
      });
      if (result.notified) queued = true;
      if (transition.kind === "fired") out.push({ id: result.id, alert: transition.alert });
    }
    monitorMetrics.setFiring(
      cluster,
      step.open.filter((a) => a.state === "firing").map((a) => ({ rule: a.rule, severity: a.severity })),
    );
    return { out, queued };
  });
  if (fired.queued) options.onNotify?.();
  for (const { id, alert } of fired.out) {
    if (alert.severity !== "critical") continue;
    await openIncident(ctx, {
      cluster,
      title: alert.summary,
      severity: "critical",
      trigger: { kind: "alert", alert: id, rule: alert.rule, summary: alert.summary },
      openedBy: "control-plane",
      at: alert.firedAt ?? new Date(now).toISOString(),
    });
  }
}

/** Serialises the alert steps of one cluster across replicas (SQLite has one writer anyway). */
async function lockCluster(trx: Transaction<Database>, ctx: ControlContext, cluster: string): Promise<void> {
  if (ctx.store.dialect !== "postgres") return;
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`lbguard-alerts:${cluster}`}))`.execute(trx);
}

function trackedOf(row: Selectable<AlertsTable>): TrackedAlert {
  const alert = alertFromRow(row);
  return {
    fingerprint: alert.fingerprint,
    rule: alert.rule,
    kind: alert.kind,
    severity: alert.severity,
    labels: alert.labels,
    state: alert.state,
    activeAt: alert.activeAt,
    ...(alert.firedAt ? { firedAt: alert.firedAt } : {}),
    value: alert.value,
    threshold: alert.threshold,
    summary: alert.summary,
  };
}

interface PersistContext {
  now: string;
  suspectsFor: (alert: TrackedAlert) => Suspect[];
  silenceOf: (alert: TrackedAlert) => Promise<{ id: number } | undefined>;
  options: AlertEvaluatorOptions;
}

/** Writes one transition: the alert's row, its event and its notifications. */
async function persist(
  trx: Transaction<Database>,
  record: RecordEvent,
  cluster: string,
  transition: AlertTransition,
  ids: Map<string, number>,
  p: PersistContext,
): Promise<{ id: number; notified: boolean }> {
  const { alert } = transition;
  const figures = {
    state: alert.state,
    severity: alert.severity,
    value: alert.value,
    threshold: alert.threshold,
    summary: alert.summary,
    updated_at: p.now,
  };
  let id = ids.get(alert.fingerprint);
  if (id === undefined) {
    const inserted = await trx
      .insertInto("alerts")
      .values({
        fingerprint: alert.fingerprint,
        cluster,
        rule: alert.rule,
        kind: alert.kind,
        labels: JSON.stringify(alert.labels),
        active_at: alert.activeAt,
        fired_at: alert.firedAt ?? null,
        resolved_at: null,
        suspects: "[]",
        silenced_by: null,
        ...figures,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    id = Number(inserted.id);
  }
  if (transition.kind === "pending") return { id, notified: false };
  if (transition.kind === "dropped") {
    // A pending alert that never fired was never told of: it leaves no trace.
    await trx.deleteFrom("alerts").where("id", "=", id).execute();
    return { id, notified: false };
  }
  if (transition.kind === "updated") {
    await trx.updateTable("alerts").set(figures).where("id", "=", id).execute();
    return { id, notified: false };
  }
  const row = await trx.selectFrom("alerts").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const fired = transition.kind === "fired";
  const suspects = fired ? p.suspectsFor(alert) : (JSON.parse(row.suspects) as Suspect[]);
  const silence = fired
    ? await p.silenceOf(alert)
    : row.silenced_by === null
      ? undefined
      : { id: row.silenced_by };
  const changed = {
    ...figures,
    fired_at: alert.firedAt ?? row.fired_at,
    resolved_at: alert.resolvedAt ?? null,
    suspects: JSON.stringify(suspects),
    silenced_by: silence?.id ?? null,
  };
  await trx.updateTable("alerts").set(changed).where("id", "=", id).execute();
  const saved = alertFromRow({ ...row, ...changed });
  record({
    type: fired ? "alert.fired" : "alert.resolved",
    actor: "control-plane",
    cluster,
    subject: `alert:${id}`,
    data: {
      rule: alert.rule,
      kind: alert.kind,
      severity: alert.severity,
      labels: alert.labels as Record<string, string>,
      value: alert.value,
      threshold: alert.threshold,
      summary: alert.summary,
      ...(fired ? { suspects: suspects.slice(0, 3).map((s) => ({ ref: s.ref, score: s.score })) } : {}),
      ...(silence ? { silencedBy: silence.id } : {}),
    },
  });
  const queued = await enqueueNotifications(
    trx,
    saved,
    fired ? "firing" : "resolved",
    p.options.config.receivers,
    p.now,
    p.options.links ?? {},
  );
  return { id, notified: queued.length > 0 };
}

/** The cluster as the rules see it now, reading only what is new since the last round. */
async function loadView(
  ctx: ControlContext,
  clusterRow: Selectable<ClustersTable>,
  mem: ClusterMemory,
  now: number,
): Promise<ClusterView> {
  const cluster = clusterRow.name;
  const db = ctx.store.db;
  const horizon = new Date(now - SAMPLE_MEMORY_MS).toISOString();
  const fresh = await samplesOf(ctx, cluster, {
    from: mem.samplesUntil ?? horizon,
    to: new Date(now + 60_000).toISOString(),
  });
  for (const [node, samples] of fresh) {
    const kept = (mem.samples.get(node) ?? []).filter((s) => s.at >= horizon);
    const last = kept.at(-1)?.at ?? "";
    kept.push(...samples.filter((s) => s.at > last && s.intervalMs <= 60_000));
    mem.samples.set(node, kept);
    const newest = kept.at(-1)?.at;
    if (newest !== undefined && (mem.samplesUntil === undefined || newest > mem.samplesUntil)) {
      mem.samplesUntil = newest;
    }
  }
  for (const node of mem.samples.keys()) if (!fresh.has(node)) mem.samples.delete(node);

  const eventHorizon = new Date(now - SUSPECT_WINDOW_S * 1000).toISOString();
  const rows = await db
    .selectFrom("events")
    .selectAll()
    .where("cluster", "=", cluster)
    .where("seq", ">", mem.lastSeq)
    .where("at", ">=", eventHorizon)
    .orderBy("seq")
    .execute();
  mem.events = [
    ...mem.events.filter((e) => e.at >= eventHorizon),
    ...rows.map((row) => recordedEventOf(toStoredEvent(row))),
  ];
  // Ordered by seq, so the last row has the highest; no spread of an hour's rows into Math.max.
  const newest = rows.at(-1);
  if (newest !== undefined) mem.lastSeq = Number(newest.seq);

  const nodeRows = await db.selectFrom("nodes").selectAll().where("cluster", "=", cluster).execute();
  const nodes: ClusterNode[] = nodeRows.map((row) => {
    const health = row.health === null ? undefined : (JSON.parse(row.health) as { haproxy?: "up" | "down" });
    return {
      name: row.name,
      // A node never heard from counts from when it was registered.
      lastSeenAt: Date.parse(row.last_seen_at ?? row.created_at),
      ...(health?.haproxy ? { haproxy: health.haproxy } : {}),
      ...(row.drift ? { drift: JSON.parse(row.drift) as ClusterNode["drift"] } : {}),
      ...(row.vrrp_state !== null && row.vrrp_seen_at !== null
        ? {
            vrrp: {
              state: row.vrrp_state,
              holdsVip: Number(row.vrrp_holds_vip) === 1,
              seenAt: Date.parse(row.vrrp_seen_at),
            },
          }
        : {}),
    };
  });
  const shares = await expectedSharesByNode(db, clusterRow, nodeRows, mem.shares);
  return {
    cluster,
    now,
    samples: mem.samples,
    nodes,
    expectedShares: shares.cluster,
    nodeExpectedShares: shares.nodes,
    events: mem.events.filter((e) => e.at >= new Date(now - 5 * 60_000).toISOString()),
  };
}

/** Fetches the changes the recent events name, once each: their plans explain suspects. */
export async function loadChanges(
  ctx: ControlContext,
  events: readonly RecordedEvent[],
  into: Map<number, Change | undefined>,
): Promise<void> {
  for (const event of events) {
    const id =
      subjectId(event, "change") ?? (typeof event.data.change === "number" ? event.data.change : undefined);
    if (id === undefined || into.has(id)) continue;
    try {
      into.set(id, await getChange(ctx, id));
    } catch {
      // A change that cannot be read leaves its candidate without a plan; asked once only.
      into.set(id, undefined);
    }
  }
}

function knownChanges(changes: ReadonlyMap<number, Change | undefined>): Map<number, Change> {
  const known = new Map<number, Change>();
  for (const [id, change] of changes) if (change) known.set(id, change);
  return known;
}
