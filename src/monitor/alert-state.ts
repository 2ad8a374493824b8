import { createHash } from "node:crypto";
import type {
  AlertCondition,
  AlertKind,
  AlertLabels,
  AlertRule,
  AlertSeverity,
  AlertState,
} from "./types.js";

/** An alert as the state machine tracks it; the open ones are `pending` or `firing`. */
export interface TrackedAlert {
  fingerprint: string;
  /** The rule's name. */
  rule: string;
  kind: AlertKind;
  severity: AlertSeverity;
  labels: AlertLabels;
  state: AlertState;
  /** When the condition was first found true, ISO 8601. */
  activeAt: string;
  firedAt?: string;
  resolvedAt?: string;
  value: number;
  threshold: number;
  summary: string;
}

/**
 * What happened to one alert in a step. Only `fired` and `resolved` are worth a notification:
 * `pending` starts the wait, `updated` carries new figures (or a rule's new severity) for an
 * alert that stays open, and `dropped` ends a pending alert whose condition went away before
 * its wait was over (it comes with state `resolved` and no `firedAt`).
 */
export interface AlertTransition {
  kind: "pending" | "fired" | "resolved" | "updated" | "dropped";
  alert: TrackedAlert;
}

/** One evaluation round: what is open, the rules, what each rule found true now. */
export interface AlertStepInput {
  cluster: string;
  /** The alerts left pending or firing by the previous step. */
  open: readonly TrackedAlert[];
  rules: readonly AlertRule[];
  /**
   * Rule name → the conditions it found true now. A rule left out was not evaluated this round
   * (its evaluation failed, say) and its open alerts stay as they are; an empty list says that
   * nothing is wrong. Alerts of a rule that was removed or disabled end.
   */
  conditions: ReadonlyMap<string, readonly AlertCondition[]>;
  /** The moment of the round, in milliseconds. */
  now: number;
}

/** The open alerts after the round, and what changed. */
export interface AlertStep {
  open: TrackedAlert[];
  transitions: AlertTransition[];
}

/**
 * A stable name for "this rule, about this subject, in this cluster": the first 16 hex digits of
 * a sha256 over the three, labels in key order, so the same symptom keeps its alert.
 */
export function fingerprintOf(cluster: string, rule: string, labels: AlertLabels): string {
  const entries = Object.entries(labels)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256")
    .update(JSON.stringify([cluster, rule, entries]))
    .digest("hex")
    .slice(0, 16);
}

/**
 * Moves every alert one round on. A new condition opens a pending alert, or a firing one at once
 * when its rule's `forS` is 0; a pending alert whose condition held for `forS` fires; a pending
 * alert whose condition is gone is dropped without a word; a firing one whose condition is gone
 * resolves; one still true takes the new figures. There is at most one open alert per
 * fingerprint. Pure: the same input always gives the same step.
 */
export function stepAlerts(input: AlertStepInput): AlertStep {
  const { cluster, now } = input;
  const at = new Date(now).toISOString();
  const rules = new Map(input.rules.map((rule) => [rule.name, rule]));

  const current = new Map<string, { rule: AlertRule; condition: AlertCondition }>();
  for (const [name, conditions] of input.conditions) {
    const rule = rules.get(name);
    if (rule === undefined || !rule.enabled) continue;
    for (const condition of conditions) {
      const fingerprint = fingerprintOf(cluster, rule.name, condition.labels);
      if (!current.has(fingerprint)) current.set(fingerprint, { rule, condition });
    }
  }

  const open: TrackedAlert[] = [];
  const transitions: AlertTransition[] = [];
  const seen = new Set<string>();
  for (const alert of input.open) {
    if (seen.has(alert.fingerprint)) continue;
    seen.add(alert.fingerprint);
    const rule = rules.get(alert.rule);
    const live = rule !== undefined && rule.enabled;
    if (live && !input.conditions.has(rule.name)) {
      open.push(alert);
      continue;
    }
    const found = current.get(alert.fingerprint);
    if (!live || found === undefined) {
      const ended: TrackedAlert = { ...alert, state: "resolved", resolvedAt: at };
      transitions.push({ kind: alert.state === "firing" ? "resolved" : "dropped", alert: ended });
      continue;
    }
    const next: TrackedAlert = {
      ...alert,
      kind: rule.kind,
      severity: rule.severity,
      value: found.condition.value,
      threshold: found.condition.threshold,
      summary: found.condition.summary,
    };
    if (alert.state === "pending" && now - Date.parse(alert.activeAt) >= rule.forS * 1000) {
      next.state = "firing";
      next.firedAt = at;
      transitions.push({ kind: "fired", alert: next });
    } else if (
      next.value !== alert.value ||
      next.threshold !== alert.threshold ||
      next.summary !== alert.summary ||
      next.severity !== alert.severity
    ) {
      transitions.push({ kind: "updated", alert: next });
    }
    open.push(next);
  }

  for (const [fingerprint, { rule, condition }] of current) {
    if (seen.has(fingerprint)) continue;
    const firing = rule.forS <= 0;
    const alert: TrackedAlert = {
      fingerprint,
      rule: rule.name,
      kind: rule.kind,
      severity: rule.severity,
      labels: condition.labels,
      state: firing ? "firing" : "pending",
      activeAt: at,
      ...(firing ? { firedAt: at } : {}),
      value: condition.value,
      threshold: condition.threshold,
      summary: condition.summary,
    };
    transitions.push({ kind: firing ? "fired" : "pending", alert });
    open.push(alert);
  }
  return { open, transitions };
}
