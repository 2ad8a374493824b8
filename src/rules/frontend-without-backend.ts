import { readCondition } from "../haproxy/parse/acl-line.js";
import { Diagnostics } from "../haproxy/parse/diagnostics.js";
import type { ConditionTerm } from "../model/condition.js";
import type { Directive } from "../model/directive.js";
import type { Proxy, Route } from "../model/proxy.js";
import { defineRule } from "./rule.js";
import { aclsByName, conditionTruth } from "./semantics/condition-truth.js";

/** `http-request` actions that answer the request themselves. */
const ANSWERING_HTTP_ACTIONS = new Set(["redirect", "return", "deny", "tarpit", "reject", "use-service"]);

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
      noDefault:
        "{kind} '{frontend}' has use_backend rules but no default_backend: every {unit} that matches none of them {outcome}",
    },
    hints: {
      noBackend: "Add 'default_backend NAME' naming the backend that should serve this frontend.",
      noDefault:
        "Add 'default_backend NAME' for the remaining traffic, or answer it on purpose (e.g. 'http-request deny' as the last rule).",
    },
  },
  create(context) {
    return {
      frontend(frontend) {
        if (frontend.kind === "listen" && frontend.servers.length > 0) return;
        if (frontend.defaultBackend) return;
        if (frontend.directives.some((d) => d.keyword === "disabled") || answersEverything(frontend)) return;
        if (frontend.stats.enabled?.value || frontend.directives.some((d) => d.keyword === "monitor-uri"))
          return;
        const http = frontend.mode.value === "http";
        const data = {
          kind: frontend.kind,
          frontend: frontend.name,
          unit: http ? "request" : "connection",
          outcome: http ? "gets a 503 error" : "is closed",
        };
        if (frontend.routes.length === 0) {
          context.report({ messageId: "noBackend", data, span: frontend.nameSpan });
          return;
        }
        const acls = aclsByName(frontend);
        const backends = context.index.backendsByName;
        const known = knownAtRouting(frontend);
        if (frontend.routes.some((r) => catchesAll(r, acls, backends) || coversRemainder(r, known))) return;
        context.report({ messageId: "noDefault", data, span: frontend.nameSpan, severity: "warning" });
      },
    };
  },
});

/** The rule list a line belongs to: each tcp-request phase is its own list. */
function ruleList(d: Directive): string {
  return d.keyword === "tcp-request" ? `tcp-request ${d.args[0]?.text}` : d.keyword;
}

/** The action of an http-request or tcp-request line. */
function actionOf(d: Directive): string | undefined {
  return d.keyword === "tcp-request" ? d.args[1]?.text : d.args[0]?.text;
}

/** True for an 'allow'/'accept' line, which ends its rule list for the requests it matches. */
function endsList(d: Directive): boolean {
  const action = actionOf(d);
  return (
    (d.keyword === "http-request" || d.keyword === "tcp-request") &&
    (action === "allow" || action === "accept")
  );
}

/** True for a line that answers or drops the request itself (when its condition holds). */
function answers(d: Directive): boolean {
  const action = actionOf(d) ?? "";
  if (d.keyword === "redirect") return true;
  if (d.keyword === "http-request") return ANSWERING_HTTP_ACTIONS.has(action);
  if (d.keyword === "tcp-request") return action === "reject" || action === "use-service";
  return false;
}

/**
 * True when an unconditional line answers or drops every request before routing matters, and
 * no 'allow'/'accept' earlier in its list lets some requests skip it.
 */
