import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import { PACKAGE_ROOT } from "../../cli/package-files.js";

/** Where `npm run build` puts the dashboard (web/ built by Vite). */
export const DASHBOARD_DIR = join(PACKAGE_ROOT, "dist", "web");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

/**
 * The page loads only what this server serves: no CDN, no inline script. Inline styles stay
 * allowed because the chart library sizes its canvas through style attributes.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/**
 * The web dashboard at `/`: the page itself and its hashed assets, public like any login page
 * (the data behind it comes from /api/v1 with the signed-in token).
 */
export function dashboardRoutes(dir = DASHBOARD_DIR): FastifyPluginAsync {
  return async (app) => {
    const options = { config: { access: "none" as const }, schema: { hide: true } };
    app.get("/", options, (_request, reply) => sendFile(reply, dir, "index.html", "no-cache"));
    app.get<{ Params: { "*": string } }>("/assets/*", options, (request, reply) =>
      // Asset names carry a content hash: a new build has new names, so they can be kept forever.
      sendFile(reply, dir, join("assets", request.params["*"]), "public, max-age=31536000, immutable"),
    );
  };
}

async function sendFile(reply: FastifyReply, dir: string, name: string, cacheControl: string) {
  const path = normalize(join(dir, name));
  if (!path.startsWith(normalize(dir + "/"))) return reply.status(404).send();
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch {
    if (name === "index.html") {
      return reply
        .status(503)
        .type("text/plain; charset=utf-8")
        .send(
          `The dashboard is not built (${path} is missing). Run 'npm run build' in lbguard's directory.\n`,
        );
    }
    return reply.status(404).type("text/plain; charset=utf-8").send("not found\n");
  }
  return reply
    .header("content-type", CONTENT_TYPES[extname(path)] ?? "application/octet-stream")
    .header("cache-control", cacheControl)
    .header("content-security-policy", CONTENT_SECURITY_POLICY)
    .header("x-content-type-options", "nosniff")
    .send(body);
}
