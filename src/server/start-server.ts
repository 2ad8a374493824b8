import type { FastifyInstance } from "fastify";
import { bootstrapAdmin } from "../control/access.js";
import type { ControlContext } from "../control/control-context.js";
import { openStore, type Store } from "../store/database.js";
import { buildApp } from "./app.js";

export interface StartOptions {
  /** A PostgreSQL URL, `sqlite:PATH`, or absent for SQLite in `dataDir`. */
  database?: string;
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  bodyLimit?: number;
  /** The haproxy binary for `haproxy -c` on proposals; absent: lbguard's checks only. */
  haproxy?: string;
  logger?: boolean;
  clock?: () => number;
}

export interface RunningServer {
  /** `http://HOST:PORT`. */
  url: string;
  app: FastifyInstance;
  store: Store;
  ctx: ControlContext;
  /** An admin token, when this start created the first user (shown once). */
  bootstrapToken?: string;
  close(): Promise<void>;
}

/**
 * Opens (and migrates) the store, creates the first admin on an empty one, and listens. Several
 * servers may share one PostgreSQL store; each answers for every cluster.
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const store = await openStore({
    ...(options.database ? { database: options.database } : {}),
    dataDir: options.dataDir,
  });
  const ctx: ControlContext = {
    store,
    clock: options.clock ?? Date.now,
    ...(options.haproxy ? { haproxy: options.haproxy } : {}),
  };
  try {
    const bootstrapToken = await bootstrapAdmin(ctx);
    const app = await buildApp(ctx, {
      ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
    const host = options.host ?? "127.0.0.1";
    await app.listen({ host, port: options.port ?? 8700 });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : options.port;
    return {
      url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
      app,
      store,
      ctx,
      ...(bootstrapToken ? { bootstrapToken } : {}),
      close: async () => {
        await app.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
