import type { Kysely, Selectable } from "kysely";
import { clusterRow } from "../control/clusters.js";
import { fail, nowIso, transact, type ControlContext, type Principal } from "../control/control-context.js";
import type { Database, SilencesTable } from "../store/schema.js";
import { ALERT_SEVERITIES, type Silence } from "./types.js";

/** What a silence may match on: the alert's rule, its severity, or one of its labels. */
export const MATCHER_KEYS = ["rule", "severity", "node", "frontend", "backend", "server"] as const;

/** The longest a silence may last: long enough for a maintenance window, short enough not to be forgotten. */
export const MAX_SILENCE_S = 30 * 24 * 3600;

/** A silence to create, its end already a time. */
export interface CreateSilenceRequest {
  /** Absent: the silence holds in every cluster. */
  cluster?: string;
  matchers: Record<string, string>;
  comment: string;
  /** ISO 8601, in the future and at most 30 days away. */
  endsAt: string;
}

/** `POST /silences`: the end as a time (`endsAt`) or as a duration from now (`"2h"`, or seconds). */
export interface SilenceBody extends Omit<CreateSilenceRequest, "endsAt"> {
  duration?: string | number;
  endsAt?: string;
}

/** Filters of the silence list. */
export interface SilenceFilter {
  /** true: only silences in force now; false: only those that ended or were expired. */
  active?: boolean;
  /** Only silences that hold in this cluster: its own and those for every cluster. */
  cluster?: string;
}

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Seconds in a duration: a number of seconds, or text such as `90s`, `45m`, `2h`, `1d` or
 * `1h30m`; undefined when it is neither, or not above zero.
 */
export function durationSeconds(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value : undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return durationSeconds(Number(text));
  if (!/^(\d+[smhd])+$/.test(text)) return undefined;
  let seconds = 0;
  for (const [, count, unit] of text.matchAll(/(\d+)([smhd])/g)) seconds += Number(count) * UNIT_S[unit!]!;
  return seconds > 0 ? seconds : undefined;
}

/**
 * The end a request body asks for, as ISO 8601: its `endsAt`, or `now` plus its `duration`.
 * Exactly one of the two must be given; LBG_BAD_SILENCE_END otherwise.
 */
export function silenceEndsAt(body: Pick<SilenceBody, "duration" | "endsAt">, now: number): string {
  if ((body.duration === undefined) === (body.endsAt === undefined)) {
    throw fail("LBG_BAD_SILENCE_END", 'give either duration (e.g. "2h") or endsAt, not both or neither');
  }
  if (body.endsAt !== undefined) return body.endsAt;
  const seconds = durationSeconds(body.duration!);
  if (seconds === undefined) {
    throw fail(
      "LBG_BAD_SILENCE_END",
      `duration: '${String(body.duration)}' is not a duration such as 2h, 45m or 3600`,
    );
  }
  if (seconds > MAX_SILENCE_S) {
    throw fail("LBG_BAD_SILENCE_END", `duration: '${String(body.duration)}' is more than 30 days`);
  }
  return new Date(now + seconds * 1000).toISOString();
}

/** LBG_BAD_SILENCE_MATCHER unless every matcher names a known key with a usable value. */
function checkMatchers(matchers: Record<string, string>, cluster: string | undefined): void {
  const entries = Object.entries(matchers);
  for (const [key, value] of entries) {
    if (!(MATCHER_KEYS as readonly string[]).includes(key)) {
      throw fail("LBG_BAD_SILENCE_MATCHER", `matcher '${key}': silences match on ${MATCHER_KEYS.join(", ")}`);
    }
    if (typeof value !== "string" || value === "") {
      throw fail("LBG_BAD_SILENCE_MATCHER", `matcher '${key}': needs a value`);
    }
    if (key === "severity" && !(ALERT_SEVERITIES as readonly string[]).includes(value)) {
      throw fail(
        "LBG_BAD_SILENCE_MATCHER",
        `matcher 'severity': '${value}' is not one of ${ALERT_SEVERITIES.join(", ")}`,
      );
    }
  }
  // A silence of everything everywhere would hide a whole fleet's alerts by one typo.
  if (entries.length === 0 && cluster === undefined) {
    throw fail("LBG_BAD_SILENCE_MATCHER", "a silence for every cluster needs at least one matcher");
  }
}

/** LBG_BAD_SILENCE_END unless `endsAt` is a time after `now` and at most 30 days after it. */
function checkEnd(endsAt: string, now: number): string {
  const end = Date.parse(endsAt);
  if (Number.isNaN(end)) throw fail("LBG_BAD_SILENCE_END", `endsAt: '${endsAt}' is not a time`);
  if (end <= now) throw fail("LBG_BAD_SILENCE_END", `endsAt: ${endsAt} is not in the future`);
  if (end - now > MAX_SILENCE_S * 1000) {
    throw fail("LBG_BAD_SILENCE_END", `endsAt: ${endsAt} is more than 30 days away`);
  }
  return new Date(end).toISOString();
}

