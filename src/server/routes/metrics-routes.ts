import type { FastifyPluginAsync } from "fastify";
import { nodeIdOf } from "../../control/agents.js";
import type { ControlContext } from "../../control/control-context.js";
import { latestSamples, samplesOf, storeNewSamples } from "../../monitor/metric-store.js";
import { monitorMetrics } from "../../monitor/prometheus.js";
import type { AgentStatsReport } from "../../monitor/types.js";
import { METRIC_SCHEMAS, PARAMS } from "../schemas.js";

/** How far back `GET …/metrics` reads when the caller gives no `from`. */
const DEFAULT_WINDOW_MS = 60 * 60_000;

/**
 * Stats samples: agents send them, viewers read them back per cluster, and Prometheus scrapes
 * `/metrics` (outside `/api/v1`, where scrapers look) with a viewer token.
 */
export function metricsRoutes(ctx: ControlContext): FastifyPluginAsync {
  return async (app) => {
    app.get(
      "/metrics",
      { config: { access: "viewer" }, schema: { tags: ["metrics"] } },
      async (_request, reply) => {
        monitorMetrics.showLatest(await latestSamples(ctx));
        return reply.type(monitorMetrics.contentType).send(await monitorMetrics.exposition());
      },
    );
    await app.register(
      async (api) => {
        const tags = ["metrics"];
        api.post<{ Body: AgentStatsReport }>(
          "/agent/stats",
          { config: { access: "agent" }, schema: { tags, body: METRIC_SCHEMAS.agentStats } },
          async (request) => {
            const agent = request.principal;
            const stored = await storeNewSamples(ctx, nodeIdOf(agent), request.body.samples);
            monitorMetrics.countSamples(agent.cluster ?? "", agent.node ?? "", stored);
            return { recorded: stored.length };
          },
        );
        api.get<{ Params: { cluster: string }; Querystring: { from?: string; to?: string } }>(
          "/clusters/:cluster/metrics",
          {
            config: { access: "viewer" },
            schema: { tags, params: PARAMS.cluster, querystring: METRIC_SCHEMAS.window },
          },
          async (request) => {
            const to = request.query.to ?? new Date(ctx.clock()).toISOString();
            const from = request.query.from ?? new Date(Date.parse(to) - DEFAULT_WINDOW_MS).toISOString();
            const nodes = await samplesOf(ctx, request.params.cluster, { from, to });
            return { nodes: Object.fromEntries(nodes) };
          },
        );
      },
      { prefix: "/api/v1" },
    );
  };
}