function answersEverything(frontend: Proxy): boolean {
  for (const d of decisiveLines(frontend)) {
    if (answers(d) && !d.words.some((w) => w.text === "if" || w.text === "unless")) return true;
  }
  return false;
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

/** A condition read from raw words: OR-ed alternatives of AND-ed `name` / `!name` keys. */
interface RawCondition {
  polarity: "if" | "unless";
  alternatives: string[][];
}

/** Reads the named-ACL condition of a raw line; undefined when absent or holding `{ ... }`. */
function rawCondition(d: Directive): RawCondition | undefined {
  const start = d.words.findIndex((w, i) => i > 0 && (w.text === "if" || w.text === "unless"));
  if (start < 0) return undefined;
  const condition = readCondition(d.words.slice(start), new Diagnostics());
  if (!condition) return undefined;
  const alternatives: string[][] = [];
  for (const terms of condition.alternatives) {
    const keys: string[] = [];
    for (const term of terms) {
      if (term.kind !== "named") return undefined;
      keys.push(`${term.negated ? "!" : ""}${term.name}`);
    }
    alternatives.push(keys);
  }
  return { polarity: condition.polarity, alternatives };
}

function negate(key: string): string {
  return key.startsWith("!") ? key.slice(1) : `!${key}`;
}

/**
 * What every request satisfies once it reaches use_backend. `terms` hold together:
 * `http-request deny if !is_known` leaves only requests where `is_known` holds. `disjunctions`
 * come from `deny unless a || b`: one of their alternatives holds.
 */
interface KnownAtRouting {
  terms: Set<string>;
  disjunctions: string[][][];
}

function knownAtRouting(frontend: Proxy): KnownAtRouting {
  const known: KnownAtRouting = { terms: new Set(), disjunctions: [] };
  for (const d of decisiveLines(frontend)) {
    const answering = answers(d) && (d.keyword !== "tcp-request" || actionOf(d) === "reject");
    const condition = answering ? rawCondition(d) : undefined;
    if (!condition) continue;
    const alternatives = condition.alternatives;
    if (condition.polarity === "if") {
      for (const alt of alternatives) if (alt.length === 1) known.terms.add(negate(alt[0] as string));
    } else if (alternatives.length === 1) {
      for (const key of alternatives[0] as string[]) known.terms.add(key);
    } else {
      known.disjunctions.push(alternatives);
    }
  }
  return known;
}

/** True when every request left at routing time satisfies the route's condition. */
function coversRemainder(route: Route, known: KnownAtRouting): boolean {
  const condition = route.condition;
  if (!condition || (known.terms.size === 0 && known.disjunctions.length === 0)) return false;
  const named = (alt: ConditionTerm[]) =>
    alt.every((t) => t.kind === "named")
      ? alt.map((t) => `${t.negated ? "!" : ""}${(t as { name: string }).name}`)
      : undefined;
  let alternatives: string[][];
  if (condition.polarity === "if") {
    alternatives = condition.alternatives.map(named).filter((a): a is string[] => a !== undefined);
  } else {
    const only =
      condition.alternatives.length === 1 ? named(condition.alternatives[0] as ConditionTerm[]) : undefined;
    // unless a b  ==  if !a || !b
    alternatives = only ? only.map((k) => [negate(k)]) : [];
  }
  if (alternatives.some((r) => r.every((k) => known.terms.has(k)))) return true;
  // A disjunction implies the route when each of its alternatives (with the known terms)
  // contains some alternative of the route.
  return known.disjunctions.some((d) =>
    d.every((dAlt) => alternatives.some((r) => r.every((k) => known.terms.has(k) || dAlt.includes(k)))),
  );
}

/**
 * A rule that takes every request: an always-true condition, or an unconditional dynamic name
 * whose map lookup falls back to an existing backend (`map(FILE,DEFAULT)`).
 */
function catchesAll(route: Route, acls: ReturnType<typeof aclsByName>, backends: ReadonlyMap<string, Proxy>) {
  if (route.condition) return conditionTruth(route.condition, acls) === "always";
  if (!route.dynamic) return true;
  const fallback = /map(?:_\w+)?\([^,()]+,([^,()]+)\)/.exec(route.backend)?.[1];
  return fallback !== undefined && backends.has(fallback.trim());
}
