import type { Acl, AclTest, Condition, ConditionTerm } from "../../model/condition.js";
import type { Proxy } from "../../model/proxy.js";

/** Fetches that return the request path or URL, which always starts with '/' in origin-form requests. */
const PATH_FETCHES = new Set(["path", "url", "base", "capture.req.uri", "req.uri", "pathq"]);

/** Regular expressions that match every path. */
const MATCH_ALL_REGEXES = new Set(["", ".*", "^", "^/", "^.*", "^/.*", ".", "/", "^.*$", "^/.*$"]);

/**
 * True when an ACL test matches every HTTP request, e.g. `path_beg /`, `path -m reg .*`,
 * `src 0.0.0.0/0` or `always_true`. Only what can be proved is true: a pattern file or a fetch
 * lbguard does not know makes it false.
 */
export function matchesEveryRequest(test: AclTest): boolean {
  if (test.fetch === "always_true" || test.fetch === "TRUE") return true;
  if (test.patternFiles.length > 0) return false;
  const patterns = test.patterns.map((p) => p.text);
  const [base, suffixMethod] = splitFetch(test.fetch);
  const method = test.matchMethod ?? suffixMethod;
  if (PATH_FETCHES.has(base) && test.converters.length === 0) {
    if (method === "beg" || method === "sub" || method === "dir")
      return patterns.some((p) => p === "/" || p === "");
    if (method === "reg") return patterns.some((p) => MATCH_ALL_REGEXES.has(p));
    if (method === "found") return true;
  }
  if (base === "src" && (method === undefined || method === "ip")) {
    return patterns.some((p) => p === "0.0.0.0/0" || p === "::/0" || p === "0/0");
  }
  return false;
}

/** True when an ACL test never matches (`always_false`). */
export function matchesNoRequest(test: AclTest): boolean {
  return test.fetch === "always_false" || test.fetch === "FALSE";
}

/** Splits `path_beg` into [`path`, `beg`]; fetches without a match suffix return [fetch, undefined]. */
function splitFetch(fetch: string): [string, string | undefined] {
  const m = /^(.*)_(beg|end|sub|reg|dir|dom|len|found|cnt|ip|str|sz|val)$/.exec(fetch);
  if (m && m[1] !== "always") return [m[1] as string, m[2]];
  return [fetch, undefined];
}

/** Named ACLs of a proxy by name; lines with the same name are ORed. */
export function aclsByName(proxy: Proxy): Map<string, Acl[]> {
  const map = new Map<string, Acl[]>();
  for (const acl of proxy.acls) map.set(acl.name, [...(map.get(acl.name) ?? []), acl]);
  return map;
}

type Truth = "always" | "never" | "depends";

/** Predefined ACLs HAProxy provides without an `acl` line. */
const PREDEFINED: Record<string, Truth> = { TRUE: "always", FALSE: "never" };

function termTruth(term: ConditionTerm, acls: Map<string, Acl[]>): Truth {
  let truth: Truth;
  if (term.kind === "inline") {
    truth = matchesEveryRequest(term.test) ? "always" : matchesNoRequest(term.test) ? "never" : "depends";
  } else {
    const lines = acls.get(term.name);
    if (!lines) truth = PREDEFINED[term.name] ?? "depends";
    else if (lines.some(matchesEveryRequest)) truth = "always";
    else if (lines.every(matchesNoRequest)) truth = "never";
    else truth = "depends";
  }
  if (!term.negated || truth === "depends") return truth;
  return truth === "always" ? "never" : "always";
}

/** Whether a condition holds for every request, for none, or depends on the request. */
export function conditionTruth(condition: Condition, acls: Map<string, Acl[]>): Truth {
  const branches = condition.alternatives.map((terms) => {
    const truths = terms.map((t) => termTruth(t, acls));
    if (truths.includes("never")) return "never";
    if (truths.every((t) => t === "always")) return "always";
    return "depends";
  });
  let truth: Truth = branches.includes("always")
    ? "always"
    : branches.every((b) => b === "never")
      ? "never"
      : "depends";
  if (condition.polarity === "unless" && truth !== "depends") truth = truth === "always" ? "never" : "always";
  return truth;
}
