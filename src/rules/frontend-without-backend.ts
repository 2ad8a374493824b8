import type { Acl, Condition, ConditionTerm } from "../model/condition.js";
import type { Directive } from "../model/directive.js";
import type { Proxy, Route } from "../model/proxy.js";
import { defineRule } from "./rule.js";
import { deterministicTerm, negateKey, termKey } from "./semantics/condition-keys.js";
import { aclsByName, conditionTruth, type RequestFacts, requestFacts } from "./semantics/condition-truth.js";
import { isDisabled } from "./semantics/proxy-disabled.js";
import { actionOf, selfAnswer, servesOwnPage } from "./semantics/self-answering.js";

/**
 * A frontend with nowhere to send traffic: no default_backend and no use_backend (or only
 * conditional ones). HAProxy starts, and every request that no rule picks is answered 503
 * (connections closed in tcp mode).
 */
export default defineRule({
  meta: {
    id: "frontend-without-backend",
    severity: "error",
    description: "A frontend has no default_backend, so requests that no rule routes get a 503.",
    messages: {
      noBackend: "{kind} '{frontend}' has no default_backend and no use_backend: every {unit} {outcome}",
      noServer:
        "listen '{frontend}' has no server, no default_backend and no use_backend: every {unit} {outcome}",
      answersSome:
        "{kind} '{frontend}' answers some {unit}s itself (line {line}) but has nowhere to send the others: every other {unit} {outcome}",
      noDefault:
        "{kind} '{frontend}' has use_backend rules but no default_backend: every {unit} that matches none of them {outcome}",
    },
    hints: {
      noBackend: "Add 'default_backend NAME' naming the backend that should serve this frontend.",
      noServer:
        "Add a 'server' line to '{frontend}', or 'default_backend NAME' to pass its traffic to a backend.",
      answersSome:
        "Add 'default_backend NAME' (in a listen section, a 'server' line) for the other traffic, or answer it on purpose with a last unconditional rule (e.g. 'http-request deny').",
      noDefault:
        "Add 'default_backend NAME' for the remaining traffic, or answer it on purpose (e.g. 'http-request deny' as the last rule).",
    },
  },
  create(context) {
    return {
      frontend(frontend) {
        if (frontend.kind === "listen" && frontend.servers.length > 0) return;
        if (frontend.defaultBackend || servesOwnPage(frontend)) return;
        if (isDisabled(frontend, context.config)) return;
        const acls = aclsByName(frontend);
        const facts = requestFacts(frontend);
        if (answersEverything(frontend, acls, facts)) return;
        const known = knownAtRouting(frontend, acls);
        // Requests refused for `a` and for `!a` alike: none is left to route.
        if ([...known.terms].some((k) => known.terms.has(negateKey(k)))) return;
        const http = frontend.mode.value === "http";
        const data = {
          kind: frontend.kind,
          frontend: frontend.name,
          unit: http ? "request" : "connection",
          outcome: http ? "gets a 503 error" : "is closed",
        };
        const span = frontend.nameSpan;
        if (frontend.routes.length === 0) {
          // A frontend that serves some requests itself (a Prometheus endpoint, an ACME
          // exception to a redirect) is half done, not broken; one that only refuses is.
          const serving = frontend.directives.find((d) => selfAnswer(d) === "serves");
          if (serving) {
            context.report({
              messageId: "answersSome",
              data: { ...data, line: serving.span.line },
              span,
              severity: "warning",
              related: [{ message: "answers some requests itself", span: serving.span }],
            });
          } else {
            context.report({ messageId: frontend.kind === "listen" ? "noServer" : "noBackend", data, span });
          }
          return;
        }
        const backends = context.index.backendsByName;
        if (frontend.routes.some((r) => catchesAll(r, acls, facts, backends))) return;
        if (routesRemainder(frontend.routes, known, acls)) return;
        context.report({ messageId: "noDefault", data, span, severity: "warning" });
      },
    };
  },
});

/** The rule list a line belongs to: each tcp-request phase is its own list. */
function ruleList(d: Directive): string {
  return d.keyword === "tcp-request" ? `tcp-request ${d.args[0]?.text}` : d.keyword;
}

/** True for an 'allow'/'accept' line, which ends its rule list for the requests it matches. */
function endsList(d: Directive): boolean {
  const action = actionOf(d);
  return (
    (d.keyword === "http-request" || d.keyword === "tcp-request") &&
    (action === "allow" || action === "accept")
  );
}

/**
 * The frontend's lines that apply to every request: an 'allow'/'accept' ends its rule list for
 * the requests it matches, so later lines of that list prove nothing about every request.
 */
function* decisiveLines(frontend: Proxy): Generator<Directive> {
  const stopped = new Set<string>();
  for (const d of frontend.directives) {
    if (stopped.has(ruleList(d))) continue;
    if (endsList(d)) {
      stopped.add(ruleList(d));
      continue;
    }
    yield d;
  }
}

