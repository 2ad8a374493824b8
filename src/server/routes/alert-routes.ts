import type { FastifyPluginAsync } from "fastify";
import type { ControlContext } from "../../control/control-context.js";
import { getAlert, listAlerts, type AlertFilter } from "../../monitor/alert-store.js";
import {
  createSilence,
  expireSilence,
  listSilences,
  silenceEndsAt,
  type SilenceBody,
  type SilenceFilter,
} from "../../monitor/silence-store.js";
import { ALERT_SCHEMAS, PARAMS } from "../schemas.js";

type IdParams = { Params: { id: number } };

/** Alerts (read only: the evaluator writes them) and silences. */
export function alertRoutes(ctx: ControlContext): FastifyPluginAsync {
  return async (api) => {
    const tags = ["alerts"];
    api.get<{ Querystring: AlertFilter }>(
      "/alerts",
      { config: { access: "viewer" }, schema: { tags, querystring: ALERT_SCHEMAS.alertsQuery } },
      (request) => listAlerts(ctx, request.query),
    );
    api.get<IdParams>(
      "/alerts/:id",
      { config: { access: "viewer" }, schema: { tags, params: PARAMS.id } },
      (request) => getAlert(ctx, request.params.id),
    );
    api.get<{ Querystring: SilenceFilter }>(
      "/silences",
      { config: { access: "viewer" }, schema: { tags, querystring: ALERT_SCHEMAS.silencesQuery } },
      (request) => listSilences(ctx, request.query),
    );
    api.post<{ Body: SilenceBody }>(
      "/silences",
      { config: { access: "operator" }, schema: { tags, body: ALERT_SCHEMAS.createSilence } },
      async (request, reply) => {
        const endsAt = silenceEndsAt(request.body, ctx.clock());
        const silence = await createSilence(ctx, request.principal, { ...request.body, endsAt });
        return reply.status(201).send(silence);
      },
    );
    api.delete<IdParams>(
      "/silences/:id",
      { config: { access: "operator" }, schema: { tags, params: PARAMS.id } },
      (request) => expireSilence(ctx, request.principal, request.params.id),
    );
  };
}
