import type { Kysely } from "kysely";
import { clusterRow } from "../control/clusters.js";
import { fail, transact, type ControlContext } from "../control/control-context.js";
import type { Database } from "../store/schema.js";
import { MINUTE_MS, minuteOf, rollupSamples } from "./rollup.js";
import type { MetricSample, RowSample } from "./types.js";

/** How long samples are kept: raw ones, and their minute rollups. */
export interface Retention {
  rawMs: number;
  rollupMs: number;
}

/** A day of raw samples, thirty days of rollups. */
export const DEFAULT_RETENTION: Retention = { rawMs: 86_400_000, rollupMs: 30 * 86_400_000 };

/** A span of time to read samples over, ISO 8601, both ends included. */
export interface MetricWindow {
  from: string;
  to: string;
}

/** How one node stood lately: its latest raw sample, when recent, and when it was last heard from. */
export interface NodeLatest {
  cluster: string;
  node: string;
  /** The later of its last heartbeat and its latest sample. */
  lastSeenAt?: string;
  sample?: MetricSample;
}

/** What one maintenance pass did. */
export interface MaintenanceResult {
  rollupsWritten: number;
  samplesDeleted: number;
  rollupsDeleted: number;
}

// Well under both databases' limits on bound parameters per statement (4 per row).
const INSERT_CHUNK = 500;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * Stores samples `nodeId` (`cluster/node`) sent and returns those that were new, in order: a
 * sample whose `at` is already stored for the node is left out, not an error, so an agent may
 * send a batch again after a lost answer. The node is the one named, whatever the samples say.
 * LBG_BAD_REQUEST for a sample without a time, interval or rows; LBG_NOT_FOUND for an unknown node.
 */
export async function storeNewSamples(
  ctx: ControlContext,
  nodeId: string,
  samples: readonly MetricSample[],
): Promise<MetricSample[]> {
  const node = nodeId.slice(nodeId.indexOf("/") + 1);
  const fresh = new Map<string, MetricSample>();
  samples.forEach((sample, i) => {
    const at = isoTime(sample.at, `samples[${i}].at`);
    if (!Number.isFinite(sample.intervalMs) || sample.intervalMs < 0)
      throw fail("LBG_BAD_REQUEST", `samples[${i}].intervalMs: must be a number of milliseconds, 0 or more`);
    if (!Array.isArray(sample.rows)) throw fail("LBG_BAD_REQUEST", `samples[${i}].rows: must be a list`);
    if (!fresh.has(at)) fresh.set(at, { ...sample, node, at, reset: sample.reset === true });
  });
  return transact(ctx, async (trx) => {
    const known = await trx.selectFrom("nodes").select("id").where("id", "=", nodeId).executeTakeFirst();
    if (!known) throw fail("LBG_NOT_FOUND", `there is no node ${nodeId}`);
    const stored = new Set<string>();
    const all = [...fresh.values()];
    for (let i = 0; i < all.length; i += INSERT_CHUNK) {
      const inserted = await trx
        .insertInto("metric_samples")
        .values(all.slice(i, i + INSERT_CHUNK).map((s) => ({ node_id: nodeId, at: s.at, ...encode(s) })))
        .onConflict((oc) => oc.columns(["node_id", "at"]).doNothing())
        .returning("at")
        .execute();
      for (const row of inserted) stored.add(row.at);
    }
    return all.filter((s) => stored.has(s.at));
  });
}

/** Stores samples `nodeId` sent (see `storeNewSamples`) and returns how many were new. */
export async function recordSamples(
  ctx: ControlContext,
  nodeId: string,
  samples: readonly MetricSample[],
): Promise<number> {
  return (await storeNewSamples(ctx, nodeId, samples)).length;
}

/**
 * Each node of `cluster` (by name, every node, even one without samples) with its samples in
 * `window`, oldest first: raw samples while they are kept, and for the older part of the window
 * the rollups of the minutes that overlap it. LBG_NOT_FOUND for an unknown cluster,
 * LBG_BAD_REQUEST for a window that is not two times in order.
 */
