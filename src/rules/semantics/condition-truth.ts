import type { Acl, AclTest, Condition, ConditionTerm } from "../../model/condition.js";
import type { Proxy } from "../../model/proxy.js";

/**
 * Fetches that return the request path, which starts with '/' in every ordinary request, whether
 * it arrived in origin form, absolute form or over HTTP/2 (checked live on 2.6.12). Only
 * `OPTIONS *`, CONNECT and an absolute URI without a path have an empty path. Not `url` or
 * `capture.req.uri`: HTX keeps HTTP/2 and proxy-form requests in absolute form
 * (`http://host/x`). Not `base`: it starts with the Host header.
 */
const PATH_FETCHES = new Set(["path", "pathq"]);

/** Regular expressions that match every path. */
const MATCH_ALL_REGEXES = new Set(["", ".*", "^", "^/", "^.*", "^/.*", ".", "/", "^.*$", "^/.*$"]);

/**
 * What is known about every request a proxy accepts on its own bind lines, before any rule
 * looks at it.
 */
export interface RequestFacts {
  /** False when no bind line of the proxy has `ssl`: then `ssl_fc` is false for every request. */
  tls: boolean;
}

/** The facts about the requests that arrive through the proxy's own bind lines. */
export function requestFacts(proxy: Proxy): RequestFacts {
  return { tls: proxy.binds.some((b) => b.ssl) };
}

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

/** True for a plain boolean `ssl_fc` test: does the client connection use TLS. */
function isSslFc(test: AclTest): boolean {
  return (
    test.fetch === "ssl_fc" &&
    test.converters.length === 0 &&
    test.patterns.length === 0 &&
    test.patternFiles.length === 0 &&
    (test.matchMethod === undefined || test.matchMethod === "bool")
  );
}

const ACLS_BY_PROXY = new WeakMap<Proxy, Map<string, Acl[]>>();

/**
 * Named ACLs of a proxy by name; lines with the same name are ORed. Built once per proxy (a
 * generated blocklist may repeat one name on thousands of lines) and shared by every caller,
 * which must not change it.
 */
export function aclsByName(proxy: Proxy): Map<string, Acl[]> {
  let map = ACLS_BY_PROXY.get(proxy);
  if (map) return map;
  map = new Map();
  for (const acl of proxy.acls) {
    const lines = map.get(acl.name);
    if (lines) lines.push(acl);
    else map.set(acl.name, [acl]);
  }
  ACLS_BY_PROXY.set(proxy, map);
  return map;
}

export type Truth = "always" | "never" | "depends";

/** Predefined ACLs HAProxy provides without an `acl` line. */
const PREDEFINED: Record<string, Truth> = { TRUE: "always", FALSE: "never" };

function testTruth(test: AclTest, facts: RequestFacts | undefined): Truth {
  if (matchesEveryRequest(test)) return "always";
  if (matchesNoRequest(test)) return "never";
  if (facts && !facts.tls && isSslFc(test)) return "never";
  return "depends";
}

/** Truth of each named ACL, per name map and facts; a name's lines are read once. */
const NAMED_TRUTH = new WeakMap<Map<string, Acl[]>, Map<string, Truth>>();

function namedTruth(name: string, acls: Map<string, Acl[]>, facts: RequestFacts | undefined): Truth {
  const key = `${facts ? (facts.tls ? "tls|" : "plain|") : "|"}${name}`;
  let cache = NAMED_TRUTH.get(acls);
  if (!cache) {
    cache = new Map();
    NAMED_TRUTH.set(acls, cache);
  }
  let truth = cache.get(key);
  if (truth === undefined) {
    const lines = acls.get(name);
    if (!lines) truth = PREDEFINED[name] ?? "depends";
    else {
      const truths = lines.map((l) => testTruth(l, facts));
      if (truths.includes("always")) truth = "always";
      else if (truths.every((t) => t === "never")) truth = "never";
      else truth = "depends";
    }
    cache.set(key, truth);
  }
  return truth;
}

function termTruth(term: ConditionTerm, acls: Map<string, Acl[]>, facts: RequestFacts | undefined): Truth {
  const truth = term.kind === "inline" ? testTruth(term.test, facts) : namedTruth(term.name, acls, facts);
  if (!term.negated || truth === "depends") return truth;
  return truth === "always" ? "never" : "always";
}

/**
 * Whether a condition holds for every request, for none, or depends on the request. With
 * `facts` (see requestFacts), what is known about the proxy's own traffic counts too: without an
 * `ssl` bind, `!{ ssl_fc }` holds for every request.
 */
export function conditionTruth(condition: Condition, acls: Map<string, Acl[]>, facts?: RequestFacts): Truth {
  const branches = condition.alternatives.map((terms) => {
    const truths = terms.map((t) => termTruth(t, acls, facts));
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
