import type { Transaction } from "kysely";
import { LbguardError, type ErrorCode } from "../errors.js";
import { storeFailed, type Store } from "../store/database.js";
import { appendEvent, type NewEvent } from "../store/event-chain.js";
import type { Database } from "../store/schema.js";
import type { TokenRole } from "./api-types.js";

/** What every control-plane operation works with. */
export interface ControlContext {
  store: Store;
  /** Milliseconds; Date.now unless a test passes its own. */
  clock: () => number;
  /** The haproxy binary for `haproxy -c` when proposing; absent: lbguard's own checks only. */
  haproxy?: string;
}

/** Who is calling, as their token says. */
export interface Principal {
  /** The user name, or `node:<cluster>/<node>` for an agent. */
  name: string;
  role: TokenRole;
  tokenId: string;
  /** For agent tokens: the node they act for. */
  cluster?: string;
  node?: string;
}

/** Records an event in the running transaction. */
export type RecordEvent = (event: NewEvent) => void;

/**
 * Runs `work` in one transaction with a way to record events in it, so a state change and the
 * events that tell of it commit together or not at all. The events are appended, in the order
 * recorded, once `work` is done: the chain's head stays locked only for those few inserts, not
 * for the whole of `work`. Catalog errors pass through;
 * anything else from the database becomes LBG_STORE_FAILED.
 */
export async function transact<T>(
  ctx: ControlContext,
  work: (trx: Transaction<Database>, record: RecordEvent) => Promise<T>,
): Promise<T> {
  try {
    return await ctx.store.db.transaction().execute(async (trx) => {
      const queued: NewEvent[] = [];
      const done = await work(trx, (event) => void queued.push(event));
      const now = new Date(ctx.clock());
      for (const event of queued) await appendEvent(trx, ctx.store.dialect, event, now);
      return done;
    });
  } catch (error) {
    if (error instanceof LbguardError) throw error;
    throw storeFailed(ctx.store.label, error);
  }
}

/** The current time as stored (ISO 8601). */
export function nowIso(ctx: ControlContext): string {
  return new Date(ctx.clock()).toISOString();
}

/** A catalog error whose message is `detail`. */
export function fail(code: ErrorCode, detail: string): LbguardError {
  return new LbguardError(code, { detail });
}
