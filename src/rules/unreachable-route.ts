import type { Acl, Condition, ConditionTerm } from "../model/condition.js";
import type { Route } from "../model/proxy.js";
import { defineRule } from "./rule.js";
import { deterministicTerm, termKey } from "./semantics/condition-keys.js";
import { aclsByName, conditionTruth } from "./semantics/condition-truth.js";

/**
 * A use_backend rule that can never be taken: an earlier rule takes every request, its own
 * condition is always false, or earlier rules already take every request it would match
 * (`if a` before `if a b`, or the same condition twice). Usually a rule added at the end of the
 * list that was meant to go first.
 */
export default defineRule({
  meta: {
    id: "unreachable-route",
    severity: "warning",
    description: "A use_backend rule can never be taken because of its condition or of earlier rules.",
    messages: {
      afterCatchAll:
        "use_backend {backend} is never reached: the rule on line {line} (use_backend {shadowBackend}) takes every request first",
      neverMatches: "use_backend {backend} never matches: its condition is false for every request",
      shadowed:
        "use_backend {backend} is never reached: every request it matches is already sent to {shadowBackends} by the earlier rule on line {line}",
    },
    hints: {
      afterCatchAll:
        "Move this rule above line {line} or narrow that rule's condition; use_backend rules are tried in order and the first match wins.",
      neverMatches: "Correct the condition so it can match, or delete the rule.",
      shadowed:
        "Put the more specific rule first, or delete this one; use_backend rules are tried in order and the first match wins.",
    },
  },
  create(context) {
    return {
      frontend(frontend) {
        const acls = aclsByName(frontend);
        let catchAll: Route | undefined;
        // Alternatives (AND-ed term sets) of earlier rules, keyed by their sorted terms.
        const covered = new Map<string, Route>();
        for (const route of frontend.routes) {
          const backend = route.backend;
          if (catchAll) {
            context.report({
              messageId: "afterCatchAll",
              data: { backend, line: catchAll.span.line, shadowBackend: catchAll.backend },
              span: route.span,
              related: [{ message: "takes every request", span: catchAll.span }],
              ...lowerWhenSameBackend(route, [catchAll]),
            });
            continue;
          }
          const condition = route.condition;
          if (!condition) {
            catchAll = route;
            continue;
          }
          const truth = conditionTruth(condition, acls);
          if (truth === "never") {
            context.report({ messageId: "neverMatches", data: { backend }, span: route.span });
            continue;
          }
          const alternatives = normalize(condition, acls);
          if (alternatives) {
            const shadows = alternatives.map((terms) => coveringRoute(terms, covered));
            if (shadows.every((s) => s !== undefined)) {
              const unique = [...new Set(shadows as Route[])];
              context.report({
                messageId: "shadowed",
                data: {
                  backend,
                  shadowBackends: [...new Set(unique.map((r) => `'${r.backend}'`))].join(" and "),
                  line: (unique[0] as Route).span.line,
                },
                span: route.span,
                related: unique.map((r) => ({ message: "already takes these requests", span: r.span })),
                ...lowerWhenSameBackend(route, unique),
              });
              continue;
            }
            for (const terms of alternatives) {
              const key = terms.join("\u0000");
              if (!covered.has(key)) covered.set(key, route);
            }
          }
          if (truth === "always") catchAll = route;
        }
      },
    };
  },
});

/** A dead rule that would send traffic where it goes anyway is only clutter. */
function lowerWhenSameBackend(route: Route, shadows: Route[]): { severity?: "info" } {
  return shadows.every((s) => !s.dynamic && !route.dynamic && s.backend === route.backend)
    ? { severity: "info" }
    : {};
}

/**
 * The condition as OR-ed alternatives of AND-ed term keys (sorted, deduplicated), with `unless`
 * turned into `if` where that stays an OR of ANDs. Undefined when a term's result may change
 * from one evaluation to the next (rand, counters, Lua), so that two equal conditions need not
 * agree.
 */
function normalize(condition: Condition, acls: Map<string, Acl[]>): string[][] | undefined {
  const terms = condition.alternatives.flat();
  if (!terms.every((t) => deterministicTerm(t, acls))) return undefined;
  let alternatives: string[][];
  if (condition.polarity === "if") {
    alternatives = condition.alternatives.map((alt) => alt.map((t) => termKey(t, false)));
  } else if (condition.alternatives.length === 1) {
    // unless a b  ==  if !a || !b
    alternatives = (condition.alternatives[0] as ConditionTerm[]).map((t) => [termKey(t, true)]);
  } else if (condition.alternatives.every((alt) => alt.length === 1)) {
    // unless a || b  ==  if !a !b
    alternatives = [terms.map((t) => termKey(t, true))];
  } else {
    return undefined;
  }
  return alternatives.map((alt) => [...new Set(alt)].sort());
}

/**
 * An earlier rule one of whose alternatives is a subset of `terms` (so it matches whenever
 * `terms` all hold). Subsets are enumerated only for short alternatives, keeping this linear.
 */
function coveringRoute(terms: string[], covered: Map<string, Route>): Route | undefined {
  const n = terms.length;
  if (n > 6) {
    const whole = covered.get(terms.join("\u0000"));
    if (whole) return whole;
    for (const t of terms) {
      const single = covered.get(t);
      if (single) return single;
    }
    return undefined;
  }
  let best: Route | undefined;
  for (let mask = 1; mask < 1 << n; mask++) {
    const key = terms.filter((_, i) => mask & (1 << i)).join("\u0000");
    const route = covered.get(key);
    if (route && (!best || route.span.line < best.span.line)) best = route;
  }
  return best;
}
