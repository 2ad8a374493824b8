import type { StatsSocket } from "../model/config.js";
import { defineRule } from "./rule.js";
import { configSpan } from "./semantics/config-span.js";

/** What a socket lacks to serve both seamless reloads and runtime changes. */
function missing(socket: StatsSocket): string {
  return socket.level === "admin" ? "'expose-fd listeners'" : "'level admin' and 'expose-fd listeners'";
}

/**
 * Outside master-worker mode, a reload hands the listening sockets to the new process only
 * through a stats socket with `expose-fd listeners`; without one, the new process binds anew and
 * connections that arrive in between can be refused. The same socket at `level admin` is what
 * runtime changes (drain, weights, maintenance) go through, unless a master CLI (`-S`) is there.
 *
 * Master-worker mode is usually chosen on the command line (`-W`/`-Ws`), which lbguard cannot
 * see: Debian's and RHEL's service units and the official container image all start HAProxy that
 * way. So the finding is informational and its messages say what they assume; it still matters
 * for HAProxy started by hand or by an init script.
 */
export default defineRule({
  meta: {
    id: "stats-socket-not-reload-ready",
    severity: "info",
    description:
      "No admin stats socket with 'expose-fd listeners' and no 'master-worker' in global: unless HAProxy is started with -W/-Ws, reloads can refuse connections.",
    messages: {
      noStatsSocket:
        "the global section has no stats socket: unless HAProxy runs in master-worker mode (-W/-Ws, as Debian's and RHEL's service units and the official image start it), a reload cannot pass the listening sockets on, and without a master CLI (-S) servers cannot be drained at runtime",
      notReloadReady:
        "no stats socket has 'expose-fd listeners' (stats socket {address} lacks {missing}): unless HAProxy runs in master-worker mode (-W/-Ws, as Debian's and RHEL's service units and the official image start it), a reload cannot pass the listening sockets to the new process, so connections arriving during it can be refused",
      notAdmin:
        "stats socket {address} passes the listeners on reload but is not at 'level admin': without a master CLI (-S), servers cannot be drained, weighted or put in maintenance at runtime",
    },
    hints: {
      noStatsSocket:
        "If HAProxy is started without -W/-Ws, add 'stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners' to global; if it runs in master-worker mode, say so with 'master-worker' in global.",
      notReloadReady:
        "If HAProxy is started without -W/-Ws, add {missing} to this line, e.g. 'stats socket {address} mode 660 level admin expose-fd listeners'; if it runs in master-worker mode, say so with 'master-worker' in global.",
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