/** The silence a stored row holds. */
export function silenceFromRow(row: Selectable<SilencesTable>): Silence {
  return {
    id: Number(row.id),
    ...(row.cluster !== null ? { cluster: row.cluster } : {}),
    matchers: JSON.parse(row.matchers) as Record<string, string>,
    comment: row.comment,
    createdBy: row.created_by,
    createdAt: row.created_at,
    endsAt: row.ends_at,
    ...(row.expired_at !== null ? { expiredAt: row.expired_at } : {}),
  };
}

/**
 * Creates a silence after checking its matchers, its end and its cluster (which must exist), and
 * records `silence.created` with it.
 */
export async function createSilence(
  ctx: ControlContext,
  principal: Principal,
  request: CreateSilenceRequest,
): Promise<Silence> {
  checkMatchers(request.matchers, request.cluster);
  const endsAt = checkEnd(request.endsAt, ctx.clock());
  return transact(ctx, async (trx, record) => {
    if (request.cluster !== undefined) await clusterRow(trx, request.cluster);
    const row = {
      cluster: request.cluster ?? null,
      matchers: JSON.stringify(request.matchers),
      comment: request.comment,
      created_by: principal.name,
      created_at: nowIso(ctx),
      ends_at: endsAt,
      expired_at: null,
    };
    const { id } = await trx.insertInto("silences").values(row).returning("id").executeTakeFirstOrThrow();
    const silence = silenceFromRow({ ...row, id });
    record({
      type: "silence.created",
      actor: principal.name,
      ...(silence.cluster !== undefined ? { cluster: silence.cluster } : {}),
      subject: `silence:${silence.id}`,
      data: { matchers: silence.matchers, comment: silence.comment, endsAt: silence.endsAt },
    });
    return silence;
  });
}

/** Silences newest first, filtered as `filter` says. */
export async function listSilences(ctx: ControlContext, filter: SilenceFilter = {}): Promise<Silence[]> {
  const now = nowIso(ctx);
  let query = ctx.store.db.selectFrom("silences").selectAll();
  if (filter.cluster !== undefined) {
    const cluster = filter.cluster;
    query = query.where((eb) => eb.or([eb("cluster", "=", cluster), eb("cluster", "is", null)]));
  }
  if (filter.active === true) query = query.where("expired_at", "is", null).where("ends_at", ">", now);
  if (filter.active === false) {
    query = query.where((eb) => eb.or([eb("expired_at", "is not", null), eb("ends_at", "<=", now)]));
  }
  const rows = await query.orderBy("id", "desc").limit(1000).execute();
  return rows.map(silenceFromRow);
}

/**
 * The silences in force at `now` (milliseconds; default the context's clock), for the evaluator
 * to hold notifications back with; read through `db` when given (the evaluator's transaction).
 */
export async function activeSilences(
  ctx: ControlContext,
  now = ctx.clock(),
  db: Kysely<Database> = ctx.store.db,
): Promise<Silence[]> {
  const rows = await db
    .selectFrom("silences")
    .selectAll()
    .where("expired_at", "is", null)
    .where("ends_at", ">", new Date(now).toISOString())
    .orderBy("id")
    .execute();
  return rows.map(silenceFromRow);
}

/**
 * Ends a silence now and records `silence.expired`. A silence that already ended is returned as
 * it is, with no event: expiring twice is harmless.
 */
export async function expireSilence(ctx: ControlContext, principal: Principal, id: number): Promise<Silence> {
  return transact(ctx, async (trx, record) => {
    const row = await trx.selectFrom("silences").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw fail("LBG_SILENCE_NOT_FOUND", `there is no silence ${id}`);
    const now = nowIso(ctx);
    if (row.expired_at !== null || row.ends_at <= now) return silenceFromRow(row);
    // Only the first of two concurrent expiries updates the row, so only one records the event.
    const updated = await trx
      .updateTable("silences")
      .set({ expired_at: now })
      .where("id", "=", id)
      .where("expired_at", "is", null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      const current = await trx
        .selectFrom("silences")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
      return silenceFromRow(current);
    }
    const silence = silenceFromRow({ ...row, expired_at: now });
    record({
      type: "silence.expired",
      actor: principal.name,
      ...(silence.cluster !== undefined ? { cluster: silence.cluster } : {}),
      subject: `silence:${id}`,
      data: { endsAt: silence.endsAt },
    });
    return silence;
  });
}
