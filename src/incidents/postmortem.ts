import { listNames } from "../plan/format.js";
import { codeBlock, escapeText, inlineCode } from "./markdown-text.js";
import { measuresAndTasks } from "./measures.js";
import type {
  Impact,
  IncidentTrigger,
  PostmortemDocument,
  PostmortemInput,
  RootCause,
  TimelineEntry,
} from "./types.js";
import { formatSeconds, zonedTime } from "./zoned-time.js";

/** Formats instants for one document: in its zone, with the date only when it is not the start's. */
interface Clock {
  zone: string;
  /** `10:00:03 UTC`, or `2026-11-22 00:00:03 UTC` on another day than the start. */
  at(iso: string): string;
  /** `10:00:03.120 UTC`, always without the date, as the timeline writes it. */
  atMs(iso: string): string;
}

function clockFor(start: string, zone: string): Clock {
  const startDate = zonedTime(start, zone).date;
  return {
    zone,
    at(iso) {
      const t = zonedTime(iso, zone);
      return `${t.date === startDate ? "" : `${t.date} `}${t.time} ${t.zone}`;
    },
    atMs(iso) {
      const t = zonedTime(iso, zone);
      return `${t.timeMs} ${t.zone}`;
    },
  };
}

/**
 * Drafts an incident's postmortem as data, in the sections of the seeds: an issue summary
 * (duration in the given IANA time zone, impact, root cause), the timeline as given, the root
 * cause with its diff and plan lines and how it was resolved, corrective and preventative
 * measures from the findings, the policy gaps and the root cause, and tasks. Pure: the time of
 * drafting is `input.now`. Throws LBG_BAD_REQUEST for an unknown time zone.
 */
export function draftPostmortem(input: PostmortemInput): PostmortemDocument {
  const { incident, impact, rootCause } = input;
  const zone = input.timeZone ?? "UTC";
  const clock = clockFor(impact.from, zone);
  const { measures, tasks } = measuresAndTasks(input.findings, input.policyGaps, rootCause);
  return {
    incident: incident.id,
    cluster: incident.cluster,
    title: incident.title,
    summary: {
      duration: durationLine(impact.from, impact.to, zone, incident.resolvedAt === undefined),
      start: impact.from,
      end: impact.to,
      timeZone: zone,
      impact: impactSentence(impact),
      rootCause: rootCause ? rootCauseSentence(rootCause, clock) : unknownCause(incident.trigger),
    },
    impact,
    timeline: input.timeline,
    ...(rootCause ? { rootCause } : {}),
    resolution: resolution(input.timeline, incident.resolvedAt, clock),
    measures,
    tasks: [...tasks, ...followUps(input)],
    generatedAt: input.now,
  };
}

/** `2026-11-21 10:00:03 to 10:00:24 UTC (21 s)`; the end's date and zone only when they differ. */
function durationLine(from: string, to: string, zone: string, open: boolean): string {
  const start = zonedTime(from, zone);
  const end = zonedTime(to, zone);
  const sameZone = start.zone === end.zone;
  const endText = `${end.date === start.date ? "" : `${end.date} `}${end.time} ${end.zone}`;
  const length = formatSeconds((Date.parse(to) - Date.parse(from)) / 1000);
  return `${start.date} ${start.time}${sameZone ? "" : ` ${start.zone}`} to ${endText} (${length}${open ? " so far, still open" : ""})`;
}

const count = new Intl.NumberFormat("en-US");
const pct = (value: number) => `${value.toFixed(1)}%`;

function impactSentence(impact: Impact): string {
  if (impact.requests === 0)
    return "No requests were recorded in this window, so what clients saw is not known from the stats.";
  const parts = [
    `${pct(impact.failedPct)} of requests failed (${count.format(impact.failed)} of ${count.format(impact.requests)}), with a peak error rate of ${pct(impact.peakErrorPct)}.`,
  ];
  const backends = impact.affectedBackends.map(
    (b) => `${b.backend} (${count.format(b.failed)} failed, ${pct(b.failedPct)})`,
  );
  if (backends.length > 0) parts.push(`Backends affected: ${listNames(backends, 5)}.`);
  const servers = impact.affectedServers.map((s) => `${s.server} (${s.why})`);
  if (servers.length > 0) parts.push(`Servers affected: ${listNames(servers, 5)}.`);
  return parts.join(" ");
}

