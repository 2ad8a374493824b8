// How the incident pages order incidents, label timeline lines and name the postmortem file. Pure.
import type { Impact, Incident, IncidentTrigger, TimelineKind } from "../../../src/incidents/types.js";

/** Open incidents first, then the most recently opened. */
export function orderIncidents(incidents: readonly Incident[]): Incident[] {
  return [...incidents].sort(
    (a, b) =>
      Number(a.state !== "open") - Number(b.state !== "open") ||
      Date.parse(b.openedAt) - Date.parse(a.openedAt) ||
      b.id - a.id,
  );
}

/** Each timeline kind's label and icon; the icon is decoration, the label is what is read out. */
export const TIMELINE_KINDS: Record<TimelineKind, { label: string; icon: string }> = {
  change: { label: "Change", icon: "✎" },
  review: { label: "Review", icon: "✔" },
  apply: { label: "Apply", icon: "⇪" },
  detection: { label: "Detection", icon: "◉" },
  alert: { label: "Alert", icon: "⚠" },
  rollback: { label: "Rollback", icon: "↺" },
  notification: { label: "Notification", icon: "✉" },
  note: { label: "Note", icon: "✍" },
  incident: { label: "Incident", icon: "⚑" },
  resolution: { label: "Resolution", icon: "✓" },
};

/** What opened the incident, in one sentence. */
export function triggerText(trigger: IncidentTrigger): string {
  if (trigger.kind === "alert") return `Alert #${trigger.alert} (${trigger.rule}): ${trigger.summary}`;
  if (trigger.kind === "rollback") {
    const version = trigger.version !== undefined ? ` of version ${trigger.version}` : "";
    return `Automatic rollback${version} on node ${trigger.node} (${trigger.apply}): ${trigger.detail}`;
  }
  return `Opened by ${trigger.by}: ${trigger.reason}`;
}

/** The headline figures of an impact: failed share, peak and request counts, ready to print. */
export function impactFigures(impact: Impact): { failed: string; peak: string; requests: string } {
  return {
    failed: `${impact.failedPct.toFixed(1)}%`,
    peak: `${impact.peakErrorPct.toFixed(1)}%`,
    requests: `${impact.failed.toLocaleString("en")} of ${impact.requests.toLocaleString("en")} requests failed`,
  };
}

/** The name a downloaded postmortem is saved under. */
export function postmortemFileName(incident: number): string {
  return `incident-${incident}-postmortem.md`;
}
