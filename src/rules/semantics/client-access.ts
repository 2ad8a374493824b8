import type { Acl, AclTest, Condition, ConditionTerm } from "../../model/condition.js";
import { matchesEveryRequest, matchesNoRequest } from "./condition-truth.js";

/**
 * Whether something holds for every request in question (`yes`), for none (`no`), or depends on
 * details lbguard cannot know (`maybe`). Conditions combine these the three-valued way: an AND
 * is `no` as soon as one term is, an OR is `yes` as soon as one alternative is.
 */
export type Verdict = "yes" | "no" | "maybe";

/**
 * The requests for one page that a stranger can send: someone the configuration does not single
 * out, with an address no ACL names, no credentials and no client certificate. HAProxy serves a
 * page such as the stats page for every URI that begins with its own, so the path is either
 * exactly `path` (when the page's URI has a query part) or anything that starts with it.
 */
export interface PageRequests {
  path: string;
  exact: boolean;
}

/** The requests that reach a page served under the URI prefix `uri` (`/stats`, `/haproxy?stats`). */
export function pageRequests(uri: string): PageRequests {
  const query = uri.indexOf("?");
  return query < 0 ? { path: uri, exact: false } : { path: uri.slice(0, query), exact: true };
}

/**
 * Fetches that tell who the client is: its address, its credentials or its certificate. A
 * stranger matches none of their patterns. Not `ssl_c_verify`: it is 0 (no error) when the
 * client sent no certificate at all.
 */
const CLIENT_FETCHES = new Set([
  "src",
  "http_auth",
  "http_auth_group",
  "http_auth_bearer",
  "ssl_c_used",
  "ssl_fc_has_crt",
]);

/** Predefined ACLs whose value is known for a stranger's request. */
const PREDEFINED: Record<string, Verdict> = { TRUE: "yes", FALSE: "no", LOCALHOST: "no" };

/** Match methods of the path fetches, from the fetch's suffix or `-m`. */
const PATH_FETCH = /^path(?:_(beg|end|sub|dir|reg|len|dom|found|str))?$/;

function not(verdict: Verdict): Verdict {
  return verdict === "yes" ? "no" : verdict === "no" ? "yes" : "maybe";
}

function anyOf(verdicts: Iterable<Verdict>): Verdict {
  let result: Verdict = "no";
  for (const v of verdicts) {
    if (v === "yes") return "yes";
    if (v === "maybe") result = "maybe";
  }
  return result;
}

function allOf(verdicts: Iterable<Verdict>): Verdict {
  let result: Verdict = "yes";
  for (const v of verdicts) {
    if (v === "no") return "no";
    if (v === "maybe") result = "maybe";
  }
  return result;
}

/** Whether one path pattern matches the page's requests, by match method. */
function pathPatternVerdict(method: string, pattern: string, page: PageRequests): Verdict {
  const { path, exact } = page;
  switch (method) {
    case "str":
      if (exact) return path === pattern ? "yes" : "no";
      return pattern.startsWith(path) ? "maybe" : "no";
    case "beg":
      if (path.startsWith(pattern)) return "yes";
      return !exact && pattern.startsWith(path) ? "maybe" : "no";
    case "sub":
      if (path.includes(pattern)) return "yes";
      return exact ? "no" : "maybe";
    case "end":
      if (exact) return path.endsWith(pattern) ? "yes" : "no";
      return "maybe";
    default:
      return "maybe";
  }
}

/** A `path` test against the page's requests; undefined when the test reads no path. */
function pathVerdict(test: AclTest, page: PageRequests): Verdict | undefined {
  const m = PATH_FETCH.exec(test.fetch);
  if (!m) return undefined;
  if (test.converters.length > 0 || test.patternFiles.length > 0) return "maybe";
  const method = test.matchMethod ?? m[1] ?? "str";
  if (method === "found") return "yes";
  const fold = test.flags.includes("-i");
  const subject = fold ? { ...page, path: page.path.toLowerCase() } : page;
  return anyOf(
    test.patterns.map((p) => pathPatternVerdict(method, fold ? p.text.toLowerCase() : p.text, subject)),
  );
}

function testVerdict(test: AclTest, page: PageRequests): Verdict {
  if (matchesEveryRequest(test)) return "yes";
  if (matchesNoRequest(test)) return "no";
  if (CLIENT_FETCHES.has(test.fetch)) return "no";
  return pathVerdict(test, page) ?? "maybe";
}

function termVerdict(term: ConditionTerm, acls: ReadonlyMap<string, Acl[]>, page: PageRequests): Verdict {
  let verdict: Verdict;
  if (term.kind === "inline") verdict = testVerdict(term.test, page);
  else {
    const lines = acls.get(term.name);
    verdict = lines ? anyOf(lines.map((l) => testVerdict(l, page))) : (PREDEFINED[term.name] ?? "maybe");
  }
  return term.negated ? not(verdict) : verdict;
}

/**
 * Whether a condition holds for a stranger's requests to the page: `yes` for a line that applies
 * to everyone except chosen clients (`unless { src 10.0.0.0/8 }`, `if !{ http_auth(ops) }`), `no`
 * for one that only chosen clients or other pages trigger (`if { src 203.0.113.7 }`,
 * `if { path_beg /admin }` for a page at /stats).
 */
export function holdsForStranger(
  condition: Condition,
  acls: ReadonlyMap<string, Acl[]>,
  page: PageRequests,
): Verdict {
  const verdict = anyOf(
    condition.alternatives.map((terms) => allOf(terms.map((t) => termVerdict(t, acls, page)))),
  );
  return condition.polarity === "unless" ? not(verdict) : verdict;
}

/** One line of an access rule list: its action and its condition, if any. */
export interface AccessRule {
  action: string;
  condition?: Condition;
}

/** Actions that let a request or connection through and end the list. */
const PASSING_ACTIONS = new Set(["allow", "accept"]);

/** Actions that stop a stranger: refused outright, or asked for credentials they lack. */
const STOPPING_ACTIONS = new Set(["deny", "reject", "tarpit", "silent-drop", "auth"]);

/**
 * True when one rule list (the `http-request` lines of a proxy, its `tcp-request connection`
 * lines, its `stats http-request` lines...) stops every stranger before the page. Lines are read
 * in order as HAProxy runs them: a stopping line that holds for every stranger guards the page,
 * unless an earlier `allow`/`accept` may already have let a stranger through. So
 * `http-request allow if { src 10.0.0.0/8 }` followed by a plain `http-request deny` guards it,
 * and `http-request deny if { src 203.0.113.7 }` (a blocklist) does not.
 */
export function stopsStranger(
  rules: readonly AccessRule[],
  acls: ReadonlyMap<string, Acl[]>,
  page: PageRequests,
): boolean {
  for (const rule of rules) {
    const passing = PASSING_ACTIONS.has(rule.action);
    if (!passing && !STOPPING_ACTIONS.has(rule.action)) continue;
    const verdict = rule.condition ? holdsForStranger(rule.condition, acls, page) : "yes";
    if (passing && verdict !== "no") return false;
    if (!passing && verdict === "yes") return true;
  }
  return false;
}
