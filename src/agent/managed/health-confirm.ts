import type { NodeHealth } from "../../control/api-types.js";

/**
 * How long HAProxy must stay unreadable before the agent reports it down. A reload makes the
 * master re-execute, and its CLI refuses connections meanwhile (up to about 300 ms per reload
 * with HAProxy 2.6): a read that falls in that window is not a HAProxy that stopped.
 */
export const DOWN_CONFIRM_MS = 2000;

/** What the agent remembers of HAProxy's health between two looks. */
export interface HealthMemory {
  /** The last health read while HAProxy answered, until it is reported down. */
  lastUp?: NodeHealth;
  /** When HAProxy first failed to answer, in milliseconds, while it still does not. */
  downSince?: number;
}

/**
 * The health to report after one look at HAProxy. A failed read right after HAProxy answered is
 * held back, and the last health read is reported instead, until reads have failed for
 * `confirmMs`; any read that succeeds ends the wait. A HAProxy never read since the agent
 * started is reported down at once, as there is nothing to hold back for. Pure.
 */
export function confirmHealth(
  memory: HealthMemory,
  observed: NodeHealth,
  now: number,
  confirmMs: number = DOWN_CONFIRM_MS,
): { health: NodeHealth; memory: HealthMemory } {
  if (observed.haproxy === "up") return { health: observed, memory: { lastUp: observed } };
  const downSince = memory.downSince ?? now;
  if (memory.lastUp !== undefined && now - downSince < confirmMs) {
    return { health: memory.lastUp, memory: { lastUp: memory.lastUp, downSince } };
  }
  return { health: observed, memory: { downSince } };
}
