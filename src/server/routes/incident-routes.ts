import type { FastifyPluginAsync } from "fastify";
import type { ControlContext } from "../../control/control-context.js";
import { describeIncident, postmortemOf, savePostmortem } from "../../incidents/assemble.js";
import {
  addNote,
  listIncidents,
  openIncident,
  resolveIncident,
  type IncidentFilter,
  type OpenIncidentBody,
} from "../../incidents/incident-store.js";
import { INCIDENT_SCHEMAS, PARAMS } from "../schemas.js";

type IdParams = { Params: { id: number } };

/** Incidents, their notes and resolution, and their postmortems. */
export function incidentRoutes(ctx: ControlContext): FastifyPluginAsync {
  return async (api) => {
    const tags = ["incidents"];
    const S = INCIDENT_SCHEMAS;
    api.get<{ Querystring: IncidentFilter }>(
      "/incidents",
      { config: { access: "viewer" }, schema: { tags, querystring: S.incidentsQuery } },
      (request) => listIncidents(ctx, request.query),
    );
    api.post<{ Body: OpenIncidentBody }>(
      "/incidents",
      { config: { access: "operator" }, schema: { tags, body: S.openIncident } },
      async (request, reply) => {
        const { cluster, title, severity, reason } = request.body;
        const by = request.principal.name;
        const incident = await openIncident(ctx, {
          cluster,
          title,
          severity: severity ?? "critical",
          trigger: { kind: "manual", by, reason },
          openedBy: by,
        });
        // 200 rather than 201 when the report joined the incident already open.
        return reply.status(incident.linked ? 200 : 201).send(incident);
      },
    );
    api.get<IdParams>(
      "/incidents/:id",
      { config: { access: "viewer" }, schema: { tags, params: PARAMS.id } },
      (request) => describeIncident(ctx, request.params.id),
    );
    api.post<IdParams & { Body: { text: string } }>(
      "/incidents/:id/notes",
      { config: { access: "operator" }, schema: { tags, params: PARAMS.id, body: S.note } },
      async (request, reply) =>
        reply.status(201).send(await addNote(ctx, request.principal, request.params.id, request.body.text)),
    );
    api.post<IdParams & { Body: { summary: string } }>(
      "/incidents/:id/resolve",
      { config: { access: "operator" }, schema: { tags, params: PARAMS.id, body: S.resolve } },
      (request) => resolveIncident(ctx, request.principal, request.params.id, request.body.summary),
    );
    api.get<IdParams & { Querystring: { format?: "md" | "json"; tz?: string } }>(
      "/incidents/:id/postmortem",
      { config: { access: "viewer" }, schema: { tags, params: PARAMS.id, querystring: S.postmortemQuery } },
      async (request, reply) => {
        const { format, tz } = request.query;
        const view = await postmortemOf(ctx, request.params.id, tz !== undefined ? { timeZone: tz } : {});
        if (format !== "md") return view;
        return reply.type("text/markdown; charset=utf-8").send(view.markdown);
      },
    );
    api.post<IdParams & { Querystring: { tz?: string } }>(
      "/incidents/:id/postmortem",
      { config: { access: "operator" }, schema: { tags, params: PARAMS.id, querystring: S.regenerateQuery } },
      (request) => {
        const tz = request.query.tz;
        return postmortemOf(ctx, request.params.id, {
          regenerate: true,
          ...(tz !== undefined ? { timeZone: tz } : {}),
        });
      },
    );
    api.put<IdParams & { Body: { markdown: string } }>(
      "/incidents/:id/postmortem",
      { config: { access: "operator" }, schema: { tags, params: PARAMS.id, body: S.savePostmortem } },
      (request) => savePostmortem(ctx, request.principal, request.params.id, request.body.markdown),
    );
  };
}
