import type { ClusterView } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import { ratioConditions, ratioParams } from "./ratio-vs-baseline.js";
import type { AlertRuleMeta } from "./rule.js";

/**
 * Server-side failures: a frontend's 5xx answers, and a backend's 5xx, `other` answers and
 * connection and response errors, as a share of requests, against the share just before. The
 * limit follows a noisy baseline up but never above `maxPct`, so a lasting outage keeps firing
 * once it has become the baseline.
 */
export const meta: AlertRuleMeta = {
  kind: "error-ratio",
  description:
    "Per node, a frontend's 5xx answers, or a backend's 5xx and `other` answers plus connection and response errors, as a percentage of requests over the last `windowS` seconds, above `max(minPct, baseline × factor)` (at most `maxPct`), the baseline being the same ratio over the `baselineS` seconds before.",
  unit: "%",
  defaultSeverity: "critical",
  defaultForS: 10,
  params: ratioParams({ minPct: 5, factor: 2, maxPct: 50 }),
};

/** The frontends and backends failing more of their requests than the limit allows now. */
export function evaluate(view: ClusterView, rule: AlertRule): AlertCondition[] {
  return ratioConditions(view, rule, meta, {
    kinds: ["frontend", "backend"],
    bad: (row) =>
      row.kind === "frontend"
        ? row.responses["5xx"]
        : row.responses["5xx"] + row.responses.other + row.connectionErrors + row.responseErrors,
    what: (row) =>
      row.kind === "frontend" ? "were answered 5xx" : "failed (5xx, other, connection or response errors)",
    capped: true,
  });
}
