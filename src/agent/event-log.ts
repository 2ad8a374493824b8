import { appendFileSync, closeSync, fsyncSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** What happened, in the agent's words: `apply.started`, `apply.rolled-back`, `server.weight`… */
export type AgentEventType =
  | "apply.started"
  | "apply.skipped"
  | "apply.gate-passed"
  | "apply.gate-skipped"
  | "apply.blocked"
  | "apply.invalid"
  | "apply.backed-up"
  | "apply.replaced"
  | "apply.reloaded"
  | "apply.reload-failed"
  | "apply.breach"
  | "apply.rolled-back"
  | "apply.promoted"
  | "apply.failed"
  | "apply.recovered"
  | "runtime.started"
  | "runtime.blocked"
  | "runtime.applied"
  | "runtime.reverted"
  | "runtime.kept"
  | "agent.started"
  | "agent.stopped"
  | "server.state-changed"
  | "drift.seen"
  | "drift.cleared"
  | "drift.restored"
  | "apply.standby"
  | "apply.active"
  | "keepalived.invalid"
  | "keepalived.replaced"
  | "keepalived.restored"
  | "keepalived.recovered"
  | "vrrp.state-changed"
  | "vrrp.handover-started"
  | "vrrp.handed-over"
  | "vrrp.handover-failed";

/** One line of the agent's event log. */
export interface AgentEvent {
  /** The apply or runtime operation this belongs to; absent for the agent's own events. */
  apply?: string;
  type: AgentEventType;
  /** Who asked for it: a user name, `agent`, or `drill`. */
  actor: string;
  /** ISO 8601 time with milliseconds. */
  at: string;
  /** The facts the step is based on: hashes, findings, breaches, PIDs, timings. */
  evidence?: Record<string, unknown>;
}

/**
 * The append-only event log in the agent's data directory (`events.jsonl`, one JSON object per
 * line). Each append is flushed to disk before it returns, so an event that was reported
 * survives a crash; a line cut short by a crash is skipped when reading.
 */
export class EventLog {
  readonly path: string;
  private readonly clock: () => number;
  private readonly listeners: ((event: AgentEvent) => void)[] = [];

  constructor(dataDir: string, clock: () => number = Date.now) {
    this.path = join(dataDir, "events.jsonl");
    this.clock = clock;
  }

  /** Appends one event stamped with the current time and returns it. */
  append(event: Omit<AgentEvent, "at">): AgentEvent {
    const stamped: AgentEvent = { ...event, at: new Date(this.clock()).toISOString() };
    const fd = openSync(this.path, "a", 0o644);
    try {
      appendFileSync(fd, `${JSON.stringify(stamped)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    for (const listener of this.listeners) listener(stamped);
    return stamped;
  }

  /** Calls `listener` with every event appended from now on (e.g. to print progress). */
  onAppend(listener: (event: AgentEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Every event recorded so far, oldest first. */
  read(): AgentEvent[] {
    let text: string;
    try {
      text = readFileSync(this.path, "utf8");
    } catch {
      return [];
    }
    const events: AgentEvent[] = [];
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        events.push(JSON.parse(line) as AgentEvent);
      } catch {
        // A crash can cut the last line short; the events before it stand.
      }
    }
    return events;
  }
}
