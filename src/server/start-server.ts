import type { FastifyInstance } from "fastify";
import { bootstrapAdmin } from "../control/access.js";
import type { ControlContext } from "../control/control-context.js";
import { DEFAULT_ALERT_RULES } from "../monitor/alert-config.js";
import { startAlertEvaluator } from "../monitor/alert-evaluator.js";
import { startMetricMaintenance } from "../monitor/metric-store.js";
import { startNotifier } from "../monitor/notify/notifier.js";
import type { AlertConfig } from "../monitor/types.js";
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
  /** Alert rules and webhook receivers; default: the shipped rules and no receivers. */
  alerts?: AlertConfig;
  /** Evaluate alerts and send notifications (default true). */
  monitor?: boolean;
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
    const stopMaintenance = startMetricMaintenance(ctx, {
      onError: (error) => app.log.error(error, "metric rollup and retention failed"),
    });
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    const alerts = options.alerts ?? { rules: [...DEFAULT_ALERT_RULES], receivers: [] };
    const monitoring = options.monitor === false ? undefined : startMonitoring(ctx, app, alerts, url);
    return {
      url,
      app,
      store,
      ctx,
      ...(bootstrapToken ? { bootstrapToken } : {}),
      close: async () => {
        await monitoring?.stop();
        await stopMaintenance();
        await app.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The alert evaluator, which queues notifications, and the notifier, which sends them. */
function startMonitoring(
  ctx: ControlContext,
  app: FastifyInstance,
  alerts: AlertConfig,
  url: string,
): { stop(): Promise<void> } {
  const notifier = startNotifier(ctx, {
    receivers: alerts.receivers,
    onError: (error) => app.log.error(error, "notification delivery failed"),
  });
  const evaluator = startAlertEvaluator(ctx, {
    config: alerts,
    links: { dashboard: url },
    onNotify: () => notifier.kick(),
    onError: (error) => app.log.error(error, "alert evaluation failed"),
  });
  return {
    async stop() {
      await evaluator.stop();
      await notifier.stop();
    },
  };
}
