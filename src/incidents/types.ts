import type { AlertSeverity, Suspect } from "../monitor/types.js";

/**
 * A recorded event as the incident code reads it: a control-plane event, or one of an agent's
 * own events (`agent.apply.started`…) when a drill runs without a control plane.
 */
export interface RecordedEvent {
  /** The control plane's sequence number, when it came from there. */
  seq?: number;
  at: string;
  type: string;
  actor: string;
  cluster?: string;
  subject?: string;
  data: Record<string, unknown>;
}

/** What opened an incident. */
export type IncidentTrigger =
  | { kind: "alert"; alert: number; rule: string; summary: string }
  | { kind: "rollback"; node: string; apply: string; version?: number; detail: string }
  | { kind: "manual"; by: string; reason: string };

export interface Incident {
  id: number;
  cluster: string;
  title: string;
  severity: AlertSeverity;
  state: "open" | "resolved";
  openedAt: string;
  openedBy: string;
  trigger: IncidentTrigger;
  resolvedAt?: string;
  resolvedBy?: string;
  /** Whether a postmortem was drafted, and whether a person edited it since. */
  postmortem?: { edited: boolean };
  updatedAt: string;
}

/** What a timeline line is about, for grouping and icons. */
export type TimelineKind =
  | "change"
  | "review"
  | "apply"
  | "detection"
  | "alert"
  | "rollback"
  | "notification"
  | "note"
  | "incident"
  | "resolution";

/** One line of an incident's timeline, always drawn from a recorded event. */
export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  /** One plain sentence. */
  text: string;
  /** The event it comes from: its type, and its seq when it has one. */
  source: { type: string; seq?: number };
}

/** What an incident cost, measured from the stats samples between its start and end. */
export interface Impact {
  /** The window measured, ISO 8601. */
  from: string;
  to: string;
  durationS: number;
  /** Requests the frontends received in the window, and those that failed (4xx, 5xx, other, request errors). */
  requests: number;
  failed: number;
  /** failed / requests, in percent (0 when there were none). */
  failedPct: number;
  /** The worst one-sample failed ratio, in percent. */
  peakErrorPct: number;
  /** Backends with failed responses or errors in the window, worst first. */
  affectedBackends: { backend: string; failed: number; failedPct: number }[];
  /** Servers with errors, that went down, or whose share moved, in the window. */
  affectedServers: { server: string; why: string }[];
}

/** The change an incident is blamed on, with what explains it. */
export interface RootCause {
  suspect: Suspect;
  /** The change record, when the suspect is a governed change. */
  change?: {
    id: number;
    author: string;
    reviewers: string[];
    message: string;
    /** An admin's reason for overriding the gate, when there was one. */
    override?: string;
  };
  /** The diff lines that explain it (unified diff, trimmed to the hunks that matter). */
  diff: string;
  /** The plan lines that explain it, e.g. `server web/db-01 added: 33% of web's traffic`. */
  planExcerpt: string[];
  /** The change was applied with the gate skipped (`--force`, as every drill does). */
  forced?: boolean;
}

/** The postmortem as data, in the seeds' sections; the markdown is rendered from it. */
export interface PostmortemDocument {
  incident: number | string;
  cluster: string;
  title: string;
  summary: {
    /** e.g. `2026-11-21 10:00:03 to 10:00:24 UTC (21 s)`. */
    duration: string;
    start: string;
    end: string;
    timeZone: string;
    impact: string;
    rootCause: string;
  };
  impact: Impact;
  timeline: TimelineEntry[];
  rootCause?: RootCause;
  resolution: string;
  /** Improvements derived from rule findings and policy gaps. */
  measures: { text: string; source: string }[];
  tasks: string[];
  generatedAt: string;
}

/** Everything the postmortem is drafted from. */
export interface PostmortemInput {
  /** A drill's incident is known by its apply id, the control plane's by a number. */
  incident: Pick<Incident, "cluster" | "title" | "openedAt" | "resolvedAt" | "trigger"> & {
    id: number | string;
  };
  timeline: TimelineEntry[];
  impact: Impact;
  rootCause?: RootCause;
  /** Rule findings on the configuration the incident is blamed on. */
  findings: { rule: string; severity: string; message: string }[];
  /** Gaps in the cluster's policy, e.g. `one approval suffices for a high-risk change`. */
  policyGaps: string[];
  /** IANA time zone for the times written, default UTC. */
  timeZone?: string;
  now: string;
}
