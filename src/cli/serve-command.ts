import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import { haproxyBinary } from "../haproxy/runtime/process-helpers.js";
import { DEFAULT_ALERT_RULES, readAlertConfig } from "../monitor/alert-config.js";
import type { Receiver } from "../monitor/types.js";
import { DEFAULT_BODY_LIMIT } from "../server/app.js";
import { startServer } from "../server/start-server.js";
import { DEFAULT_DATA_DIR } from "./node-options.js";

export const SERVE_HELP = `Usage: lbguard serve [options]

Runs the control plane: the REST API under /api/v1 (docs/api.md) that keeps every cluster's
versions, changes, reviews, rollouts and hash-chained event log, and that agents long-poll
for the version their node should run. Migrations run on start. On an empty store it creates
the user 'admin' and prints an admin token once; keep it, it is not shown again. The web
dashboard is at the same address, at / (sign in with any user's token; docs/dashboard.md).

Options:
  --database URL         PostgreSQL (postgres://USER@HOST:PORT/DB) for several replicas;
                         default $DATABASE_URL, else SQLite at DATA/lbguard.db
  --data DIR             data directory for the SQLite store (default ${DEFAULT_DATA_DIR})
  --listen HOST:PORT     where to listen (default 127.0.0.1:8700)
  --body-limit BYTES     largest request body (default ${DEFAULT_BODY_LIMIT})
  --haproxy-check        also run haproxy -c on proposed configurations (needs HAProxy on
                         this host, and any files the configuration names)
  --haproxy PATH         the haproxy binary for --haproxy-check
  --alert-rules FILE     alert rules and webhook receivers in YAML, merged over the shipped
                         rules (docs/alerts.md)
  --webhook URL          also notify this webhook of alerts (generic JSON; repeatable;
                         slack:URL for a Slack-compatible body)
  --no-monitor           do not evaluate alerts or send notifications on this replica
  --log                  log each request as JSON lines on stderr
  --json                 print the address (and the first admin token) as JSON
  -h, --help             show this help

Every second it evaluates the alert rules over the stats the agents stream; a firing alert
names its suspect changes, notifies the webhooks (retried until delivered) and, when critical,
opens an incident. Prometheus scrapes /metrics with any valid token.

Stops on SIGINT or SIGTERM, after answering the requests in flight.

Exit codes: 0 stopped cleanly, 1 the store or the address failed, 2 usage error.
`;

/** HOST:PORT (IPv6 in brackets) into its parts. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new LbguardError("LBG_USAGE", {
      detail: `--listen ${value}: expected HOST:PORT, e.g. 127.0.0.1:8700`,
    });
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

/** `--webhook URL` or `--webhook slack:URL` as a receiver of warnings and above. */
export function webhookReceiver(value: string, index: number): Receiver {
  const slack = value.startsWith("slack:");
  const url = slack ? value.slice("slack:".length) : value;
  if (!/^https?:\/\/[^/\s]+/.test(url)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `--webhook ${value}: expected an http(s) URL, or slack:URL`,
    });
  }
  return { name: `webhook-${index + 1}`, url, format: slack ? "slack" : "generic", minSeverity: "warning" };
}

/** `lbguard serve`. */
export async function serveCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  stopSignal?: AbortSignal,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      database: { type: "string" },
      data: { type: "string" },
      listen: { type: "string", default: "127.0.0.1:8700" },
      "body-limit": { type: "string" },
      "haproxy-check": { type: "boolean", default: false },
      haproxy: { type: "string" },
      "alert-rules": { type: "string" },
      webhook: { type: "string", multiple: true, default: [] },
      "no-monitor": { type: "boolean", default: false },
      log: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    out(SERVE_HELP);
    return 0;
  }
  const { host, port } = parseListen(values.listen);
  const bodyLimit = values["body-limit"] === undefined ? undefined : Number(values["body-limit"]);
  if (bodyLimit !== undefined && !(Number.isInteger(bodyLimit) && bodyLimit > 0)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `--body-limit ${values["body-limit"]}: expected a number of bytes`,
    });
  }
  const alerts = values["alert-rules"]
    ? await readAlertConfig(values["alert-rules"])
    : { rules: [...DEFAULT_ALERT_RULES], receivers: [] };
  alerts.receivers.push(...values.webhook.map(webhookReceiver));
  const server = await startServer({
    alerts,
    monitor: !values["no-monitor"],
    dataDir: values.data ?? DEFAULT_DATA_DIR,
    ...(values.database ? { database: values.database } : {}),
    host,
    port,
    ...(bodyLimit ? { bodyLimit } : {}),
    ...(values["haproxy-check"] ? { haproxy: haproxyBinary(values.haproxy) } : {}),
    logger: values.log,
  });
  if (values.json) {
    out(
      `${JSON.stringify({ url: server.url, store: server.store.label, ...(server.bootstrapToken ? { adminToken: server.bootstrapToken } : {}) })}\n`,
    );
  } else {
    out(`lbguard serve: listening on ${server.url}/api/v1 (store ${server.store.label})\n`);
    if (server.bootstrapToken) {
      out(
        `First start: an admin token for user 'admin' (shown once, keep it):\n  ${server.bootstrapToken}\n`,
      );
      out(`  export LBGUARD_SERVER=${server.url} LBGUARD_TOKEN=${server.bootstrapToken}\n`);
    }
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    stopSignal?.addEventListener("abort", stop, { once: true });
  });
  await server.close();
  err("lbguard serve: stopped\n");
  return 0;
}