export async function samplesOf(
  ctx: ControlContext,
  cluster: string,
  window: MetricWindow,
): Promise<Map<string, MetricSample[]>> {
  const from = isoTime(window.from, "from");
  const to = isoTime(window.to, "to");
  if (from > to) throw fail("LBG_BAD_REQUEST", `from: ${from} is after to: ${to}`);
  const db = ctx.store.db;
  await clusterRow(db, cluster);
  const nodes = await db
    .selectFrom("nodes")
    .select((eb) => [
      "id",
      "name",
      eb
        .selectFrom("metric_samples")
        .select("metric_samples.at")
        .whereRef("metric_samples.node_id", "=", "nodes.id")
        .orderBy("metric_samples.at")
        .limit(1)
        .as("oldest_raw"),
    ])
    .where("cluster", "=", cluster)
    .orderBy("name")
    .execute();
  const rollupsAfter = new Date(Date.parse(from) - MINUTE_MS).toISOString();
  const result = new Map<string, MetricSample[]>();
  for (const node of nodes) {
    const raw = await db
      .selectFrom("metric_samples")
      .selectAll()
      .where("node_id", "=", node.id)
      .where("at", ">=", from)
      .where("at", "<=", to)
      .orderBy("at")
      .execute();
    // Raw samples are deleted in whole minutes, so from the minute of the oldest one left they
    // are complete; before it only rollups remain.
    const rawFrom =
      node.oldest_raw === null ? undefined : new Date(minuteOf(Date.parse(node.oldest_raw))).toISOString();
    // Windows within the raw samples' reach (every one the alert evaluator asks for) need no rollups.
    const rollups =
      rawFrom !== undefined && rawFrom <= rollupsAfter
        ? []
        : await db
            .selectFrom("metric_rollups")
            .selectAll()
            .where("node_id", "=", node.id)
            .where("minute", ">", rollupsAfter)
            .where("minute", "<=", to)
            .$if(rawFrom !== undefined, (q) => q.where("minute", "<", rawFrom ?? ""))
            .orderBy("minute")
            .execute();
    result.set(node.name, [
      ...rollups.map((r) => fromRow(node.name, r.minute, r.interval_ms, r.data)),
      ...raw.map((r) => fromRow(node.name, r.at, r.interval_ms, r.data)),
    ]);
  }
  return result;
}

/**
 * Every node of every cluster with its latest raw sample taken within `freshMs` of now (older
 * ones describe a node that stopped reporting), and when it was last heard from.
 */
export async function latestSamples(ctx: ControlContext, freshMs = 5 * MINUTE_MS): Promise<NodeLatest[]> {
  const db = ctx.store.db;
  const since = new Date(ctx.clock() - freshMs).toISOString();
  const latest = db
    .selectFrom("metric_samples")
    .select(["node_id", (eb) => eb.fn.max("at").as("last_at")])
    .where("at", ">=", since)
    .groupBy("node_id")
    .as("latest");
  const rows = await db
    .selectFrom("metric_samples as s")
    .innerJoin(latest, (join) =>
      join.onRef("latest.node_id", "=", "s.node_id").onRef("latest.last_at", "=", "s.at"),
    )
    .select(["s.node_id", "s.at", "s.interval_ms", "s.data"])
    .execute();
  const samples = new Map(rows.map((r) => [r.node_id, r]));
  const nodes = await db
    .selectFrom("nodes")
    .select(["id", "cluster", "name", "last_seen_at"])
    .orderBy("id")
    .execute();
  return nodes.map((n) => {
    const row = samples.get(n.id);
    const seen = [n.last_seen_at, row?.at].filter((t): t is string => typeof t === "string").sort();
    return {
      cluster: n.cluster,
      node: n.name,
      ...(seen.length > 0 ? { lastSeenAt: seen[seen.length - 1] } : {}),
      ...(row ? { sample: fromRow(n.name, row.at, row.interval_ms, row.data) } : {}),
    };
  });
}

/**
 * One maintenance pass at `now` (milliseconds): writes the rollup of every complete minute not
 * yet rolled up, then deletes raw samples older than `retention.rawMs` and rollups older than
 * `retention.rollupMs`, both counted in whole minutes (what is deleted is the minutes that ended
 * before the cutoff's minute began). Running it again, here or on another replica, changes
 * nothing more.
 */
