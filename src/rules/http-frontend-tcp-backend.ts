import { defineRule } from "./rule.js";

/**
 * An HTTP frontend that hands requests to a TCP backend. HAProxy cannot switch an HTTP stream
 * to a raw TCP backend and refuses to start ("tries to use incompatible tcp backend").
 */
export default defineRule({
  meta: {
    id: "http-frontend-tcp-backend",
    severity: "error",
    description: "A frontend in mode http sends traffic to a backend in mode tcp.",
    messages: {
      tcpBackend: "http frontend '{frontend}' sends traffic to backend '{backend}', which is in mode tcp",
    },
    hints: {
      tcpBackend:
        "Set 'mode http' in backend '{backend}', or route this traffic from a 'mode tcp' frontend; HAProxy refuses to start with this pairing.",
    },
  },
  create(context) {
    return {
      config() {
        for (const ref of context.index.references) {
          if (ref.frontend.mode.value !== "http") continue;
          const backend = context.index.backendsByName.get(ref.backend);
          if (!backend || backend === ref.frontend || backend.mode.value !== "tcp") continue;
          const modeSpan = backend.mode.span ?? backend.headerSpan;
          context.report({
            messageId: "tcpBackend",
            data: { frontend: ref.frontend.name, backend: ref.backend },
            span: ref.span,
            related: [
              {
                message: backend.mode.span ? "backend mode set here" : "backend is in tcp mode by default",
                span: modeSpan,
              },
            ],
          });
        }
      },
    };
  },
});
