import { createHash } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { AuditVerification, StoredEvent } from "../control/api-types.js";
import type { StoreDialect } from "./database.js";
import type { Database, EventsTable } from "./schema.js";

/** The `prev_hash` of the first event. */
export const GENESIS_HASH = "0".repeat(64);

/** An event to append; seq, time and hashes are the chain's to give. */
export interface NewEvent {
  type: string;
  actor: string;
  cluster?: string;
  subject?: string;
  data?: Record<string, unknown>;
}

/**
 * The hash of one row: sha256 over every stored field and the previous hash, so that editing
 * any field, removing a row or inserting one breaks the link to the next. Pure.
 */
export function eventHash(row: Omit<EventsTable, "hash">): string {
  const fields = [row.seq, row.at, row.type, row.actor, row.cluster, row.subject, row.data, row.prev_hash];
  return createHash("sha256").update(JSON.stringify(fields)).digest("hex");
}

/**
 * Appends one event inside `trx`, chained to the last one. The chain's head row is locked
 * (PostgreSQL `FOR UPDATE`; SQLite runs one write transaction at a time anyway), so appends from
 * several replicas queue rather than fork the chain. The event commits or rolls back with the
 * state change it records.
 */
export async function appendEvent(
  trx: Transaction<Database>,
  dialect: StoreDialect,
  event: NewEvent,
  now: Date,
): Promise<StoredEvent> {
  let headQuery = trx.selectFrom("audit_head").select(["seq", "hash"]).where("id", "=", 1);
  if (dialect === "postgres") headQuery = headQuery.forUpdate();
  const head = await headQuery.executeTakeFirstOrThrow();
  const row = {
    seq: head.seq + 1,
    at: now.toISOString(),
    type: event.type,
    actor: event.actor,
    cluster: event.cluster ?? null,
    subject: event.subject ?? null,
    data: JSON.stringify(event.data ?? {}),
    prev_hash: head.hash,
  };
  const hash = eventHash(row);
  await trx
    .insertInto("events")
    .values({ ...row, hash })
    .execute();
  await trx.updateTable("audit_head").set({ seq: row.seq, hash }).where("id", "=", 1).execute();
  return toStoredEvent({ ...row, hash });
}

/** A stored row as the API shows it. */
export function toStoredEvent(row: EventsTable): StoredEvent {
  return {
    seq: Number(row.seq),
    at: row.at,
    type: row.type,
    actor: row.actor,
    ...(row.cluster !== null ? { cluster: row.cluster } : {}),
    ...(row.subject !== null ? { subject: row.subject } : {}),
    data: JSON.parse(row.data) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/**
 * Where the link from `previous` (absent for the first row) to `row` is broken, or undefined
 * when it holds. Pure.
 */
export function brokenLink(previous: EventsTable | undefined, row: EventsTable): string | undefined {
  const expectedSeq = previous ? Number(previous.seq) + 1 : 1;
  if (Number(row.seq) !== expectedSeq) {
    return `event ${expectedSeq}${Number(row.seq) > expectedSeq + 1 ? `-${Number(row.seq) - 1}` : ""} is missing (removed from the log)`;
  }
  if (row.prev_hash !== (previous?.hash ?? GENESIS_HASH)) {
    return `event ${row.seq} does not follow event ${expectedSeq - 1} (its previous hash differs: the earlier event was altered or replaced)`;
  }
  const { hash, ...fields } = row;
  if (eventHash({ ...fields, seq: Number(fields.seq) }) !== hash) {
    return `event ${row.seq} was altered after it was written (its content no longer matches its hash)`;
  }
  return undefined;
}

/**
 * Walks the whole log in order and reports the first broken link: an altered field, a removed
 * or inserted row, or a last event removed behind the head's back.
 */
export async function verifyChain(db: Kysely<Database>, pageSize = 5000): Promise<AuditVerification> {
  let previous: EventsTable | undefined;
  let checked = 0;
  for (;;) {
    const page = await db
      .selectFrom("events")
      .selectAll()
      .where("seq", ">", previous ? Number(previous.seq) : 0)
      .orderBy("seq")
      .limit(pageSize)
      .execute();
    for (const row of page) {
      const reason = brokenLink(previous, row);
      if (reason) return { ok: false, checked, broken: { seq: Number(row.seq), reason } };
      previous = row;
      checked += 1;
    }
    if (page.length < pageSize) break;
  }
  const head = await db
    .selectFrom("audit_head")
    .select(["seq", "hash"])
    .where("id", "=", 1)
    .executeTakeFirst();
  const lastSeq = previous ? Number(previous.seq) : 0;
  if (head && (Number(head.seq) !== lastSeq || head.hash !== (previous?.hash ?? GENESIS_HASH))) {
    return {
      ok: false,
      checked,
      broken: {
        seq: Number(head.seq),
        reason: `the log ends at event ${lastSeq} but event ${head.seq} was written (removed from the end)`,
      },
    };
  }
  return { ok: true, checked };
}
