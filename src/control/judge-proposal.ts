import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { predictRuntimeAction } from "../agent/runtime-operation.js";
import { evaluateChange } from "../gate/evaluate-change.js";
import type { GateFinding } from "../gate/gate.js";
import { parseConfig } from "../haproxy/parse/index.js";
import type { Inventory } from "../inventory/inventory.js";
import { readInventory } from "../inventory/read-inventory.js";
import type { Risk } from "../plan/risk.js";
import type { Plan } from "../plan/types.js";
import type { RuntimeOperationSpec } from "./api-types.js";
import { fail } from "./control-context.js";

/** What the gate says about a proposed change. */
export interface ProposalJudgement {
  verdict: "pass" | "block";
  risk: Risk;
  findings: GateFinding[];
  plan: Plan;
}

/** The cluster facts the gate predicts with. */
export interface GateSetting {
  inventory: string | null;
  rps: number;
  /** Run `haproxy -c` with this binary too. */
  haproxy?: string;
}

function inventoryOf(setting: GateSetting): Inventory | undefined {
  return setting.inventory === null ? undefined : readInventory("inventory", setting.inventory).inventory;
}

/**
 * Judges a new configuration against its parent exactly as `lbguard gate` does (rules, the
 * traffic predicted before and after at the cluster's rate, the plan, `haproxy -c` when the
 * server has HAProxy). The files are named `haproxy.cfg` so findings read as they would on a node.
 */
export async function judgeConfigProposal(
  parentText: string,
  text: string,
  setting: GateSetting,
): Promise<ProposalJudgement> {
  // haproxy -c reads files, so the candidate goes to a private temporary directory.
  const dir = setting.haproxy ? mkdtempSync(join(tmpdir(), "lbg-propose-")) : undefined;
  try {
    const afterPath = dir ? join(dir, "haproxy.cfg") : "haproxy.cfg";
    if (dir) writeFileSync(afterPath, text, { mode: 0o600 });
    const inventory = inventoryOf(setting);
    const judged = await evaluateChange({
      before: [{ path: "haproxy.cfg", text: parentText }],
      after: [{ path: afterPath, text }],
      traffic: { rps: setting.rps },
      ...(inventory ? { inventory } : {}),
      ...(setting.haproxy ? { haproxy: setting.haproxy } : {}),
      env: {},
    });
    return {
      verdict: judged.result.verdict,
      risk: judged.plan.overall,
      findings: judged.result.findings,
      plan: judged.plan,
    };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Judges a runtime operation against the version it would run on: the same prediction the agent
 * makes before it sets a server's weight or state, at the cluster's rate.
 */
export function judgeOperationProposal(
  parentText: string,
  operation: RuntimeOperationSpec,
  setting: GateSetting,
): ProposalJudgement {
  const config = parseConfig([{ path: "haproxy.cfg", text: parentText }], { env: {} }).model;
  const backend = config.backends.find((b) => b.name === operation.backend);
  if (!backend?.servers.some((s) => s.name === operation.server)) {
    throw fail(
      "LBG_BAD_REQUEST",
      `operation: the parent version has no server ${operation.backend}/${operation.server}`,
    );
  }
  const { plan, gate } = predictRuntimeAction(config, operation, { rps: setting.rps }, inventoryOf(setting));
  return { verdict: gate.verdict, risk: plan.overall, findings: gate.findings, plan };
}
