/**
 * The recorded evidence of one rollout: its own events (started, canary passed, halted,
 * completed), what each node reported of its apply, and the steps of the applies the nodes'
 * agents shipped (gate, reload, bake breach, rollback with the figures). Reviewers read it on
 * the change's page to see why a rollout halted without searching the whole event log.
 */
import { toStoredEvent } from "../store/event-chain.js";
import type { StoredEvent } from "./api-types.js";
import type { ControlContext } from "./control-context.js";
import { getRollout } from "./rollouts.js";

/** Agents ship their events a heartbeat or two after the apply ended: look this far past the end. */
const SHIPPING_LAG_MS = 60_000;

/** More than any rollout records: a guard against a cluster whose nodes flood the log. */
const MAX_EVENTS = 1000;

/** The rollout's events, oldest first. */
export async function rolloutEvents(ctx: ControlContext, id: number): Promise<StoredEvent[]> {
  const rollout = await getRollout(ctx, id);
  const nodes = rollout.nodes.map((n) => `node:${rollout.cluster}/${n.node}`);
  let query = ctx.store.db
    .selectFrom("events")
    .selectAll()
    .where("cluster", "=", rollout.cluster)
    .where("at", ">=", rollout.createdAt);
  if (rollout.finishedAt) query = query.where("at", "<=", shiftIso(rollout.finishedAt, SHIPPING_LAG_MS));
  const rows = await query
    .where((eb) =>
      eb.or([
        eb.and([eb("subject", "=", `change:${rollout.change}`), eb("type", "like", "rollout.%")]),
        ...(nodes.length > 0
          ? [
              eb.and([
                eb("subject", "in", nodes),
                eb.or([eb("type", "=", "node.applied"), eb("type", "like", "agent.apply.%")]),
              ]),
            ]
          : []),
      ]),
    )
    .orderBy("seq")
    .limit(MAX_EVENTS)
    .execute();
  const events = rows.map(toStoredEvent);
  if (!rollout.finishedAt) return events;
  // Once it ended, every node that applied named its apply: the window's other applies (a
  // rollback rolling out right after) are not this rollout's.
  const applies = new Set(rollout.nodes.flatMap((n) => (n.apply ? [n.apply] : [])));
  return events.filter((e) => !e.type.startsWith("agent.apply.") || applies.has(String(e.data.apply)));
}

function shiftIso(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}
