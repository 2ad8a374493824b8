import type { Directive } from "../model/directive.js";
import type { Proxy } from "../model/proxy.js";
import type { SourceSpan } from "../model/span.js";
import { defineRule } from "./rule.js";

/** The three HTTP connection modes; setting one clears the others (PR_O_HTTP_MODE). */
const MODES = new Set(["httpclose", "http-server-close", "http-keep-alive"]);

/** Where a section's HTTP connection mode comes from. */
interface ModeState {
  /** The mode the section ends up with, undefined for HAProxy's default (keep-alive). */
  mode?: string;
  /** The section's own line that set it, when it set one. */
  own?: Directive;
  /** The mode inherited from defaults and the line that set it there. */
  inherited?: { mode: string; span: SourceSpan; via?: string };
}

/**
 * Contradicting HTTP connection modes. HAProxy keeps one mode per section: the last of
 * `option httpclose`, `option http-server-close` and `option http-keep-alive` replaces the
 * others, and on the server side any close mode of the frontend wins over the backend's
 * keep-alive. The lines that lost still read as if they applied.
 */
export default defineRule({
  meta: {
    id: "conflicting-http-close-options",
    severity: "warning",
    description:
      "Several HTTP connection modes (httpclose, http-server-close, http-keep-alive) are set where only one applies.",
    messages: {
      overriddenInSection:
        "'option {option}' has no effect: 'option {winner}' on line {line} of the same section replaces it",
      overridesInherited:
        "'option {option}' in {kind} '{proxy}' replaces 'option {inherited}' set in defaults{via}; the defaults line does not apply here",
      keepAliveIgnored:
        "'option http-keep-alive' in backend '{backend}' has no effect for traffic from frontend '{frontend}', whose 'option {frontendMode}' closes server connections after each request",
    },
    hints: {
      overriddenInSection: "Delete 'option {option}' and keep only the mode that applies.",
      overridesInherited:
        "If this override is intended, nothing breaks; if most sections override it, change the defaults section instead so the defaults say what really applies.",
      keepAliveIgnored:
        "Set 'option http-keep-alive' (or remove 'option {frontendMode}') in frontend '{frontend}' too, or drop the backend's line.",
    },
  },
  create(context) {
    const states = new Map<Proxy, ModeState>();
    const reported = new Set<string>();

    /** Computes a section's mode once, reporting what its own lines contradict. */
    const stateOf = (section: Proxy): ModeState => {
      const known = states.get(section);
      if (known) return known;
      const state: ModeState = {};
      let latest: { mode: string; span: SourceSpan; via?: string } | undefined;
      for (const name of MODES) {
        const e = section.options[name];
        if (e?.origin !== "defaults" || !e.value || !e.span) continue;
        if (!latest || e.span.line > latest.span.line)
          latest = { mode: name, span: e.span, ...(e.via ? { via: e.via } : {}) };
      }
      if (latest) {
        state.inherited = latest;
        state.mode = latest.mode;
      }
      for (const d of section.directives) {
        const name = d.args[0]?.text;
        if (d.keyword !== "option" || !name || !MODES.has(name)) continue;
        if (d.negated) {
          // 'no option X' only clears X when X is the mode in force.
          if (state.mode === name) {
            state.mode = undefined;
            state.own = undefined;
          }
          continue;
        }
        if (state.own && state.mode !== name) report(section, state.own, d);
        state.mode = name;
        state.own = d;
      }
      const own = state.own;
      const inherited = state.inherited;
      if (own && inherited && inherited.mode !== own.args[0]?.text) {
        // Overriding defaults is what defaults are for: worth a note, not a warning.
        context.report({
          messageId: "overridesInherited",
          data: {
            option: own.args[0]?.text ?? "",
            kind: section.kind,
            proxy: section.name || "(anonymous)",
            inherited: inherited.mode,
            via: inherited.via ? ` '${inherited.via}'` : "",
          },
          span: own.args[0]?.span ?? own.span,
          severity: "info",
          related: [{ message: "inherited from here", span: inherited.span }],
        });
      }
      states.set(section, state);
      return state;
    };

    function report(section: Proxy, loser: Directive, winner: Directive) {
      const key = `${loser.span.file}:${loser.span.line}`;
      if (reported.has(key)) return;
      reported.add(key);
      context.report({
        messageId: "overriddenInSection",
        data: {
          option: loser.args[0]?.text ?? "",
          winner: winner.args[0]?.text ?? "",
          line: winner.span.line,
          proxy: section.name,
        },
        span: loser.args[0]?.span ?? loser.span,
        related: [{ message: "replaced by this line", span: winner.span }],
      });
    }

    const keepAliveReported = new Set<Proxy>();
    return {
      config() {
        // Server-side connections close when either side asks for it (mux_h1), so a backend's
        // own keep-alive line is dead for traffic from a frontend in a close mode.
        for (const ref of context.index.references) {
          const backend = context.index.backendsByName.get(ref.backend);
          if (!backend || keepAliveReported.has(backend) || backend === ref.frontend) continue;
          if (ref.frontend.mode.value !== "http" || backend.mode.value !== "http") continue;
          const back = stateOf(backend);
          if (!back.own || back.mode !== "http-keep-alive") continue;
          const front = stateOf(ref.frontend);
          if (front.mode !== "httpclose" && front.mode !== "http-server-close") continue;
          keepAliveReported.add(backend);
          const frontSpan = front.own?.span ?? front.inherited?.span;
          context.report({
            messageId: "keepAliveIgnored",
            data: { backend: backend.name, frontend: ref.frontend.name, frontendMode: front.mode },
            span: back.own.args[0]?.span ?? back.own.span,
            ...(frontSpan ? { related: [{ message: "closes server connections", span: frontSpan }] } : {}),
          });
        }
      },
      defaults(section) {
        stateOf(section);
      },
      frontend(proxy) {
        stateOf(proxy);
      },
      backend(proxy) {
        stateOf(proxy);
      },
    };
  },
});
