import type { StoredEvent } from "../control/api-types.js";
import type { RecordedEvent } from "./types.js";

/**
 * One of an agent's own events as the incident code reads it, whichever way it arrived: shipped
 * by the control plane as `agent.<type>` with `{at, apply, evidence}` in `data`, or straight from
 * the node's log in a drill (no prefix; the same fields, or the evidence flat in `data`).
 */
export interface AgentFacts {
  /** The agent's own type, without the `agent.` prefix: `apply.reloaded`, `runtime.kept`… */
  type: string;
  /** The apply or runtime operation it belongs to. */
  apply?: string;
  /** When the agent recorded it (the control plane's receipt time comes later). */
  at: string;
  evidence: Record<string, unknown>;
}

const AGENT_TYPE = /^(apply|runtime|drift|server|agent)\.[a-z-]+$/;

/** The agent's facts in an event, or undefined when the event is not an agent's. Pure. */
export function agentFacts(event: RecordedEvent): AgentFacts | undefined {
  const stripped = event.type.startsWith("agent.") ? event.type.slice("agent.".length) : "";
  const type = AGENT_TYPE.test(stripped) ? stripped : AGENT_TYPE.test(event.type) ? event.type : undefined;
  if (type === undefined) return undefined;
  const { apply, at, evidence, ...flat } = event.data;
  return {
    type,
    ...(typeof apply === "string" ? { apply } : {}),
    at: typeof at === "string" ? at : event.at,
    evidence: recordOf(evidence) ?? flat,
  };
}

/** A control-plane event from the log as the incident code reads it: without its hash chain. Pure. */
export function recordedEventOf(event: StoredEvent): RecordedEvent {
  return {
    seq: event.seq,
    at: event.at,
    type: event.type,
    actor: event.actor,
    ...(event.cluster !== undefined ? { cluster: event.cluster } : {}),
    ...(event.subject !== undefined ? { subject: event.subject } : {}),
    data: event.data,
  };
}

/** The node an event is about: `lb-1` of the subject `node:web/lb-1`, or `data.node`. Pure. */
export function nodeOf(event: RecordedEvent): string | undefined {
  if (event.subject?.startsWith("node:")) {
    const id = event.subject.slice("node:".length);
    return id.slice(id.indexOf("/") + 1);
  }
  return textOf(event.data.node);
}

/** The number in a subject such as `change:12` or `incident:3`, when it has that prefix. Pure. */
export function subjectId(event: RecordedEvent, prefix: string): number | undefined {
  // No RegExp built per call: the alert evaluator asks this of every recent event each second.
  const subject = event.subject ?? "";
  if (!subject.startsWith(`${prefix}:`)) return undefined;
  const digits = subject.slice(prefix.length + 1);
  return /^\d+$/.test(digits) ? Number(digits) : undefined;
}

/** `value` when it is a non-empty string. */
export function textOf(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** `value` when it is a finite number. */
export function numberOf(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** `value` when it is a plain object. */
export function recordOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `value` when it is an array of plain objects, else empty. */
export function recordsOf(value: unknown): Record<string, unknown>[] {
  if (!Array.isArray(value)) return [];
  return (value as unknown[]).flatMap((v) => {
    const record = recordOf(v);
    return record ? [record] : [];
  });
}

/** Milliseconds since the epoch of an ISO 8601 time. */
export function timeOf(iso: string): number {
  return Date.parse(iso);
}
