import type { AlertLabels, AlertSeverity, Silence } from "./types.js";

/** What a silence is matched against. */
export interface SilenceTarget {
  cluster: string;
  rule: string;
  severity: AlertSeverity;
  labels: AlertLabels;
}

/** Whether a silence holds at `now`: not ended early and not past its end. */
export function isSilenceActive(silence: Silence, now: number): boolean {
  if (silence.expiredAt !== undefined && Date.parse(silence.expiredAt) <= now) return false;
  return Date.parse(silence.endsAt) > now;
}

/**
 * Whether a silence covers an alert: its cluster, when it names one, is the alert's, and every
 * matcher equals the alert's `rule`, `severity` or label of that name. A label the alert lacks
 * never matches, so `server=web-02` does not silence a backend-wide alert.
 */
export function silenceMatches(silence: Silence, alert: SilenceTarget): boolean {
  if (silence.cluster !== undefined && silence.cluster !== alert.cluster) return false;
  return Object.entries(silence.matchers).every(([key, value]) => valueOf(alert, key) === value);
}

/**
 * The active silence that covers an alert, or undefined. When several do, the one that holds
 * longest, so that what is shown is when notifications resume.
 */
export function silenceFor(
  alert: SilenceTarget,
  silences: readonly Silence[],
  now: number,
): Silence | undefined {
  let best: Silence | undefined;
  for (const silence of silences) {
    if (!isSilenceActive(silence, now) || !silenceMatches(silence, alert)) continue;
    if (best === undefined || Date.parse(silence.endsAt) > Date.parse(best.endsAt)) best = silence;
  }
  return best;
}

function valueOf(alert: SilenceTarget, key: string): string | undefined {
  if (key === "rule") return alert.rule;
  if (key === "severity") return alert.severity;
  if (key === "cluster") return alert.cluster;
  return Object.hasOwn(alert.labels, key) ? alert.labels[key as keyof AlertLabels] : undefined;
}
