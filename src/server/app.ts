import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import swagger from "@fastify/swagger";
import { LbguardError, ERRORS, type ErrorCode } from "../errors.js";
import type { ApiError, TokenRole } from "../control/api-types.js";
import { authenticate } from "../control/access.js";
import type { ControlContext, Principal } from "../control/control-context.js";
import { roleAllows } from "../control/roles.js";
import { packageVersion } from "../cli/package-files.js";
import { accessRoutes } from "./routes/access-routes.js";
import { agentRoutes } from "./routes/agent-routes.js";
import { alertRoutes } from "./routes/alert-routes.js";
import { auditRoutes } from "./routes/audit-routes.js";
import { changeRoutes } from "./routes/change-routes.js";
import { dashboardRoutes } from "./routes/dashboard-routes.js";
import { clusterRoutes } from "./routes/cluster-routes.js";
import { incidentRoutes } from "./routes/incident-routes.js";
import { metricsRoutes } from "./routes/metrics-routes.js";
import { trafficRoutes } from "./routes/traffic-routes.js";
import { reviewAidRoutes } from "./routes/review-aid-routes.js";

/** Who may call a route: a role (or stronger), `agent`, `any` signed-in token, or `none` (public). */
export type RouteAccess = TokenRole | "any" | "none";

/** One route and who may call it. */
export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess | undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal;
  }
  interface FastifyInstance {
    /** Every route with its access rule, for the role tests and the docs. */
    routeTable: RouteEntry[];
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export interface ServerOptions {
  /** Largest request body in bytes (default 4 MiB). */
  bodyLimit?: number;
  logger?: boolean;
}

/** The default largest body: a large haproxy.cfg is a few hundred KiB. */
export const DEFAULT_BODY_LIMIT = 4 * 1024 * 1024;

/**
 * The control plane's HTTP API: one Fastify instance with the auth hook, the error mapping and
 * one plugin per area, registered here and nowhere else. Every route declares who may call it;
 * a route that forgets is refused to everyone, never open.
 */
export async function buildApp(ctx: ControlContext, options: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Closing ends every connection, long polls included: an agent whose poll was cut retries,
    // while waiting for polls a client abandoned could hold the shutdown indefinitely.
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: "array", allErrors: false } },
  });
  app.decorateRequest("principal", null as unknown as Principal);
  const routeTable: RouteEntry[] = [];
  app.decorate("routeTable", routeTable);
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      if (method === "HEAD") continue;
      routeTable.push({
        method,
        url: route.url,
        access: (route.config as { access?: RouteAccess } | undefined)?.access,
      });
    }
  });
  // Long polls end when the server closes, rather than holding its shutdown for their wait.
  const closing = new AbortController();
  app.addHook("preClose", async () => closing.abort());
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "lbguard control plane", version: packageVersion() },
      components: { securitySchemes: { token: { type: "http", scheme: "bearer" } } },
      security: [{ token: [] }],
    },
  });

  app.addHook("onRequest", async (request) => {
    // Unknown URLs (no route) still need a token, then answer 404.
    const access = request.routeOptions.config.access ?? (request.routeOptions.url ? undefined : "any");
    if (access === "none") return;
    const header = request.headers.authorization;
    const token = header?.startsWith("Bearer ") ? header.slice("Bearer ".length).trim() : undefined;
    request.principal = await authenticate(ctx, token);
    const role = request.principal.role;
    const allowed = access === "any" || (access !== undefined && roleAllows(role, access));
    if (!allowed) {
      throw new LbguardError("LBG_FORBIDDEN", {
        detail:
          access === "agent"
            ? "only an agent token can do this"
            : `this needs the ${access ?? "(undeclared)"} role; the token is ${role}`,
      });
    }
  });

  app.setErrorHandler((error: FastifyError | LbguardError, request, reply) => {
    const { status, body } = errorAnswer(error);
    if (status >= 500) request.log.error(error);
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const body: ApiError = {
      code: "LBG_NOT_FOUND",
      message: `there is no ${request.method} ${request.url.split("?")[0] ?? ""}`,
      hint: "docs/api.md lists the endpoints.",
    };
    return reply.status(404).send(body);
  });

  await app.register(
    async (api) => {
      api.get("/health", { config: { access: "none" }, schema: { hide: true } }, () => ({
        ok: true,
        version: packageVersion(),
      }));
      api.get("/openapi.json", { config: { access: "viewer" }, schema: { hide: true } }, () => app.swagger());
      await api.register(accessRoutes(ctx));
      await api.register(clusterRoutes(ctx));
      await api.register(changeRoutes(ctx));
      await api.register(reviewAidRoutes(ctx));
      await api.register(agentRoutes(ctx, closing.signal));
      await api.register(auditRoutes(ctx));
      await api.register(incidentRoutes(ctx));
      await api.register(alertRoutes(ctx));
      await api.register(trafficRoutes(ctx));
    },
    { prefix: "/api/v1" },
  );
  // At the root: Prometheus scrapes /metrics; the plugin puts its API routes under /api/v1.
  await app.register(metricsRoutes(ctx));
  await app.register(dashboardRoutes());
  return app;
}

function apiError(code: ErrorCode, message: string): { status: number; body: ApiError } {
  const entry = ERRORS[code];
  return { status: entry.httpStatus, body: { code, message, hint: entry.hint } };
}

/**
 * The one place errors become answers, by code: catalog errors keep theirs, Fastify's own
 * (validation, body size, bad JSON) get the catalog's, anything else is LBG_INTERNAL.
 */
export function errorAnswer(error: FastifyError | LbguardError): { status: number; body: ApiError } {
  if (error instanceof LbguardError) return apiError(error.code, error.message);
  if (error.validation) {
    const first = error.validation[0];
    const field = `${error.validationContext ?? "body"}${first?.instancePath.replace(/\//g, ".") ?? ""}`;
    const missing =
      (first?.params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {};
    const named = missing.missingProperty
      ? `${field}.${missing.missingProperty}: is required`
      : missing.additionalProperty
        ? `${field}.${missing.additionalProperty}: is not a known field`
        : `${field}: ${first?.message ?? "is not valid"}`;
    return apiError("LBG_BAD_REQUEST", named);
  }
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE")
    return apiError("LBG_TOO_LARGE", "the request body is over the server's limit");
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return apiError("LBG_BAD_REQUEST", error.message);
  }
  return apiError("LBG_INTERNAL", "the server failed to answer this request");
}
