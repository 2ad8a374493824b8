import { LbguardError } from "../../errors.js";
import type { ClusterView } from "../cluster-view.js";
import type { AlertCondition, AlertKind, AlertRule } from "../types.js";
import * as backendUnavailable from "./backend-unavailable.js";
import * as clientErrorSurge from "./client-error-surge.js";
import * as configApplied from "./config-applied.js";
import * as configRolledBack from "./config-rolled-back.js";
import * as drift from "./drift.js";
import * as errorRatio from "./error-ratio.js";
import * as imbalance from "./imbalance.js";
import * as latencyP95 from "./latency-p95.js";
import * as nodeUnreachable from "./node-unreachable.js";
import * as requestRateCollapse from "./request-rate-collapse.js";
import type { AlertRuleKind } from "./rule.js";
import * as serverDown from "./server-down.js";
import * as splitBrain from "./split-brain.js";

/** Every kind of alert rule, sorted by kind. A meta-test keeps this list sorted and complete. */
export const ALERT_RULE_KINDS: readonly AlertRuleKind[] = [
  backendUnavailable,
  clientErrorSurge,
  configApplied,
  configRolledBack,
  drift,
  errorRatio,
  imbalance,
  latencyP95,
  nodeUnreachable,
  requestRateCollapse,
  serverDown,
  splitBrain,
];

const BY_KIND = new Map<AlertKind, AlertRuleKind>(ALERT_RULE_KINDS.map((k) => [k.meta.kind, k]));

/** The implementation of one kind of alert rule. */
export function alertRuleKind(kind: AlertKind): AlertRuleKind {
  const found = BY_KIND.get(kind);
  if (found === undefined)
    throw new LbguardError("LBG_INTERNAL", { detail: `no alert rule kind '${kind}' is registered` });
  return found;
}

/** The conditions a rule finds true in the cluster now; none for a disabled rule. */
export function evaluateAlertRule(view: ClusterView, rule: AlertRule): AlertCondition[] {
  return rule.enabled ? alertRuleKind(rule.kind).evaluate(view, rule) : [];
}
