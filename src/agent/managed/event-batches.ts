import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { AgentEvent } from "../event-log.js";

/** Events per `POST /agent/events`, and bytes of log read for one, so a batch stays far below 4 MiB. */
export const EVENT_BATCH = { maxEvents: 500, maxBytes: 1 << 20 } as const;

/**
 * The complete lines at the start of `chunk` (log text from the cursor on), parsed, up to
 * `maxEvents` of them and up to `maxBytes` (at least one line), and how many bytes they span.
 * A line not yet ended by a newline is left for later; a line a crash cut short is skipped,
 * as `EventLog.read` does. Pure.
 */
export function takeEvents(
  chunk: Buffer,
  maxEvents: number = EVENT_BATCH.maxEvents,
  maxBytes: number = EVENT_BATCH.maxBytes,
): { events: AgentEvent[]; bytes: number } {
  const events: AgentEvent[] = [];
  let position = 0;
  while (events.length < maxEvents) {
    const end = chunk.indexOf(10, position);
    if (end < 0 || (position > 0 && end + 1 > maxBytes)) break;
    const line = chunk.subarray(position, end).toString("utf8");
    position = end + 1;
    if (line.trim() === "") continue;
    try {
      events.push(JSON.parse(line) as AgentEvent);
    } catch {
      // Cut short by a crash: the events around it stand.
    }
  }
  return { events, bytes: position };
}

/**
 * Reads the event log from byte `offset` on. A log shorter than the cursor was replaced, so it
 * is read from its start again (offset 0 in the answer).
 */
export function readLogFrom(path: string, offset: number): { chunk: Buffer; offset: number } {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return { chunk: Buffer.alloc(0), offset };
  }
  try {
    const size = fstatSync(fd).size;
    const start = size < offset ? 0 : offset;
    const chunk = Buffer.alloc(size - start);
    let read = 0;
    while (read < chunk.length) {
      const n = readSync(fd, chunk, read, chunk.length - read, start + read);
      if (n === 0) break;
      read += n;
    }
    return { chunk: chunk.subarray(0, read), offset: start };
  } finally {
    closeSync(fd);
  }
}
