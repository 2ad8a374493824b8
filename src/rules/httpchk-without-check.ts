import { defineRule } from "./rule.js";

/**
 * A backend that configures an HTTP health check but enables checks on none of its servers:
 * the check never runs, and a dead server stays in rotation although the author believes it is
 * watched.
 */
export default defineRule({
  meta: {
    id: "httpchk-without-check",
    severity: "warning",
    description: "A backend configures an HTTP health check, but no server has 'check', so it never runs.",
    messages: {
      checkNeverRuns:
        "backend '{backend}' configures an HTTP health check, but none of its servers has 'check', so the check never runs",
    },
    hints: {
      checkNeverRuns:
        "Add 'check' to the server lines of '{backend}' (or 'default-server check'); without it HAProxy never probes the servers.",
    },
  },
  create(context) {
    return {
      backend(backend) {
        if (backend.servers.length === 0) return;
        // Only what the section itself writes: an 'option httpchk' inherited from a defaults
        // section is meant for the backends that do check, not a mistake in this one.
        const option = backend.options.httpchk;
        const written =
          option?.value === true && option.origin === "section"
            ? option.span
            : backend.httpCheckRules[0]?.span;
        if (!written) return;
        if (backend.servers.some((s) => s.settings.check.value)) return;
        context.report({ messageId: "checkNeverRuns", data: { backend: backend.name }, span: written });
      },
    };
  },
});