/** `version 7` for `version:7`, `change 12` for `change:12`; undefined for other references. */
function refLabel(ref: string): string | undefined {
  const m = /^(version|change):(\d+)$/.exec(ref);
  return m ? `${m[1]} ${m[2]}` : undefined;
}

/**
 * `version 7 ("…", change 12) by alice, approved by bob, applied to lb-1 at 10:00:03 UTC`, or
 * `the forced change … applied by drill …`, or a hand change seen as drift.
 */
function rootCauseSentence(rootCause: RootCause, clock: Clock): string {
  const { suspect, change } = rootCause;
  const label = refLabel(suspect.ref);
  const on = suspect.node
    ? ` ${suspect.kind === "runtime-operation" ? "carried out on" : "applied to"} ${suspect.node}`
    : "";
  const why = suspect.reasons.length > 0 ? ` (${suspect.reasons[0]})` : "";
  if (suspect.kind === "hand-change")
    return `a change made by hand outside lbguard${suspect.node ? ` on ${suspect.node}` : ""} (${suspect.summary}), seen at ${clock.at(suspect.at)}${why}`;
  const what = label ?? `"${suspect.summary}"`;
  if (!change && rootCause.forced)
    return `the forced change ${what} applied by ${suspect.actor}${suspect.node ? ` to ${suspect.node}` : ""} at ${clock.at(suspect.at)}, with the gate skipped${why}`;
  // Without a change record, the suspect's own one-line summary says what and by whom.
  if (!change) return `${suspect.summary},${on || " applied"} at ${clock.at(suspect.at)}${why}`;
  const ofChange = label === `change ${change.id}` ? "" : `, change ${change.id}`;
  const approved =
    change.reviewers.length > 0 ? `approved by ${listNames(change.reviewers, 5)}` : "approved by nobody";
  const override = change.override ? ` over the gate's block ("${change.override}")` : "";
  const forced = rootCause.forced ? ", forced past the gate" : "";
  return `${what} ("${change.message}"${ofChange}) by ${change.author}, ${approved}${override}${forced},${on || " applied"} at ${clock.at(suspect.at)}${why}`;
}

function unknownCause(trigger: IncidentTrigger): string {
  switch (trigger.kind) {
    case "alert":
      return `not identified: no recorded change of the load balancer explains the alert ${trigger.rule} ("${trigger.summary}")`;
    case "rollback":
      return `not identified beyond the apply ${trigger.apply}${trigger.version === undefined ? "" : ` of version ${trigger.version}`} that ${trigger.node} rolled back: ${trigger.detail}`;
    case "manual":
      return `not identified; ${trigger.by} opened the incident: ${trigger.reason}`;
  }
}

/** The rollbacks and the resolution recorded, each with its time. */
function resolution(
  timeline: readonly TimelineEntry[],
  resolvedAt: string | undefined,
  clock: Clock,
): string {
  const steps = timeline
    .filter((e) => e.kind === "rollback" || e.kind === "resolution")
    .map((e) => `At ${clock.atMs(e.at)}: ${e.text.replace(/\.$/, "")}.`);
  if (resolvedAt === undefined) steps.push("The incident is still open.");
  else if (!timeline.some((e) => e.kind === "resolution"))
    steps.push(`The incident was resolved at ${clock.atMs(resolvedAt)}.`);
  return steps.join(" ");
}

