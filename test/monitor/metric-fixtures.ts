import type { MetricSample, RowSample } from "../../src/monitor/types.js";

/** A row with every counter 0 and the server up, changed by `patch`. */
export function row(kind: RowSample["kind"], proxy: string, patch: Partial<RowSample> = {}): RowSample {
  return {
    kind,
    proxy,
    requests: 0,
    responses: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, other: 0 },
    requestErrors: 0,
    connectionErrors: 0,
    responseErrors: 0,
    retries: 0,
    denied: 0,
    picked: 0,
    status: kind === "frontend" ? "OPEN" : "UP",
    sessionsCurrent: 0,
    queueCurrent: 0,
    ...patch,
  };
}

/** A server row of backend `web`. */
export function server(name: string, patch: Partial<RowSample> = {}): RowSample {
  return row("server", "web", { server: name, ...patch });
}

/** A 10-second sample of `node` ending at `at`. */
export function sample(
  node: string,
  at: string,
  rows: RowSample[],
  patch: Partial<MetricSample> = {},
): MetricSample {
  return { node, at, intervalMs: 10_000, reset: false, rows, ...patch };
}
