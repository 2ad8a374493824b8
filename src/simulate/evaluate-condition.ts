import { requestUri } from "./hash/hash-key.js";
import { ipv4Number } from "./ip-address.js";
import type { Acl, AclTest, Condition, ConditionTerm } from "../model/condition.js";

/** A concrete request as routing rules see it. */
export interface RoutedRequest {
  method: string;
  path: string;
  query?: string;
  /** The Host header; undefined when the traffic description does not say. */
  host?: string;
  /** Other headers by lower-case name; undefined when the traffic description does not say. */
  headers?: Record<string, string>;
  client: string;
  /** Whether the client connection uses TLS; undefined when it cannot be known. */
  tls: boolean | undefined;
}

/** True, false, or a reason why lbguard cannot tell. */
export type Verdict = boolean | { unknown: string };

const unknown = (reason: string): Verdict => ({ unknown: reason });

/**
 * Evaluates an `if`/`unless` condition against one request with three-valued logic: a term
 * lbguard cannot evaluate makes the result unknown only when the other terms do not already
 * decide it, so `is_api || { src 10.0.0.0/8 }` is still true for an API path.
 */
export function evaluateCondition(
  condition: Condition,
  acls: Map<string, Acl[]>,
  request: RoutedRequest,
): Verdict {
  let result: Verdict = false;
  for (const terms of condition.alternatives) {
    let branch: Verdict = true;
    for (const term of terms) {
      const value = evaluateTerm(term, acls, request);
      if (value === false) {
        branch = false;
        break;
      }
      if (value !== true && branch === true) branch = value;
    }
    if (branch === true) {
      result = true;
      break;
    }
    if (branch !== false && result === false) result = branch;
  }
  if (condition.polarity === "unless" && typeof result === "boolean") return !result;
  return result;
}

function evaluateTerm(term: ConditionTerm, acls: Map<string, Acl[]>, request: RoutedRequest): Verdict {
  let value: Verdict;
  if (term.kind === "inline") value = evaluateTest(term.test, request);
  else {
    const lines = acls.get(term.name);
    const predefined = PREDEFINED_ACLS[term.name];
    if (!lines) {
      value = predefined ? predefined(request) : unknown(`ACL '${term.name}' is not defined`);
    } else {
      // Lines with one name are ORed.
      value = false;
      for (const line of lines) {
        const v = evaluateTest(line, request);
        if (v === true) {
          value = true;
          break;
        }
        if (v !== false && value === false) value = v;
      }
    }
  }
  if (term.negated && typeof value === "boolean") return !value;
  return value;
}

const methodIs =
  (...methods: string[]) =>
  (r: RoutedRequest): Verdict =>
    methods.includes(r.method);

/** The ACLs HAProxy defines without an `acl` line, for HTTP requests. */
const PREDEFINED_ACLS: Record<string, (r: RoutedRequest) => Verdict> = {
  TRUE: () => true,
  FALSE: () => false,
  HTTP: () => true,
  HTTP_1_0: () => unknown("the requests' HTTP version is not given"),
  "HTTP_1.0": () => unknown("the requests' HTTP version is not given"),
  "HTTP_1.1": () => unknown("the requests' HTTP version is not given"),
  "HTTP_2.0": () => unknown("the requests' HTTP version is not given"),
  HTTP_URL_SLASH: (r) => r.path.startsWith("/"),
  HTTP_URL_STAR: (r) => r.path === "*",
  HTTP_URL_ABS: () => false,
  HTTP_CONTENT: () => unknown("whether the requests carry a body is not given"),
  REQ_CONTENT: () => unknown("whether the requests carry a body is not given"),
  LOCALHOST: (r) => ipMatches(r.client, "127.0.0.1/8"),
  METH_CONNECT: methodIs("CONNECT"),
  METH_DELETE: methodIs("DELETE"),
  METH_GET: methodIs("GET", "HEAD"),
  METH_HEAD: methodIs("HEAD"),
  METH_OPTIONS: methodIs("OPTIONS"),
  METH_POST: methodIs("POST"),
  METH_PUT: methodIs("PUT"),
  METH_TRACE: methodIs("TRACE"),
  RDP_COOKIE: () => false,
  WAIT_END: () => true,
};

/** The fetches lbguard can evaluate, with the match method each uses by default. */
const FETCHES: Record<string, { sample: (r: RoutedRequest, args: string[]) => Sample; method: string }> = {
  path: { sample: (r) => r.path, method: "str" },
  url: { sample: requestUri, method: "str" },
  base: { sample: (r) => (r.host === undefined ? UNKNOWN_HOST : `${r.host}${r.path}`), method: "str" },
  query: { sample: (r) => r.query, method: "str" },
  method: { sample: (r) => r.method, method: "str" },
  hdr: { sample: (r, args) => header(r, args[0]), method: "str" },
  "req.hdr": { sample: (r, args) => header(r, args[0]), method: "str" },
  "req.fhdr": { sample: (r, args) => header(r, args[0]), method: "str" },
  url_param: { sample: (r, args) => queryParam(r.query, args[0]), method: "str" },
  urlp: { sample: (r, args) => queryParam(r.query, args[0]), method: "str" },
  src: { sample: (r) => r.client, method: "ip" },
};

/** `path_beg` is `path` with `-m beg`; these suffixes name a match method. */
const SUFFIX_METHODS = new Set(["beg", "end", "sub", "reg", "dir", "dom", "len", "found", "str", "ip"]);

