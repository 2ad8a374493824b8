import type { RuntimeOperationSpec } from "../control/api-types.js";
import { withAction } from "../agent/runtime-operation.js";
import { expectedShares } from "../agent/watch.js";
import { parseConfig } from "../haproxy/parse/index.js";
import { readInventory } from "../inventory/read-inventory.js";
import { simulate } from "../simulate/simulate.js";

/** What the simulator needs to say how a cluster should spread its traffic now. */
export interface ExpectedSharesInput {
  /** The haproxy.cfg the nodes should run. */
  config: string;
  /** Runtime operations approved and applied on top of it, oldest first. */
  operations: readonly RuntimeOperationSpec[];
  rps: number;
  /** The cluster's inventory YAML, if it has one. */
  inventory: string | null;
}

/**
 * Each backend's share per server the simulator predicts for the approved state: the version's
 * configuration with the approved runtime operations (weights) applied. Servers drained or
 * disabled on purpose are left in; the imbalance rule shares their part out over the servers
 * that take requests at the moment. Pure.
 */
export function expectedSharesFor(input: ExpectedSharesInput): Map<string, Map<string, number>> {
  let config = parseConfig([{ path: "haproxy.cfg", text: input.config }], { env: {} }).model;
  for (const op of input.operations) config = withAction(config, op.backend, op.server, op.action);
  const inventory =
    input.inventory === null ? undefined : readInventory("inventory", input.inventory).inventory;
  return expectedShares(simulate(config, { rps: input.rps }, inventory, { failures: false }));
}
