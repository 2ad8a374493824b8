import type { Alert, AlertLabels, AlertSeverity, Silence, Suspect } from "../../monitor/types.js";
import { painter, type Paint, type Style } from "./paint.js";
import { shortTime, table } from "./table.js";
import { terminalSafe } from "./terminal-safe.js";

const SEVERITY_STYLE: Record<AlertSeverity, Style> = { critical: "red", warning: "yellow", info: "dim" };
const STATE_STYLE: Record<Alert["state"], Style> = { firing: "red", pending: "yellow", resolved: "green" };

/** How many suspects the alert list shows under each firing alert. */
export const TOP_SUSPECTS = 3;

/** Labels as `node=lb-1 backend=web server=web-02`, broadest first; `-` when there are none. */
export function labelsText(labels: AlertLabels): string {
  const keys = ["node", "frontend", "backend", "server"] as const;
  const parts = keys.filter((k) => labels[k] !== undefined).map((k) => `${k}=${labels[k]}`);
  return parts.length > 0 ? parts.join(" ") : "-";
}

/** Matchers as `rule=imbalance backend=web`, in the order they were given. */
export function matchersText(matchers: Record<string, string>): string {
  const parts = Object.entries(matchers).map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? parts.join(" ") : "(every alert)";
}

/** When the alert entered the state it is in. */
function sinceOf(alert: Alert): string | undefined {
  if (alert.state === "resolved") return alert.resolvedAt;
  if (alert.state === "firing") return alert.firedAt;
  return alert.activeAt;
}

/** A figure with at most two decimals. */
function figure(value: number): string {
  return String(Number(value.toFixed(2)));
}

/** One suspect in two or more lines: rank, score and what it is, its reasons, the way back. */
function suspectLines(suspect: Suspect, rank: number, indent: string, reasons: boolean): string[] {
  const where = suspect.node ? ` on ${suspect.node}` : "";
  const lines = [
    `${indent}${rank}. score ${suspect.score.toFixed(2)}  ${suspect.summary}  (${suspect.ref}, ${shortTime(suspect.at)}${where})`,
  ];
  if (reasons) for (const reason of suspect.reasons) lines.push(`${indent}   - ${reason}`);
  lines.push(`${indent}   rollback: ${suspect.rollback}`);
  return lines;
}

/**
 * Alerts as a table (id, state, severity, rule, labels, since when in that state, summary), then
 * under each firing alert its best suspects with the command that undoes each. Every string from
 * the server is shown with its control characters escaped.
 */
export function renderAlerts(raw: Alert[], color: boolean): string {
  if (raw.length === 0) return "no alerts\n";
  const alerts = terminalSafe(raw);
  const paint = painter(color);
  const rows = alerts.map((a) => [
    `#${a.id}`,
    { text: a.state, style: STATE_STYLE[a.state] },
    { text: a.severity, style: SEVERITY_STYLE[a.severity] },
    a.rule,
    labelsText(a.labels),
    shortTime(sinceOf(a)),
    a.summary,
  ]);
  const lines = table([["id", "state", "severity", "rule", "labels", "since", "summary"], ...rows], paint);
  for (const alert of alerts.filter((a) => a.state === "firing" && a.suspects.length > 0)) {
    lines.push("", paint("bold", `Suspects for #${alert.id} ${alert.rule}`));
    alert.suspects
      .slice(0, TOP_SUSPECTS)
      .forEach((s, i) => lines.push(...suspectLines(s, i + 1, "  ", false)));
    const more = alert.suspects.length - TOP_SUSPECTS;
    if (more > 0) lines.push(`  … ${more} more: lbguard alerts show ${alert.id}`);
  }
  return `${lines.join("\n")}\n`;
}

/** One alert in full: what, where, figures, times, the silence that held it, every suspect with its reasons. */
export function renderAlert(raw: Alert, color: boolean): string {
  const alert = terminalSafe(raw);
  const paint = painter(color);
  const lines = [
    `${paint("bold", `alert #${alert.id}`)}  ${paint(STATE_STYLE[alert.state], alert.state)}  ${paint(SEVERITY_STYLE[alert.severity], alert.severity)}  (cluster ${alert.cluster})`,
    ...table([
      ["  rule", `${alert.rule} (${alert.kind})`],
      ["  labels", labelsText(alert.labels)],
      ["  summary", alert.summary],
      ["  value", `${figure(alert.value)} (threshold ${figure(alert.threshold)})`],
      ["  active", shortTime(alert.activeAt)],
      ["  fired", shortTime(alert.firedAt)],
      ["  resolved", shortTime(alert.resolvedAt)],
      ...(alert.silencedBy !== undefined ? [["  silenced", `by silence #${alert.silencedBy}`]] : []),
    ]),
    "",
  ];
  if (alert.suspects.length === 0) {
    lines.push(alert.state === "pending" ? "no suspects yet: they are ranked when it fires" : "no suspects");
  } else {
    lines.push(paint("bold", "Suspects, best first"));
    alert.suspects.forEach((s, i) => lines.push(...suspectLines(s, i + 1, "  ", true)));
  }
  return `${lines.join("\n")}\n`;
}

/** Whether a silence holds at `now`, ended by itself, or was expired by someone. */
export function silenceState(silence: Silence, now: number): "active" | "expired" | "ended" {
  if (silence.expiredAt !== undefined) return "expired";
  return Date.parse(silence.endsAt) > now ? "active" : "ended";
}

/** Silences as a table: id, state, cluster (`*`: every cluster), matchers, end, author, comment. */
export function renderSilences(raw: Silence[], color: boolean, now: number): string {
  if (raw.length === 0) return "no silences\n";
  const rows = terminalSafe(raw).map((s) => {
    const state = silenceState(s, now);
    return [
      `#${s.id}`,
      { text: state, style: state === "active" ? ("yellow" as const) : ("dim" as const) },
      s.cluster ?? "*",
      matchersText(s.matchers),
      shortTime(s.expiredAt ?? s.endsAt),
      s.createdBy,
      s.comment,
    ];
  });
  return `${table([["id", "state", "cluster", "matchers", "until", "by", "comment"], ...rows], painter(color)).join("\n")}\n`;
}

/** What `silence add` and `silence expire` print: the silence in one line. */
export function silenceLine(
  raw: Silence,
  verb: "created" | "expired",
  paint: Paint = painter(false),
): string {
  const s = terminalSafe(raw);
  const where = s.cluster ? `cluster ${s.cluster}` : "every cluster";
  const until =
    verb === "created" ? `until ${shortTime(s.endsAt)} UTC` : `at ${shortTime(s.expiredAt ?? s.endsAt)} UTC`;
  return `${paint("bold", `silence #${s.id}`)} ${verb}: ${matchersText(s.matchers)} in ${where}, ${until}\n`;
}
