import type { FastifyPluginAsync } from "fastify";
import { listEvents, verifyAudit, type EventFilter } from "../../control/audit.js";
import type { ControlContext } from "../../control/control-context.js";
import { QUERIES } from "../schemas.js";

/** The event log and its verification. */
export function auditRoutes(ctx: ControlContext): FastifyPluginAsync {
  return async (api) => {
    const tags = ["audit"];
    api.get<{ Querystring: EventFilter }>(
      "/events",
      { config: { access: "viewer" }, schema: { tags, querystring: QUERIES.events } },
      (request) => listEvents(ctx, request.query),
    );
    api.get("/audit/verify", { config: { access: "viewer" }, schema: { tags } }, () => verifyAudit(ctx));
  };
}
