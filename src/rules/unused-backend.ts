import { defineRule } from "./rule.js";
import { backendMentions } from "./semantics/backend-mentions.js";

/**
 * A backend section no frontend sends traffic to: a leftover after a migration, or a backend the
 * author believes is live while a typo in use_backend sends its traffic elsewhere.
 */
export default defineRule({
  meta: {
    id: "unused-backend",
    severity: "warning",
    description: "A backend is never named by use_backend or default_backend, so it receives no traffic.",
    messages: {
      unusedBackend:
        "backend '{backend}' is never used: no use_backend, default_backend, stick table or fetch names it",
    },
    hints: {
      unusedBackend:
        "Route to it with 'use_backend {backend} if ...' or 'default_backend {backend}' if it should serve, or remove it.",
    },
  },
  create(context) {
    return {
      config(config) {
        // A fragment without any frontend (one file of a conf.d) cannot tell what is used.
        if (config.frontends.length === 0) return;
        const { index } = context;
        const candidates = config.backends.filter(
          (b) => b.kind === "backend" && !index.referencedBackends.has(b.name),
        );
        if (candidates.length === 0) return;
        const mentions = backendMentions(config);
        // A dynamic use_backend (or an SPOE file) may name it where lbguard cannot see.
        const severity = index.hasDynamicRoutes || mentions.external ? "info" : undefined;
        for (const backend of candidates) {
          if (mentions.names.has(backend.name)) continue;
          context.report({
            messageId: "unusedBackend",
            data: { backend: backend.name },
            span: backend.nameSpan,
            ...(severity ? { severity } : {}),
          });
        }
      },
    };
  },
});
