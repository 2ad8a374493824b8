import { zeroRowCounters } from "../../src/monitor/row-counters.js";
import type { MetricSample, RowSample } from "../../src/monitor/types.js";

/** Fields of a row to set; `responses` names only the classes that are not zero. */
export type RowFields = Partial<Omit<RowSample, "responses">> & {
  responses?: Partial<RowSample["responses"]>;
};

/** A row with every counter at zero, UP (a frontend OPEN), and `fields` on top. */
export function rowSample(kind: RowSample["kind"], proxy: string, fields: RowFields = {}): RowSample {
  const { responses, ...rest } = fields;
  const zero = zeroRowCounters();
  return {
    kind,
    proxy,
    ...zero,
    status: kind === "frontend" ? "OPEN" : "UP",
    sessionsCurrent: 0,
    queueCurrent: 0,
    ...rest,
    responses: { ...zero.responses, ...responses },
  };
}

/** `node`'s sample of `rows` ending at `at` (ISO 8601), one second long and without a reset unless `fields` say so. */
export function metricSample(
  node: string,
  at: string,
  rows: RowSample[],
  fields: Partial<MetricSample> = {},
): MetricSample {
  return { node, at, intervalMs: 1000, reset: false, rows, ...fields };
}