/** The follow-ups the seeds ask for after the measures: a load test, the alert thresholds, the way back, a drill. */
function followUps(input: PostmortemInput): string[] {
  const { impact, rootCause, timeline } = input;
  const out: string[] = [];
  const backends = impact.affectedBackends.map((b) => b.backend);
  out.push(
    `Load-test ${backends.length > 0 ? `backend${backends.length === 1 ? "" : "s"} ${listNames(backends)}` : "the service"} at peak traffic with the corrected configuration ('lbguard loadtest'), and keep the figures with this postmortem.`,
  );
  const changedAt = rootCause?.suspect.at ?? impact.from;
  const detected = timeline.find(
    (e) => e.kind === "alert" || e.kind === "detection" || e.kind === "rollback",
  );
  out.push(
    detected
      ? `Review the alert thresholds and their 'for' durations: the first sign came ${formatSeconds((Date.parse(detected.at) - Date.parse(changedAt)) / 1000)} after ${rootCause ? "the change" : "the impact began"}.`
      : "Review the alert thresholds: no alert fired and nothing was detected during this incident.",
  );
  if (rootCause) {
    out.push(`Check that the way back works and is written down: ${rootCause.suspect.rollback}`);
    out.push(
      "Replay this change as a drill scenario ('lbguard drill run'), so that the gate's verdict on it is checked on every release.",
    );
  }
  return out;
}

// --- markdown ---------------------------------------------------------------------------------

/**
 * The postmortem as Markdown, in the seeds' order: Issue Summary (Duration, Impact, Root
 * Cause), Timeline (`- **HH:MM:SS.mmm ZONE** — text`, times to the millisecond so that each
 * line can be matched to its recorded event), Root Cause and Resolution (with the diff in a
 * `diff` block and the plan lines), Corrective and Preventative Measures, Tasks (a checklist).
 * Every text that came from events, configurations or people is escaped, so that it renders
 * as written and cannot break the layout. Pure.
 */
export function renderPostmortemMarkdown(doc: PostmortemDocument): string {
  const zone = doc.summary.timeZone;
  const clock = clockFor(doc.summary.start, zone);
  const generated = zonedTime(doc.generatedAt, zone);
  const t = escapeText;
  const out: string[] = [
    `# Postmortem: ${t(doc.title)}`,
    "",
    `Incident ${t(String(doc.incident))}, cluster ${t(doc.cluster)}. Drafted by lbguard on ${generated.date} at ${generated.time} ${generated.zone} from the recorded events, stats samples, plan and findings; edit it freely.`,
    "",
    "## Issue Summary",
    "",
    `- **Duration**: ${t(doc.summary.duration)}`,
    `- **Impact**: ${t(doc.summary.impact)}`,
    `- **Root Cause**: ${t(sentence(doc.summary.rootCause))}`,
    "",
    "## Timeline",
    "",
  ];
  if (doc.timeline.length === 0) out.push("No events were recorded in this window.");
  for (const entry of doc.timeline) out.push(`- **${clock.atMs(entry.at)}** — ${t(entry.text)}`);

  out.push(
    "",
    "## Root Cause and Resolution",
    "",
    `**Root Cause**: ${t(sentence(doc.summary.rootCause))}`,
    "",
  );
  const cause = doc.rootCause;
  if (cause) {
    if (cause.suspect.reasons.length > 0) {
      out.push("Why this change is blamed:", "");
      for (const reason of cause.suspect.reasons) out.push(`- ${t(reason)}`);
      out.push("");
    }
    if (cause.diff !== "") out.push("What changed:", "", codeBlock(cause.diff, "diff"), "");
    if (cause.planExcerpt.length > 0) {
      out.push("What the plan predicted:", "");
      for (const line of cause.planExcerpt) out.push(`- ${t(line)}`);
      out.push("");
    }
    if (cause.suspect.rollback !== "") out.push(`To undo it: ${inlineCode(cause.suspect.rollback)}`, "");
  }
  out.push(`**Resolution**: ${t(doc.resolution)}`, "", "## Corrective and Preventative Measures", "");
  if (doc.measures.length === 0) out.push("No finding and no policy gap calls for a measure.");
  for (const measure of doc.measures) out.push(`- ${t(measure.text)} _(${t(measure.source)})_`);
  out.push("", "## Tasks", "");
  for (const task of doc.tasks) out.push(`- [ ] ${t(task)}`);
  return `${out.join("\n")}\n`;
}

/** A clause as a sentence: capitalised, ending with one full stop. */
function sentence(text: string): string {
  const body = text.replace(/[.\s]+$/, "");
  return `${body.charAt(0).toUpperCase()}${body.slice(1)}.`;
}
