import type { Config } from "../model/config.js";
import type { SimulationResult } from "../simulate/types.js";
import { diffBackends } from "./backends.js";
import { PlanBuilder } from "./builder.js";
import { diffListeners } from "./listeners.js";
import { maxRisk } from "./risk.js";
import { diffRoutes } from "./routes.js";
import { diffServers } from "./servers.js";
import { diffSettings } from "./settings.js";
import { diffTraffic } from "./traffic.js";
import type { Plan } from "./types.js";

/** Traffic predictions for the two configurations, made with the same traffic description. */
export interface PlanOptions {
  before?: SimulationResult;
  after?: SimulationResult;
}

/**
 * Compares two configurations element by element (listeners, routes, backends, servers,
 * settings), judges each difference, and with traffic predictions adds each backend's and
 * server's share and rate before and after. Pure: the same inputs give the same plan, in
 * configuration order.
 */
export function planChange(before: Config, after: Config, options: PlanOptions = {}): Plan {
  const builder = new PlanBuilder(before, after, options);
  diffListeners(builder);
  diffRoutes(builder);
  diffBackends(builder);
  diffServers(builder);
  diffSettings(builder);
  // Last: it raises the risk of the changes above when their traffic moves.
  const traffic = diffTraffic(builder);
  const changes = builder.ordered();
  return {
    overall: maxRisk(changes.map((c) => c.risk)),
    counts: builder.counts(),
    changes,
    traffic,
    assumptions: options.after?.traffic.assumptions ?? options.before?.traffic.assumptions ?? [],
  };
}
