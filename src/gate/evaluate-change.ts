import { checkConfig, sortFindings } from "../check/check-config.js";
import { parseConfig } from "../haproxy/parse/index.js";
import { runHaproxyCheck, type HaproxyCheckResult } from "../haproxy/runtime/haproxy-check.js";
import type { Inventory } from "../inventory/inventory.js";
import type { Config } from "../model/config.js";
import { planChange } from "../plan/index.js";
import type { Plan } from "../plan/types.js";
import { simulate } from "../simulate/simulate.js";
import type { SimulationResult, TrafficInput } from "../simulate/types.js";
import { judgeChange, type GateResult } from "./gate.js";

/** A change to judge: the running configuration and the candidate, as files. */
export interface ChangeToJudge {
  before: { path: string; text: string }[];
  after: { path: string; text: string }[];
  inventory?: Inventory;
  traffic: TrafficInput;
  /** The haproxy binary for `haproxy -c` on AFTER; absent: do not run it. */
  haproxy?: string;
  env?: NodeJS.ProcessEnv;
}

/** The gate's verdict with everything it was built from. */
export interface ChangeJudgement {
  result: GateResult;
  plan: Plan;
  beforeModel: Config;
  afterModel: Config;
  predictedBefore: SimulationResult;
  predictedAfter: SimulationResult;
  /** What `haproxy -c` said, when it ran. */
  haproxy?: HaproxyCheckResult;
}

/**
 * Judges a change the way `lbguard gate` does: lbguard's rules and `haproxy -c` on AFTER, the
 * traffic predicted before and after, the plan between them, then the gate's verdict. Used by
 * the gate command, by `lbguard apply` and by drills, so all three block the same changes.
 */
export async function evaluateChange(change: ChangeToJudge): Promise<ChangeJudgement> {
  const env = change.env ?? process.env;
  const afterPaths = change.after.map((f) => f.path);
  const haproxyRun = change.haproxy ? runHaproxyCheck(afterPaths, change.haproxy) : undefined;
  const inventory = change.inventory;
  const checked = checkConfig(change.after, { env, ...(inventory ? { inventory } : {}) });
  const beforeModel = parseConfig(change.before, { env }).model;
  const predictedBefore = simulate(beforeModel, change.traffic, inventory, { failures: false });
  const predictedAfter = simulate(checked.model, change.traffic, inventory);
  const plan = planChange(beforeModel, checked.model, { before: predictedBefore, after: predictedAfter });
  const haproxy = haproxyRun ? await haproxyRun : undefined;
  const findings = sortFindings([...checked.findings, ...(haproxy?.findings ?? [])], afterPaths);
  const result = judgeChange({ findings, plan, after: predictedAfter, before: predictedBefore });
  return {
    result,
    plan,
    beforeModel,
    afterModel: checked.model,
    predictedBefore,
    predictedAfter,
    ...(haproxy ? { haproxy } : {}),
  };
}
