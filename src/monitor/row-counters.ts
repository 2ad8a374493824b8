import type { ResponseClasses, RowSample } from "./types.js";

/** The counters a {@link RowSample} gains over its interval, besides its responses by class. */
export const ROW_COUNTERS = [
  "requests",
  "requestErrors",
  "connectionErrors",
  "responseErrors",
  "retries",
  "denied",
  "picked",
] as const;

/** HAProxy's response classes, in the order it lists them. */
export const RESPONSE_CLASSES = [
  "1xx",
  "2xx",
  "3xx",
  "4xx",
  "5xx",
  "other",
] as const satisfies readonly (keyof ResponseClasses)[];

/** What a row gains over an interval or a window: its counters and its responses by class. */
export type RowCounters = Pick<RowSample, (typeof ROW_COUNTERS)[number] | "responses">;

/** Every counter and response class at zero. */
export function zeroRowCounters(): RowCounters {
  return {
    requests: 0,
    responses: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, other: 0 },
    requestErrors: 0,
    connectionErrors: 0,
    responseErrors: 0,
    retries: 0,
    denied: 0,
    picked: 0,
  };
}

/** Adds the counters and response classes of `more` into `into`, in place. */
export function addRowCounters(into: RowCounters, more: RowCounters): void {
  for (const name of ROW_COUNTERS) into[name] += more[name];
  for (const name of RESPONSE_CLASSES) into.responses[name] += more.responses[name];
}
