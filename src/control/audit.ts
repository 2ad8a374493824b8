import type { StoredEvent } from "./api-types.js";
import { toStoredEvent, verifyChain } from "../store/event-chain.js";
import type { ControlContext } from "./control-context.js";
import type { AuditVerification } from "./api-types.js";

/** Filters of the event list. */
export interface EventFilter {
  cluster?: string;
  /** An exact type (`change.proposed`) or a family (`change` matches `change.*`). */
  type?: string;
  after?: number;
  /** Only events with a smaller sequence number. */
  before?: number;
  /** `asc` (default): oldest first; `desc`: newest first, so a reader can page back with `before`. */
  order?: "asc" | "desc";
  limit?: number;
}

/** Events oldest first (or newest first with `order: "desc"`), at most `limit` (default 100, at most 1000). */
export async function listEvents(ctx: ControlContext, filter: EventFilter): Promise<StoredEvent[]> {
  let query = ctx.store.db.selectFrom("events").selectAll();
  if (filter.cluster) query = query.where("cluster", "=", filter.cluster);
  if (filter.type) {
    const type = filter.type;
    query = query.where((eb) => eb.or([eb("type", "=", type), eb("type", "like", `${type}.%`)]));
  }
  if (filter.after !== undefined) query = query.where("seq", ">", filter.after);
  if (filter.before !== undefined) query = query.where("seq", "<", filter.before);
  const rows = await query
    .orderBy("seq", filter.order ?? "asc")
    .limit(Math.min(filter.limit ?? 100, 1000))
    .execute();
  return rows.map(toStoredEvent);
}

/** Walks the hash chain of the whole log. */
export function verifyAudit(ctx: ControlContext): Promise<AuditVerification> {
  return verifyChain(ctx.store.db);
}
