// How the alerts pages order and word alerts, and what each suspect offers to undo it. Pure.
import type { Alert, AlertKind, AlertSeverity, Suspect } from "../../../src/monitor/types.js";

const STATE_RANK: Record<Alert["state"], number> = { firing: 0, pending: 1, resolved: 2 };
const SEVERITY_RANK: Record<AlertSeverity, number> = { critical: 0, warning: 1, info: 2 };
/** The order an alert goes through its states. */
const PROGRESS: Record<Alert["state"], number> = { pending: 0, firing: 1, resolved: 2 };

/**
 * Alerts as people triage them: firing, then pending, then resolved; within each, the most
 * severe first, then the most recent. The same alert in both lists (it resolved between the two
 * requests) appears once, in its latest state.
 */
export function orderAlerts(...lists: readonly (readonly Alert[])[]): Alert[] {
  const byId = new Map<number, Alert>();
  for (const alert of lists.flat()) {
    const known = byId.get(alert.id);
    if (!known || PROGRESS[alert.state] > PROGRESS[known.state]) byId.set(alert.id, alert);
  }
  return [...byId.values()].sort(
    (a, b) =>
      STATE_RANK[a.state] - STATE_RANK[b.state] ||
      SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
      Date.parse(b.activeAt) - Date.parse(a.activeAt) ||
      b.id - a.id,
  );
}

/** When the alert's current state began: fired, resolved, or (pending) became active. */
export function stateSince(alert: Alert): string {
  if (alert.state === "resolved") return alert.resolvedAt ?? alert.firedAt ?? alert.activeAt;
  if (alert.state === "firing") return alert.firedAt ?? alert.activeAt;
  return alert.activeAt;
}

/** A duration as people say it: `45 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`. */
export function durationText(fromIso: string, toIso: string): string {
  const total = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  if (!Number.isFinite(total)) return "";
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return total % 60 === 0 ? `${minutes} min` : `${minutes} min ${total % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** How long the alert was (or has been, until `nowIso`) active. */
export function activeFor(alert: Alert, nowIso: string): string {
  return durationText(alert.activeAt, alert.resolvedAt ?? nowIso);
}

/**
 * The unit of each kind's value and threshold, as its rule's `meta.unit` says
 * (src/monitor/alert-rules/; a test keeps the two equal). Kept here so the page's bundle does not
 * carry the rules' code.
 */
export const ALERT_UNITS: Record<AlertKind, string> = {
  "backend-unavailable": "servers",
  "client-error-surge": "%",
  "config-applied": "s",
  "config-rolled-back": "s",
  drift: "s",
  "error-ratio": "%",
  imbalance: "points",
  "latency-p95": "ms",
  "node-unreachable": "s",
  "request-rate-collapse": "req/s",
  "server-down": "s",
  "split-brain": "nodes",
};

/** A figure of an alert with its kind's unit: `42.5%`, `350 ms`, `12.3 req/s`, `2 servers`. */
export function figureText(kind: AlertKind, value: number): string {
  const unit = ALERT_UNITS[kind];
  const rounded = Number.isInteger(value) ? String(value) : value.toFixed(1);
  if (unit === "%") return `${rounded}%`;
  return unit === "" ? rounded : `${rounded} ${unit}`;
}

/** What the page offers for one suspect. */
export type UndoOffer =
  /** A version applied by the control plane: the Roll back button, to the version before it. */
  | { kind: "roll-back"; to: number }
  /** That version is current already (the agent or someone rolled back): nothing left to do. */
  | { kind: "already-current"; to: number }
  /** A runtime operation, a hand change, a version whose predecessor is unknown: a command to copy. */
  | { kind: "command"; command: string };

/**
 * What undoes `suspect`. A governed version's undo command is `lbguard rollback … --to N`
 * (src/incidents/undo-commands.ts): N is what the Roll back button sends, unless the cluster
 * already runs it (the server would refuse a rollback to the current version).
 */
export function undoOffer(suspect: Suspect, currentVersion: number | undefined): UndoOffer {
  const match =
    suspect.kind === "version" ? /^lbguard rollback\b.*\s--to (\d+)$/.exec(suspect.rollback) : null;
  if (!match) return { kind: "command", command: suspect.rollback };
  const to = Number(match[1]);
  return to === currentVersion ? { kind: "already-current", to } : { kind: "roll-back", to };
}

/** The message the rollback change carries, so the audit log says why it was made. */
export function rollbackMessage(suspect: Suspect, because: string): string {
  return `roll back ${suspect.ref} (${suspect.summary}): ${because}`;
}

/** The badge colour of a severity (also used for incidents). */
export function severityTone(severity: AlertSeverity): "bad" | "warn" | "info" {
  return severity === "critical" ? "bad" : severity === "warning" ? "warn" : "info";
}

/** The badge colour of an alert's state. */
export function stateTone(state: Alert["state"]): "bad" | "warn" | "good" {
  return state === "firing" ? "bad" : state === "pending" ? "warn" : "good";
}
