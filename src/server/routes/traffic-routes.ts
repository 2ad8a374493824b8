import type { FastifyPluginAsync } from "fastify";
import type { ControlContext } from "../../control/control-context.js";
import { clusterExpectedShares, type ExpectedSharesCache } from "../../monitor/approved-shares.js";
import { PARAMS } from "../schemas.js";

/**
 * What the live traffic view draws beside the observed shares: the simulator's prediction for
 * the cluster's approved state.
 */
export function trafficRoutes(ctx: ControlContext): FastifyPluginAsync {
  return async (api) => {
    const cache: ExpectedSharesCache = new Map();
    api.get<{ Params: { cluster: string } }>(
      "/clusters/:cluster/expected-shares",
      { config: { access: "viewer" }, schema: { tags: ["metrics"], params: PARAMS.cluster } },
      async (request) => clusterExpectedShares(ctx, request.params.cluster, cache),
    );
  };
}
