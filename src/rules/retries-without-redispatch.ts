import type { Proxy } from "../model/proxy.js";
import type { Server } from "../model/server.js";
import { defineRule } from "./rule.js";
import { isHealthChecked } from "./semantics/server-pool.js";

/** The backend's own `cookie` line, which sets up cookie persistence. */
function cookieLine(backend: Proxy) {
  return backend.directives.find((d) => d.keyword === "cookie");
}

/**
 * Retries without `option redispatch` go back to the server that just failed. With several
 * servers, redispatch lets the last retry pick another one; with cookie persistence it is also
 * what moves clients off a server that stopped answering before its health check notices.
 *
 * HAProxy ignores a cookie that names a server marked down, so a health check ends the pinning
 * on its own (checked on 2.6.12). A server that clients can be pinned to and that has no check
 * is never marked down: its clients fail for as long as it is dead, which is a warning.
 */
export default defineRule({
  meta: {
    id: "retries-without-redispatch",
    severity: "info",
    description: "A backend with several servers retries failed connections without option redispatch.",
    messages: {
      noRedispatch:
        "{kind} '{backend}' retries failed connections {retries} times on the same server: 'option redispatch' is not set",
      stickyNoRedispatch:
        "{kind} '{backend}' uses cookie persistence without 'option redispatch': clients pinned to a server that stops answering keep failing until the health check marks it down",
      stickyUnchecked:
        "{kind} '{backend}' uses cookie persistence without 'option redispatch', and server '{server}' has no health check: clients pinned to it keep failing for as long as it is down",
    },
    hints: {
      noRedispatch:
        "Add 'option redispatch' (in the backend or the defaults section) so a retry can use another server.",
      stickyNoRedispatch:
        "Add 'option redispatch' so a client whose server does not answer is sent to another one instead of getting errors.",
      stickyUnchecked:
        "Add 'option redispatch', and 'check' to the server line of '{server}' so HAProxy marks it down and stops honouring its cookie.",
    },
  },
  create(context) {
    return {
      backend(backend) {
        if (backend.servers.length < 2) return;
        const retries = backend.retries?.value ?? 3;
        if (retries <= 0 || backend.options.redispatch?.value) return;
        const data = { kind: backend.kind, backend: backend.name, retries };
        const cookie = cookieLine(backend);
        if (!cookie) {
          context.report({ messageId: "noRedispatch", data, span: backend.nameSpan });
          return;
        }
        // Clients are pinned to servers with a cookie value, or to every server with `dynamic`;
        // HAProxy ignores cookies that name a server in maintenance.
        const dynamic = cookie.args.some((w) => w.text === "dynamic");
        const pinnable = (s: Server) =>
          !s.settings.disabled.value && (dynamic || s.settings.options.cookie !== undefined);
        const unchecked = backend.servers.find((s) => pinnable(s) && !isHealthChecked(s));
        if (unchecked) {
          context.report({
            messageId: "stickyUnchecked",
            data: { ...data, server: unchecked.name },
            span: backend.nameSpan,
            // Nothing ends the pinning while that server is dead: more than a missed optimisation.
            severity: "warning",
            related: [
              { message: `server '${unchecked.name}' has no health check`, span: unchecked.nameSpan },
            ],
          });
          return;
        }
        context.report({ messageId: "stickyNoRedispatch", data, span: backend.nameSpan });
      },
    };
  },
});
