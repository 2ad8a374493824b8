import type { BackendReference } from "./config-index.js";
import { defineRule } from "./rule.js";

/** How many inheriting sections a finding names before it only counts the rest. */
const NAMED_SECTIONS = 3;

/** A frontend sends traffic to a backend that does not exist. */
export default defineRule({
  meta: {
    id: "undefined-backend",
    severity: "error",
    description: "A use_backend or default_backend names a backend that is not defined.",
    messages: {
      undefinedBackend: "{kind} '{frontend}' sends traffic to backend '{backend}', which is not defined",
      undefinedInDefaults:
        "default_backend '{backend}' in a defaults section names a backend that is not defined; {count} section(s) inherit it: {frontends}",
    },
    hints: {
      undefinedBackend:
        "Define 'backend {backend}' or correct the name; HAProxy refuses to start with this reference.",
      undefinedInDefaults:
        "Define 'backend {backend}' or correct the name in the defaults section; HAProxy refuses to start with this reference (it reports it once for each section that inherits it).",
    },
  },
  create(context) {
    return {
      config() {
        const { backendsByName, references } = context.index;
        // A default_backend inherited from defaults is one line, reported once at that line.
        const bySpan = new Map<string, BackendReference[]>();
        for (const ref of references) {
          if (backendsByName.has(ref.backend)) continue;
          const key = `${ref.span.file}:${ref.span.line}:${ref.span.column}`;
          const group = bySpan.get(key);
          if (group) group.push(ref);
          else bySpan.set(key, [ref]);
        }
        for (const group of bySpan.values()) {
          const ref = group[0] as BackendReference;
          if (ref.route || ref.frontend.defaultBackend?.origin !== "defaults") {
            context.report({
              messageId: "undefinedBackend",
              data: { kind: ref.frontend.kind, frontend: ref.frontend.name, backend: ref.backend },
              span: ref.span,
            });
            continue;
          }
          const names = group.slice(0, NAMED_SECTIONS).map((r) => `${r.frontend.kind} '${r.frontend.name}'`);
          const rest = group.length - names.length;
          context.report({
            messageId: "undefinedInDefaults",
            data: {
              backend: ref.backend,
              count: group.length,
              frontends: rest > 0 ? `${names.join(", ")} and ${rest} more` : names.join(", "),
            },
            span: ref.span,
            related: group.map((r) => ({
              message: `${r.frontend.kind} '${r.frontend.name}' inherits it`,
              span: r.frontend.nameSpan,
            })),
          });
        }
      },
    };
  },
});
