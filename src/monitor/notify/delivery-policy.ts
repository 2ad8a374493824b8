import { ALERT_SEVERITIES, type Alert, type AlertSeverity, type Receiver } from "../types.js";

/** Attempts a notification gets before it is marked `failed`. */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** The longest wait between two attempts. */
export const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * How long to wait after the `attempt`-th failed attempt (1 for the first): 1 s, then doubling,
 * never more than five minutes. Pure.
 */
export function defaultBackoff(attempt: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempt - 1));
}

/** Whether `severity` is at or above `min` (critical > warning > info). Pure. */
export function meetsSeverity(severity: AlertSeverity, min: AlertSeverity): boolean {
  return ALERT_SEVERITIES.indexOf(severity) <= ALERT_SEVERITIES.indexOf(min);
}

/**
 * The receivers an alert notifies: those whose `minSeverity` it meets, and none while a silence
 * holds it (a silenced alert is still recorded, it only stays quiet). Pure.
 */
export function receiversFor(alert: Alert, receivers: readonly Receiver[]): Receiver[] {
  if (alert.silencedBy !== undefined) return [];
  return receivers.filter((receiver) => meetsSeverity(alert.severity, receiver.minSeverity));
}
