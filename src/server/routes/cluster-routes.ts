import type { FastifyPluginAsync } from "fastify";
import type { ClusterPolicy, CreateClusterRequest, CreateNodeRequest } from "../../control/api-types.js";
import {
  createCluster,
  createNode,
  diffVersions,
  getCluster,
  getVersion,
  listClusters,
  listVersions,
  setPolicy,
} from "../../control/clusters.js";
import type { ControlContext } from "../../control/control-context.js";
import { BODIES, PARAMS, POLICY } from "../schemas.js";

type ClusterParams = { Params: { cluster: string } };

/** Clusters, their nodes and their versions. */
export function clusterRoutes(ctx: ControlContext): FastifyPluginAsync {
  return async (api) => {
    const tags = ["clusters"];
    api.get("/clusters", { config: { access: "viewer" }, schema: { tags } }, () => listClusters(ctx));
    api.post<{ Body: CreateClusterRequest }>(
      "/clusters",
      { config: { access: "admin" }, schema: { tags, body: BODIES.createCluster } },
      async (request, reply) =>
        reply.status(201).send(await createCluster(ctx, request.principal, request.body)),
    );
    api.get<ClusterParams>(
      "/clusters/:cluster",
      { config: { access: "viewer" }, schema: { tags, params: PARAMS.cluster } },
      (request) => getCluster(ctx, request.params.cluster),
    );
    api.put<ClusterParams & { Body: Partial<ClusterPolicy> }>(
      "/clusters/:cluster/policy",
      { config: { access: "admin" }, schema: { tags, params: PARAMS.cluster, body: POLICY } },
      (request) => setPolicy(ctx, request.principal, request.params.cluster, request.body),
    );
    api.get<ClusterParams>(
      "/clusters/:cluster/nodes",
      { config: { access: "viewer" }, schema: { tags, params: PARAMS.cluster } },
      async (request) => (await getCluster(ctx, request.params.cluster)).nodes,
    );
    api.post<ClusterParams & { Body: CreateNodeRequest }>(
      "/clusters/:cluster/nodes",
      { config: { access: "admin" }, schema: { tags, params: PARAMS.cluster, body: BODIES.createNode } },
      async (request, reply) =>
        reply
          .status(201)
          .send(await createNode(ctx, request.principal, request.params.cluster, request.body.name)),
    );
    api.get<ClusterParams>(
      "/clusters/:cluster/versions",
      { config: { access: "viewer" }, schema: { tags, params: PARAMS.cluster } },
      (request) => listVersions(ctx, request.params.cluster),
    );
    api.get<{ Params: { id: number } }>(
      "/versions/:id",
      { config: { access: "viewer" }, schema: { tags, params: PARAMS.id } },
      (request) => getVersion(ctx.store.db, request.params.id),
    );
    api.get<{ Params: { a: number; b: number } }>(
      "/versions/:a/diff/:b",
      { config: { access: "viewer" }, schema: { tags, params: PARAMS.diff } },
      (request) => diffVersions(ctx, request.params.a, request.params.b),
    );
  };
}
