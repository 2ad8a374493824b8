import { defineRule } from "./rule.js";

/** A frontend sends traffic to a backend that does not exist. */
export default defineRule({
  meta: {
    id: "undefined-backend",
    severity: "error",
    description: "A use_backend or default_backend names a backend that is not defined.",
    messages: {
      undefinedBackend: "frontend '{frontend}' sends traffic to backend '{backend}', which is not defined",
    },
    hints: {
      undefinedBackend:
        "Define 'backend {backend}' or correct the name; HAProxy refuses to start with this reference.",
    },
  },
  create(context) {
    return {
      config() {
        for (const ref of context.index.references) {
          if (!context.index.backendsByName.has(ref.backend)) {
            context.report({
              messageId: "undefinedBackend",
              data: { frontend: ref.frontend.name, backend: ref.backend },
              span: ref.span,
            });
          }
        }
      },
    };
  },
});
