import type { IncidentView } from "../../incidents/assemble.js";
import type { OpenedIncident } from "../../incidents/incident-store.js";
import type { Impact, Incident, IncidentTrigger } from "../../incidents/types.js";
import type { AlertSeverity } from "../../monitor/types.js";
import { painter, type Style } from "./paint.js";
import { shortTime, table } from "./table.js";
import { terminalSafe } from "./terminal-safe.js";

const SEVERITY_STYLE: Record<AlertSeverity, Style> = { critical: "red", warning: "yellow", info: "blue" };

/** Incidents as a table, newest first: number, state, severity, when opened, cluster, title. */
export function renderIncidentList(raw: Incident[], color: boolean): string {
  if (raw.length === 0) return "no incidents\n";
  const rows = terminalSafe(raw).map((i) => [
    `#${i.id}`,
    { text: i.state, style: i.state === "open" ? ("bold" as const) : ("dim" as const) },
    { text: i.severity, style: SEVERITY_STYLE[i.severity] ?? "bold" },
    shortTime(i.openedAt),
    i.cluster,
    i.title,
  ]);
  return `${table([["id", "state", "severity", "opened", "cluster", "title"], ...rows], painter(color)).join("\n")}\n`;
}

/** What opened an incident, in one sentence. */
export function triggerText(trigger: IncidentTrigger): string {
  switch (trigger.kind) {
    case "alert":
      return `alert #${trigger.alert} (${trigger.rule}): ${trigger.summary}`;
    case "rollback":
      return `${trigger.node} rolled back${trigger.version !== undefined ? ` version ${trigger.version}` : ""} by itself (apply ${trigger.apply}): ${trigger.detail}`;
    case "manual":
      return `opened by ${trigger.by}: ${trigger.reason}`;
  }
}

/** One line on an incident just opened, or on the open one a report was linked to. */
export function openedText(raw: OpenedIncident): string {
  const i = terminalSafe(raw);
  if (raw.linked)
    return `incident #${i.id} was already open for cluster ${i.cluster} (${i.title}); this report was linked to it\n`;
  return `incident #${i.id} opened for cluster ${i.cluster}: ${i.title} (${i.severity})\n`;
}

/** One line on an incident after a note or its resolution. */
export function incidentLine(raw: Incident, what: "note" | "resolved"): string {
  const i = terminalSafe(raw);
  if (what === "note") return `note added to incident #${i.id} (${i.state})\n`;
  return `incident #${i.id} resolved by ${i.resolvedBy ?? "?"}; draft its postmortem with 'lbguard postmortem ${i.id}'\n`;
}

/** The impact in one line: requests, failures, peak error ratio and the backends hit. */
export function impactText(impact: Impact): string {
  const backends = impact.affectedBackends.map((b) => `${b.backend} ${b.failedPct.toFixed(1)}%`).join(", ");
  return [
    `${impact.requests} requests, ${impact.failed} failed (${impact.failedPct.toFixed(1)}%)`,
    `peak ${impact.peakErrorPct.toFixed(1)}%`,
    `over ${impact.durationS} s`,
    ...(backends ? [`backends: ${backends}`] : []),
  ].join(", ");
}

/** An incident in full: state, trigger, impact so far, suspects and the timeline. */
export function renderIncident(raw: IncidentView, color: boolean): string {
  const paint = painter(color);
  const { incident: i, timeline, impact, suspects } = terminalSafe(raw);
  const lines = [
    `${paint("bold", `incident #${i.id}`)}  ${i.state}  ${paint(SEVERITY_STYLE[i.severity] ?? "bold", i.severity)}  cluster ${i.cluster}`,
    `  ${i.title}`,
    `  opened ${shortTime(i.openedAt)} UTC by ${i.openedBy}${i.resolvedAt ? `, resolved ${shortTime(i.resolvedAt)} UTC by ${i.resolvedBy ?? "?"}` : ""}`,
    `  trigger: ${triggerText(i.trigger)}`,
    `  impact${i.state === "open" ? " so far" : ""}: ${impactText(impact)}`,
    ...(i.postmortem ? [`  postmortem: ${i.postmortem.edited ? "edited" : "drafted"}`] : []),
    "",
  ];
  if (suspects.length > 0) {
    lines.push(paint("bold", "Suspects"));
    for (const s of suspects.slice(0, 3))
      lines.push(
        `  ${s.score.toFixed(2)}  ${s.summary}${s.reasons.length ? ` (${s.reasons.join("; ")})` : ""}`,
      );
    lines.push("");
  }
  lines.push(paint("bold", "Timeline (UTC)"));
  if (timeline.length === 0) lines.push("  nothing recorded");
  for (const t of timeline) lines.push(`  ${shortTime(t.at)}  ${t.kind.padEnd(12)}  ${t.text}`);
  return `${lines.join("\n")}\n`;
}
