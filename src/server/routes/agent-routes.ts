import type { FastifyPluginAsync } from "fastify";
import type { AgentEventsReport, AgentReport, ApplyReport, HandoverReport } from "../../control/api-types.js";
import { recordReport, shipEvents, waitForDesired } from "../../control/agents.js";
import type { ControlContext } from "../../control/control-context.js";
import { recordHandover } from "../../control/handovers.js";
import { recordApply } from "../../control/rollouts.js";
import { BODIES, QUERIES } from "../schemas.js";

/** The long poll agents wait on, and what they report. An agent token acts only for its node. */
export function agentRoutes(ctx: ControlContext, closing: AbortSignal): FastifyPluginAsync {
  return async (api) => {
    const tags = ["agents"];
    api.get<{ Querystring: { have?: string; wait?: number } }>(
      "/agent/desired",
      { config: { access: "agent" }, schema: { tags, querystring: QUERIES.desired } },
      (request, reply) => {
        // The wait ends early when the agent hangs up, so a dead poll holds nothing.
        const gone = new AbortController();
        reply.raw.once("close", () => gone.abort());
        const stop = AbortSignal.any([gone.signal, closing]);
        return waitForDesired(ctx, request.principal, request.query.have, request.query.wait ?? 25, stop);
      },
    );
    api.post<{ Body: AgentReport }>(
      "/agent/report",
      { config: { access: "agent" }, schema: { tags, body: BODIES.agentReport } },
      async (request) => {
        await recordReport(ctx, request.principal, request.body);
        return { ok: true };
      },
    );
    api.post<{ Body: ApplyReport }>(
      "/agent/applies",
      { config: { access: "agent" }, schema: { tags, body: BODIES.applyReport } },
      async (request) => {
        await recordApply(ctx, request.principal, request.body);
        return { ok: true };
      },
    );
    api.post<{ Body: HandoverReport }>(
      "/agent/handovers",
      { config: { access: "agent" }, schema: { tags, body: BODIES.handoverReport } },
      async (request) => ({ ok: true, ...(await recordHandover(ctx, request.principal, request.body)) }),
    );
    api.post<{ Body: AgentEventsReport }>(
      "/agent/events",
      { config: { access: "agent" }, schema: { tags, body: BODIES.agentEvents } },
      async (request) => ({ accepted: await shipEvents(ctx, request.principal, request.body) }),
    );
  };
}
