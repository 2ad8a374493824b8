import type { Config, StatsSocket } from "../model/config.js";
import type { SourceSpan } from "../model/span.js";
import { defineRule } from "./rule.js";

/** Where a configuration-wide finding goes: the global section, else the top of the first file. */
function configSpan(config: Config): SourceSpan {
  if (config.global.span) return config.global.span;
  const file = config.files[0] ?? "";
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1 };
}

/** What a socket lacks to serve both seamless reloads and runtime changes. */
function missing(socket: StatsSocket): string {
  return socket.level === "admin" ? "'expose-fd listeners'" : "'level admin' and 'expose-fd listeners'";
}

/**
 * Outside master-worker mode, a reload hands the listening sockets to the new process only
 * through a stats socket with `expose-fd listeners`; without one, the new process binds anew and
 * connections that arrive in between can be refused. The same socket at `level admin` is what
 * runtime changes (drain, weights, maintenance) go through.
 */
export default defineRule({
  meta: {
    id: "stats-socket-not-reload-ready",
    severity: "warning",
    description:
      "No admin stats socket with 'expose-fd listeners' (and no master-worker mode): reloads can refuse connections and runtime changes are impossible.",
    messages: {
      noStatsSocket:
        "the global section has no stats socket and no master-worker mode: a reload cannot pass the listening sockets on, and servers cannot be drained at runtime",
      notReloadReady:
        "no stats socket has 'expose-fd listeners' (stats socket {address} lacks {missing}): a reload cannot pass the listening sockets to the new process, so connections arriving during it can be refused",
      notAdmin:
        "stats socket {address} passes the listeners on reload but is not at 'level admin': servers cannot be drained, weighted or put in maintenance at runtime",
    },
    hints: {
      noStatsSocket:
        "Add 'stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners' to global (or run HAProxy in master-worker mode with 'master-worker' or -W).",
      notReloadReady:
        "Add {missing} to this line, e.g. 'stats socket {address} mode 660 level admin expose-fd listeners'.",
      notAdmin: "Add 'level admin' to this line and keep it readable only by the haproxy group (mode 660).",
    },
  },
  create(context) {
    return {
      global(global) {
        // In master-worker mode the master passes the listeners to new workers by itself.
        if (global.masterWorker?.value) return;
        const sockets = global.statsSockets;
        if (sockets.length === 0) {
          context.report({ messageId: "noStatsSocket", span: configSpan(context.config) });
          return;
        }
        // The two needs may be met by two different sockets.
        const exposing = sockets.find((s) => s.exposeFdListeners);
        const admin = sockets.find((s) => s.level === "admin");
        if (exposing && admin) return;
        if (exposing) {
          context.report({
            messageId: "notAdmin",
            data: { address: exposing.address.text },
            span: exposing.span,
          });
          return;
        }
        const candidate = admin ?? (sockets[0] as StatsSocket);
        context.report({
          messageId: "notReloadReady",
          data: { address: candidate.address.text, missing: missing(candidate) },
          span: candidate.span,
        });
      },
    };
  },
});
