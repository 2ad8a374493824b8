import type { ClusterView } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import { ratioConditions } from "./ratio-vs-baseline.js";
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
  params: {
    windowS: { default: 30, description: "The window the ratio is measured over, in seconds." },
    baselineS: {
      default: 300,
      description: "The span before the window whose ratio is the baseline, in seconds.",
    },
    minRequests: {
      default: 20,
      description:
        "The fewest requests the window must hold to be judged; a baseline with fewer counts as 0%.",
    },
    minPct: { default: 5, description: "The lowest limit, in percent of requests." },
    factor: { default: 2, description: "How many times the baseline ratio the limit is." },
    maxPct: {
      default: 50,
      description: "The highest the limit rises with the baseline, in percent of requests.",
    },
  },
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
