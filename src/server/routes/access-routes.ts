import type { FastifyPluginAsync } from "fastify";
import type { CreateTokenRequest, CreateUserRequest, WhoAmI } from "../../control/api-types.js";
import { createUser, createUserToken, listTokens, listUsers, revokeToken } from "../../control/access.js";
import type { ControlContext } from "../../control/control-context.js";
import { BODIES, PARAMS } from "../schemas.js";

/** Users, tokens and `whoami`. */
export function accessRoutes(ctx: ControlContext): FastifyPluginAsync {
  return async (api) => {
    api.get("/whoami", { config: { access: "any" }, schema: { tags: ["access"] } }, (request): WhoAmI => {
      const p = request.principal;
      return {
        name: p.name,
        role: p.role,
        token: p.tokenId,
        ...(p.cluster ? { cluster: p.cluster, node: p.node } : {}),
      };
    });
    api.get("/users", { config: { access: "admin" }, schema: { tags: ["access"] } }, () => listUsers(ctx));
    api.post<{ Body: CreateUserRequest }>(
      "/users",
      { config: { access: "admin" }, schema: { tags: ["access"], body: BODIES.createUser } },
      async (request, reply) =>
        reply.status(201).send(await createUser(ctx, request.principal, request.body)),
    );
    api.get("/tokens", { config: { access: "admin" }, schema: { tags: ["access"] } }, () => listTokens(ctx));
    api.post<{ Body: CreateTokenRequest }>(
      "/tokens",
      { config: { access: "admin" }, schema: { tags: ["access"], body: BODIES.createToken } },
      async (request, reply) =>
        reply.status(201).send(await createUserToken(ctx, request.principal, request.body)),
    );
    api.delete<{ Params: { id: string } }>(
      "/tokens/:id",
      { config: { access: "admin" }, schema: { tags: ["access"], params: PARAMS.tokenId } },
      (request) => revokeToken(ctx, request.principal, request.params.id),
    );
  };
}
