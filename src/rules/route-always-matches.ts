import { defineRule } from "./rule.js";
import { aclsByName, conditionTruth } from "./semantics/condition-truth.js";

/**
 * A use_backend rule whose condition holds for every request takes all traffic: every later
 * rule and the default backend are dead. This is how `acl is_api path_beg /` sends the whole
 * site to the API servers.
 */
export default defineRule({
  meta: {
    id: "route-always-matches",
    severity: "error",
    description:
      "A use_backend condition matches every request, so later rules and the default backend never receive traffic.",
    messages: {
      shadowsOthers:
        "use_backend {backend} matches every request in frontend '{frontend}': {shadowed} can never be reached",
      matchesEverything:
        "use_backend {backend} matches every request; it acts as the default backend of '{frontend}'",
    },
    hints: {
      shadowsOthers:
        "Narrow the condition to the traffic meant for '{backend}' (e.g. 'path_beg /api/' rather than 'path_beg /'), or remove the rule.",
      matchesEverything: "Write 'default_backend {backend}' instead, so the intent is plain.",
    },
  },
  create(context) {
    return {
      frontend(frontend) {
        const acls = aclsByName(frontend);
        const firstAlways = frontend.routes.findIndex(
          (r) => r.condition && conditionTruth(r.condition, acls) === "always",
        );
        if (firstAlways < 0) return;
        const route = frontend.routes[firstAlways];
        if (!route?.condition) return;
        const later = frontend.routes.length - firstAlways - 1;
        const fallback = frontend.defaultBackend?.value;
        const parts: string[] = [];
        if (later > 0) parts.push(`${later} later use_backend rule${later === 1 ? "" : "s"}`);
        if (fallback && fallback !== route.backend) parts.push(`default backend '${fallback}'`);
        if (parts.length === 0) {
          context.report({
            messageId: "matchesEverything",
            data: { backend: route.backend, frontend: frontend.name },
            span: route.condition.span,
            severity: "info",
          });
          return;
        }
        const related = frontend.defaultBackend?.span
          ? [{ message: "never used", span: frontend.defaultBackend.span }]
          : [];
        context.report({
          messageId: "shadowsOthers",
          data: { backend: route.backend, frontend: frontend.name, shadowed: parts.join(" and the ") },
          span: route.condition.span,
          related,
        });
      },
    };
  },
});
