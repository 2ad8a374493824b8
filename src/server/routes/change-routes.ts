import type { FastifyPluginAsync } from "fastify";
import type { ProposeRequest, ReviewRequest, RollbackRequest } from "../../control/api-types.js";
import { getChange, listChanges, propose, review, submit } from "../../control/changes.js";
import type { ControlContext } from "../../control/control-context.js";
import { getRollout, rollback, startRollout } from "../../control/rollouts.js";
import { BODIES, PARAMS, QUERIES } from "../schemas.js";

type IdParams = { Params: { id: number } };
type ClusterParams = { Params: { cluster: string } };

/** Changes, reviews, rollouts and rollbacks. */
export function changeRoutes(ctx: ControlContext): FastifyPluginAsync {
  return async (api) => {
    const tags = ["changes"];
    api.get<ClusterParams & { Querystring: { state?: string } }>(
      "/clusters/:cluster/changes",
      {
        config: { access: "viewer" },
        schema: { tags, params: PARAMS.cluster, querystring: QUERIES.changes },
      },
      (request) => listChanges(ctx, request.params.cluster, request.query.state),
    );
    api.post<ClusterParams & { Body: ProposeRequest }>(
      "/clusters/:cluster/changes",
      { config: { access: "operator" }, schema: { tags, params: PARAMS.cluster, body: BODIES.propose } },
      async (request, reply) =>
        reply.status(201).send(await propose(ctx, request.principal, request.params.cluster, request.body)),
    );
    api.get<IdParams>(
      "/changes/:id",
      { config: { access: "viewer" }, schema: { tags, params: PARAMS.id } },
      (request) => getChange(ctx, request.params.id),
    );
    api.post<IdParams>(
      "/changes/:id/submit",
      { config: { access: "operator" }, schema: { tags, params: PARAMS.id } },
      (request) => submit(ctx, request.principal, request.params.id),
    );
    api.post<IdParams & { Body: ReviewRequest }>(
      "/changes/:id/reviews",
      { config: { access: "approver" }, schema: { tags, params: PARAMS.id, body: BODIES.review } },
      (request) => review(ctx, request.principal, request.params.id, request.body),
    );
    api.post<IdParams>(
      "/changes/:id/rollout",
      { config: { access: "operator" }, schema: { tags, params: PARAMS.id } },
      async (request, reply) =>
        reply.status(201).send(await startRollout(ctx, request.principal, request.params.id)),
    );
    api.get<IdParams>(
      "/rollouts/:id",
      { config: { access: "viewer" }, schema: { tags, params: PARAMS.id } },
      (request) => getRollout(ctx, request.params.id),
    );
    api.post<ClusterParams & { Body: RollbackRequest }>(
      "/clusters/:cluster/rollback",
      { config: { access: "approver" }, schema: { tags, params: PARAMS.cluster, body: BODIES.rollback } },
      (request) => rollback(ctx, request.principal, request.params.cluster, request.body),
    );
  };
}