/** The `if`/`unless` condition of a raw line: null when it has none, undefined when unreadable. */
function lineCondition(d: Directive): Condition | null | undefined {
  if (!d.args.some((w) => w.text === "if" || w.text === "unless")) return null;
  return d.condition;
}

/**
 * True when a line answers or drops every request before routing matters: it has no condition,
 * or one that holds for every request (`redirect scheme https if !{ ssl_fc }` on a frontend
 * without an `ssl` bind), and no 'allow'/'accept' earlier in its list lets some requests skip it.
 */
function answersEverything(frontend: Proxy, acls: Map<string, Acl[]>, facts: RequestFacts): boolean {
  for (const d of decisiveLines(frontend)) {
    if (!selfAnswer(d)) continue;
    const condition = lineCondition(d);
    if (condition === null) return true;
    if (condition && conditionTruth(condition, acls, facts) === "always") return true;
  }
  return false;
}

/**
 * What every request satisfies once it reaches use_backend, as term keys (see termKey). `terms`
 * hold together: `http-request deny if !is_known` leaves only requests where `is_known` holds.
 * Each of `disjunctions` is an OR of AND-ed keys, one alternative of which holds:
 * `deny unless a || b` and `deny if !a !b` both leave `a || b`.
 */
interface KnownAtRouting {
  terms: Set<string>;
  disjunctions: string[][][];
}

function knownAtRouting(frontend: Proxy, acls: Map<string, Acl[]>): KnownAtRouting {
  const known: KnownAtRouting = { terms: new Set(), disjunctions: [] };
  for (const d of decisiveLines(frontend)) {
    const answering =
      selfAnswer(d) !== undefined && (d.keyword !== "tcp-request" || actionOf(d) !== "use-service");
    const condition = answering ? lineCondition(d) : undefined;
    if (!condition) continue;
    // A random draw or a counter is drawn again by the route: what the line saw proves nothing.
    if (!condition.alternatives.flat().every((t) => deterministicTerm(t, acls))) continue;
    const alternatives = condition.alternatives;
    if (condition.polarity === "if") {
      // Refused when any alternative holds, so every alternative fails for what is left:
      // `if a b` leaves `!a || !b`.
      for (const alt of alternatives) {
        if (alt.length === 1) known.terms.add(termKey(alt[0] as ConditionTerm, true));
        else known.disjunctions.push(alt.map((t) => [termKey(t, true)]));
      }
    } else if (alternatives.length === 1) {
      for (const t of alternatives[0] ?? []) known.terms.add(termKey(t));
    } else {
      known.disjunctions.push(alternatives.map((alt) => alt.map((t) => termKey(t))));
    }
  }
  return known;
}

/** A route's condition as OR-ed alternatives of AND-ed term keys; undefined when not expressible. */
function routeAlternatives(route: Route, acls: Map<string, Acl[]>): string[][] | undefined {
  const condition = route.condition;
  if (!condition || route.dynamic) return undefined;
  if (!condition.alternatives.flat().every((t) => deterministicTerm(t, acls))) return undefined;
  if (condition.polarity === "if") return condition.alternatives.map((alt) => alt.map((t) => termKey(t)));
  // unless a b  ==  if !a || !b
  if (condition.alternatives.length === 1)
    return (condition.alternatives[0] ?? []).map((t) => [termKey(t, true)]);
  // unless a || b  ==  if !a !b
  if (condition.alternatives.every((alt) => alt.length === 1))
    return [condition.alternatives.flat().map((t) => termKey(t, true))];
  return undefined;
}

/**
 * True when every request left at routing time matches some static use_backend rule: one rule
 * alone, or several together (`use_backend a if a` and `use_backend b if b` after
 * `http-request deny if !a !b`).
 */
function routesRemainder(routes: Route[], known: KnownAtRouting, acls: Map<string, Acl[]>): boolean {
  if (known.terms.size === 0 && known.disjunctions.length === 0) return false;
  const alternatives = routes.flatMap((r) => routeAlternatives(r, acls) ?? []);
  const holds = (alt: string[], extra: readonly string[]) =>
    alt.every((k) => known.terms.has(k) || extra.includes(k));
  if (alternatives.some((alt) => holds(alt, []))) return true;
  // A disjunction leaves nothing unrouted when each of its alternatives (with the known terms)
  // implies some route alternative.
  return known.disjunctions.some((d) => d.every((dAlt) => alternatives.some((alt) => holds(alt, dAlt))));
}

/**
 * A rule that takes every request: an always-true condition, or an unconditional dynamic name
 * whose map lookup falls back to an existing backend (`map(FILE,DEFAULT)`).
 */
function catchesAll(
  route: Route,
  acls: Map<string, Acl[]>,
  facts: RequestFacts,
  backends: ReadonlyMap<string, Proxy>,
): boolean {
  if (route.condition && conditionTruth(route.condition, acls, facts) !== "always") return false;
  if (!route.dynamic) return true;
  const fallback = /map(?:_\w+)?\([^,()]+,([^,()]+)\)/.exec(route.backend)?.[1];
  return fallback !== undefined && backends.has(fallback.trim());
}
