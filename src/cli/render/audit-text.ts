import type { AuditVerification, StoredEvent } from "../../control/api-types.js";
import { painter } from "./paint.js";
import { shortTime, table } from "./table.js";
import { terminalSafe } from "./terminal-safe.js";

/**
 * Events as a table: sequence number, time, actor, type and subject (the cluster when the event
 * names no other), in the server's order.
 */
export function renderEvents(raw: StoredEvent[], color: boolean): string {
  if (raw.length === 0) return "no events\n";
  const rows = terminalSafe(raw).map((e) => [
    String(e.seq),
    shortTime(e.at),
    e.actor,
    { text: e.type, style: "bold" as const },
    e.subject ?? (e.cluster ? `cluster:${e.cluster}` : "-"),
  ]);
  return `${table([["seq", "time", "actor", "type", "subject"], ...rows], painter(color)).join("\n")}\n`;
}

/** The chain check's answer in one line: `N events, chain intact`, or the first broken link. */
export function verificationText(raw: AuditVerification): string {
  const v = terminalSafe(raw);
  if (v.ok) return `${v.checked} event${v.checked === 1 ? "" : "s"}, chain intact`;
  const link = v.broken ? `event ${v.broken.seq}: ${v.broken.reason}` : "no detail given";
  return `the audit chain is broken at ${link} (${v.checked} events checked)`;
}
