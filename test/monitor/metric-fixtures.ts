import type { MetricSample, RowSample } from "../../src/monitor/types.js";
import { metricSample, rowSample } from "./sample-builders.js";

/** A server row of backend `web`. */
export function server(name: string, patch: Partial<RowSample> = {}): RowSample {
  return rowSample("server", "web", { server: name, ...patch });
}

/** A 10-second sample of `node` ending at `at`. */
export function sample(
  node: string,
  at: string,
  rows: RowSample[],
  patch: Partial<MetricSample> = {},
): MetricSample {
  return metricSample(node, at, rows, { intervalMs: 10_000, ...patch });
}