function evaluateTest(test: AclTest, request: RoutedRequest): Verdict {
  switch (test.fetch) {
    case "always_true":
    case "TRUE":
      return true;
    case "always_false":
    case "FALSE":
      return false;
    case "ssl_fc":
      if (test.patterns.length > 0 || test.converters.length > 0) break;
      return request.tls === undefined
        ? unknown("whether the client uses TLS on this frontend")
        : request.tls;
  }
  if (test.patternFiles.length > 0) return unknown(`'${test.expression}' reads its patterns from a file`);
  let name = test.fetch;
  let method = test.matchMethod;
  const suffix = /^(.*)_([a-z]+)$/.exec(name);
  if (suffix && !FETCHES[name] && SUFFIX_METHODS.has(suffix[2]!) && FETCHES[suffix[1]!]) {
    name = suffix[1]!;
    method ??= suffix[2];
  }
  const fetch = FETCHES[name];
  if (!fetch) return unknown(`lbguard does not evaluate '${test.expression}'`);
  let value = fetch.sample(request, test.fetchArgs);
  if (typeof value === "object") return unknown(`${value.unknown} ('${test.expression}')`);
  for (const converter of test.converters) {
    if (value === undefined) break;
    if (converter === "lower") value = value.toLowerCase();
    else if (converter === "upper") value = value.toUpperCase();
    else return unknown(`lbguard does not evaluate the converter '${converter}' in '${test.expression}'`);
  }
  method ??= fetch.method;
  if (method === "found") return value !== undefined;
  if (value === undefined) return false;
  // HAProxy compares methods as written, whatever `-i` says.
  const ignoreCase = test.flags.includes("-i") && name !== "method";
  const patterns = test.patterns.map((p) => p.text);
  if (method === "ip") return patterns.some((p) => ipMatches(value!, p));
  if (method === "len") return patterns.some((p) => lengthMatches(value!.length, p));
  const subject = ignoreCase ? value.toLowerCase() : value;
  for (const raw of patterns) {
    const pattern = ignoreCase && method !== "reg" ? raw.toLowerCase() : raw;
    const match = stringMatch(method, subject, pattern, ignoreCase);
    if (match === undefined)
      return unknown(`lbguard does not evaluate '-m ${method}' in '${test.expression}'`);
    if (typeof match === "object") return match;
    if (match) return true;
  }
  return false;
}

function stringMatch(
  method: string,
  value: string,
  pattern: string,
  ignoreCase: boolean,
): boolean | Verdict | undefined {
  switch (method) {
    case "str":
      return value === pattern;
    case "beg":
      return value.startsWith(pattern);
    case "end":
      return value.endsWith(pattern);
    case "sub":
      return value.includes(pattern);
    case "dir":
      return delimitedMatch(value, pattern, DIR_DELIMITERS);
    case "dom":
      return delimitedMatch(value, pattern, DOMAIN_DELIMITERS);
    case "reg":
      try {
        return new RegExp(pattern, ignoreCase ? "i" : "").test(value);
      } catch {
        return unknown(`the regular expression '${pattern}' is not one lbguard can run`);
      }
    default:
      return undefined;
  }
}

/** `-m dir` splits on slashes and the start of a query. */
const DIR_DELIMITERS = /[/?]/;
/** `-m dom` also splits on dots and the colon before a port (`www.example.com:8080`). */
const DOMAIN_DELIMITERS = /[/?.:]/;

/**
 * `-m dir` and `-m dom`: the pattern must appear in the value as whole parts between
 * delimiters, e.g. `api` matches `/v1/api/x` with dir and `www.api.example:8080` with dom.
 */
function delimitedMatch(value: string, pattern: string, delimiters: RegExp): boolean {
  const parts = (s: string) => s.split(delimiters).filter((p) => p !== "");
  const needle = parts(pattern);
  if (needle.length === 0) return false;
  const hay = parts(value);
  for (let i = 0; i + needle.length <= hay.length; i++) {
    if (needle.every((part, j) => hay[i + j] === part)) return true;
  }
  return false;
}

function lengthMatches(length: number, pattern: string): boolean {
  const range = /^(\d*):(\d*)$/.exec(pattern);
  if (range) {
    const low = range[1] ? Number(range[1]) : 0;
    const high = range[2] ? Number(range[2]) : Number.POSITIVE_INFINITY;
    return length >= low && length <= high;
  }
  return length === Number(pattern);
}

/** A fetched value: a string, absent (undefined), or unknown because the traffic does not say. */
type Sample = string | undefined | { unknown: string };

/** Why a test on the Host header cannot be evaluated when the traffic does not give one. */
export const UNKNOWN_HOST = { unknown: "the requests' Host header is not given (--host)" };

function header(request: RoutedRequest, name: string | undefined): Sample {
  if (!name) return undefined;
  const key = name.toLowerCase();
  if (key === "host") return request.host ?? UNKNOWN_HOST;
  if (request.headers === undefined) return { unknown: `the requests' ${name} header is not given` };
  return request.headers[key];
}

function queryParam(query: string | undefined, name: string | undefined): string | undefined {
  if (query === undefined || !name) return undefined;
  // A parameter counts only with its '=': HAProxy does not find `uid` in `?uid`.
  for (const pair of query.split("&")) {
    if (pair.startsWith(`${name}=`)) return pair.slice(name.length + 1);
  }
  return undefined;
}

/** `src 10.0.0.0/8`, `src 127.0.0.1`: IPv4 addresses and networks; IPv6 only by exact text. */
function ipMatches(address: string, pattern: string): boolean {
  const [net, bitsText] = pattern.split("/");
  const a = ipv4Number(address);
  const n = ipv4Number(net ?? "");
  if (a === undefined || n === undefined) return address === pattern;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (a & mask) >>> 0 === (n & mask) >>> 0;
}
