import { defineRule } from "./rule.js";

/**
 * Retries without `option redispatch` go back to the server that just failed. With several
 * servers, redispatch lets the last retry pick another one; with cookie persistence it is also
 * what unsticks clients from a dead server.
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
        "{kind} '{backend}' uses cookie persistence without 'option redispatch': clients pinned to a dead server keep failing",
    },
    hints: {
      noRedispatch:
        "Add 'option redispatch' (in the backend or the defaults section) so a retry can use another server.",
      stickyNoRedispatch:
        "Add 'option redispatch' so a client whose server is down is sent to another one instead of getting errors.",
    },
  },
  create(context) {
    return {
      backend(backend) {
        if (backend.servers.length < 2) return;
        const retries = backend.retries?.value ?? 3;
        if (retries <= 0 || backend.options.redispatch?.value) return;
        const sticky = backend.directives.some((d) => d.keyword === "cookie");
        const data = { kind: backend.kind, backend: backend.name, retries };
        context.report({
          messageId: sticky ? "stickyNoRedispatch" : "noRedispatch",
          data,
          span: backend.nameSpan,
          // A pinned client cannot leave a dead server on its own: more than a missed optimisation.
          ...(sticky ? { severity: "warning" as const } : {}),
        });
      },
    };
  },
});
