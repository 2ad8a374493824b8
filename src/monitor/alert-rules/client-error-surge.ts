import type { ClusterView } from "../cluster-view.js";
import type { AlertCondition, AlertRule } from "../types.js";
import { ratioConditions, ratioParams } from "./ratio-vs-baseline.js";
import type { AlertRuleMeta } from "./rule.js";

/**
 * A surge of 4xx answers on a frontend: a route sending requests to the wrong backend, or a
 * backend that lost paths, answers 404 without any server failing. Denies are left out because
 * the configuration asks for them; the limit has no cap, since some frontends answer many 4xx as
 * a matter of course and only a rise says something changed.
 */
export const meta: AlertRuleMeta = {
  kind: "client-error-surge",
  description:
    "Per node and frontend, 4xx answers other than deliberate denies as a percentage of requests over the last `windowS` seconds, above `max(minPct, baseline × factor)`, the baseline being the same ratio over the `baselineS` seconds before.",
  unit: "%",
  defaultSeverity: "warning",
  defaultForS: 30,
  params: ratioParams({ minPct: 10, factor: 3 }),
};

/** The frontends answering more 4xx than the limit allows now. */
export function evaluate(view: ClusterView, rule: AlertRule): AlertCondition[] {
  return ratioConditions(view, rule, meta, {
    kinds: ["frontend"],
    bad: (row) => Math.max(0, row.responses["4xx"] - row.denied),
    what: () => "were answered 4xx (denies aside)",
    capped: false,
  });
}