export async function rollUpAndExpire(
  ctx: ControlContext,
  now: number,
  retention: Retention = DEFAULT_RETENTION,
): Promise<MaintenanceResult> {
  const db = ctx.store.db;
  const end = minuteOf(now);
  let rollupsWritten = 0;
  const nodes = await db.selectFrom("nodes").select(["id", "name"]).orderBy("id").execute();
  for (const node of nodes) {
    const last = await db
      .selectFrom("metric_rollups")
      .select("minute")
      .where("node_id", "=", node.id)
      .orderBy("minute", "desc")
      .executeTakeFirst();
    let after = last ? new Date(Date.parse(last.minute) + MINUTE_MS).toISOString() : "";
    // An hour at a time, skipping the hours without samples, so a long backlog stays small in memory.
    for (;;) {
      const next = await firstRawAt(db, node.id, after);
      if (next === undefined || Date.parse(next) >= end) break;
      const start = minuteOf(Date.parse(next));
      const until = new Date(Math.min(start + HOUR_MS, end)).toISOString();
      const raw = await db
        .selectFrom("metric_samples")
        .selectAll()
        .where("node_id", "=", node.id)
        .where("at", ">=", new Date(start).toISOString())
        .where("at", "<", until)
        .execute();
      const rollups = rollupSamples(raw.map((r) => fromRow(node.name, r.at, r.interval_ms, r.data)));
      const written = await db
        .insertInto("metric_rollups")
        .values(rollups.map((r) => ({ node_id: node.id, minute: r.at, ...encode(r) })))
        .onConflict((oc) => oc.columns(["node_id", "minute"]).doNothing())
        .returning("minute")
        .execute();
      rollupsWritten += written.length;
      after = until;
    }
  }
  const samples = await db
    .deleteFrom("metric_samples")
    .where("at", "<", new Date(minuteOf(now - retention.rawMs)).toISOString())
    .executeTakeFirst();
  const rollups = await db
    .deleteFrom("metric_rollups")
    .where("minute", "<", new Date(minuteOf(now - retention.rollupMs)).toISOString())
    .executeTakeFirst();
  return {
    rollupsWritten,
    samplesDeleted: Number(samples.numDeletedRows),
    rollupsDeleted: Number(rollups.numDeletedRows),
  };
}

/** How often maintenance runs and what it keeps. */
export interface MaintenanceOptions {
  /** Milliseconds between passes; default a minute. */
  everyMs?: number;
  retention?: Retention;
  /** Told of a pass that failed; the next pass still runs. */
  onError?: (error: unknown) => void;
}

/**
 * Runs `rollUpAndExpire` now and then every `everyMs`, one pass at a time, until the returned
 * function is called; that function resolves once a pass under way has finished.
 */
export function startMetricMaintenance(
  ctx: ControlContext,
  options: MaintenanceOptions = {},
): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    running = rollUpAndExpire(ctx, ctx.clock(), options.retention)
      .then(
        () => undefined,
        (error: unknown) => options.onError?.(error),
      )
      .finally(() => {
        // A timer of its own would not keep the process alive for maintenance alone.
        if (!stopped) timer = setTimeout(pass, options.everyMs ?? MINUTE_MS).unref();
      });
  };
  pass();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}

function isoTime(value: unknown, field: string): string {
  const ms = typeof value === "string" ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw fail("LBG_BAD_REQUEST", `${field}: must be an ISO 8601 time`);
  return new Date(ms).toISOString();
}

/** The time of `nodeId`'s first raw sample after `after` ("" for the very first). */
async function firstRawAt(db: Kysely<Database>, nodeId: string, after: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("metric_samples")
    .select("at")
    .where("node_id", "=", nodeId)
    .where("at", ">=", after)
    .orderBy("at")
    .limit(1)
    .executeTakeFirst();
  return row?.at;
}

function encode(sample: MetricSample): { interval_ms: number; data: string } {
  return {
    interval_ms: Math.round(sample.intervalMs),
    data: JSON.stringify({ reset: sample.reset, rows: sample.rows }),
  };
}

function fromRow(node: string, at: string, intervalMs: number, data: string): MetricSample {
  const { reset, rows } = JSON.parse(data) as { reset: boolean; rows: RowSample[] };
  return { node, at, intervalMs: Number(intervalMs), reset, rows };
}
