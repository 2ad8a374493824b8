import type { SimRequest } from "../types.js";
import { parseIpAddress } from "../ip-address.js";
import { fullHash, hashBytes, isHashFunctionName, type HashFunctionName } from "./hash-functions.js";

/**
 * What HAProxy 2.6 hashes for each request-hashing `balance` algorithm, and how the hash type
 * turns those bytes into the 32-bit value that picks a server.
 */

/** The `balance` algorithms `hashRequest` can evaluate from a `SimRequest`. */
export const REQUEST_HASH_ALGORITHMS: ReadonlySet<string> = new Set([
  "source",
  "uri",
  "url_param",
  "hdr",
  "rdp-cookie",
]);

/** `hash-type METHOD [FUNCTION] [MODIFIER]`; an absent or empty function means none was written. */
export interface HashTypeSpec {
  method: "map-based" | "consistent";
  function?: string;
  modifier?: string;
}

/** The hash function and whether the avalanche applies, as a `hash-type` line sets them. */
export interface HashSettings {
  fn: HashFunctionName;
  avalanche: boolean;
}

/**
 * Reads a `hash-type` line as HAProxy 2.6 does: the function defaults to sdbm; the avalanche
 * applies when the line says `avalanche` after a function, and also for `hash-type consistent`
 * written with no function at all (but not for `hash-type consistent sdbm`). A backend without
 * `hash-type` is map-based sdbm without avalanche.
 */
export function hashSettings(hashType: HashTypeSpec | undefined): HashSettings {
  const named = hashType?.function;
  if (named === undefined || named === "") {
    return { fn: "sdbm", avalanche: hashType?.method === "consistent" };
  }
  return {
    fn: isHashFunctionName(named) ? named : "sdbm",
    avalanche: hashType?.modifier === "avalanche",
  };
}

const encoder = new TextEncoder();

/**
 * The request URI as it appears on an HTTP/1 request line in origin form: the path, then '?'
 * and the query when the request has one (an empty query keeps its '?').
 */
export function requestUri(request: Pick<SimRequest, "path" | "query">): string {
  return request.query === undefined ? request.path : `${request.path}?${request.query}`;
}

/**
 * The 32-bit number `balance source` starts from: an IPv4 address read as a big-endian number,
 * or the four big-endian 32-bit words of an IPv6 address XORed together. No hash function is
 * involved; only the avalanche may follow. Returns undefined when `client` is not an IP address
 * (HAProxy 2.6.12 then falls back to round robin, as for a client on a UNIX socket).
 */
export function sourceKey(client: string): number | undefined {
  const bytes = parseIpAddress(client);
  if (bytes === undefined) return undefined;
  let h = 0;
  for (let at = 0; at + 4 <= bytes.length; at += 4) {
    h ^= (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  }
  return h >>> 0;
}

/** The options of `balance uri`. */
export interface UriOptions {
  /** `whole`: keep the query string in the key. */
  whole: boolean;
  /** `len N`: hash at most the first N bytes of the URI; 0 when unset. */
  len: number;
  /** `depth N`: hash at most N directory levels; 0 when unset. */
  depth: number;
  /** `path-only`: drop scheme and authority from an absolute URI; no effect on origin form. */
  pathOnly: boolean;
}

/** Reads the words after `balance uri`, assuming a line HAProxy accepts (others are ignored). */
export function readUriOptions(args: readonly string[]): UriOptions {
  const options: UriOptions = { whole: false, len: 0, depth: 0, pathOnly: false };
  for (let i = 0; i < args.length; i++) {
    const word = args[i];
    if (word === "whole") options.whole = true;
    else if (word === "path-only") options.pathOnly = true;
    else if (word === "len" || word === "depth") {
      const n = leadingInteger(args[i + 1] ?? "");
      if (n > 0) options[word] = n;
      i++;
    }
  }
  return options;
}

/**
 * The bytes `balance uri` hashes: the request URI cut to `len` bytes first, then up to (not
 * including) the '?' unless `whole` is set, and up to (not including) the slash that would open
 * directory level `depth + 1`. For `/a/b?x=1` that is `/a/b`; with `whole`, `/a/b?x=1`; with
 * `depth 1`, `/a`. Always a key, possibly empty.
 */
export function uriKey(args: readonly string[], request: SimRequest): Uint8Array {
  const options = readUriOptions(args);
  // `path-only` would strip a scheme and authority, which an origin-form URI does not have.
  const uri = encoder.encode(requestUri(request));
  const limit = options.len > 0 ? Math.min(uri.length, options.len) : uri.length;
  let slashes = 0;
  let end = 0;
  for (; end < limit; end++) {
    const c = uri[end];
    if (c === SLASH) {
      slashes++;
      if (options.depth > 0 && slashes === options.depth + 1) break;
    } else if (c === QUESTION && !options.whole) break;
  }
  return uri.subarray(0, end);
}

/**
 * The bytes `balance url_param NAME` hashes: the value of the first query parameter named
 * exactly NAME (case-sensitive, written `NAME=`), up to the next '&' or the end of the URI; an
 * empty value is a key too. Undefined when the query has no such parameter: HAProxy then tries
 * the body of a POST request (with or without `check_post`, which 2.6 accepts but ignores),
 * which a `SimRequest` does not carry, and otherwise falls back to round robin.
 */
export function urlParamKey(args: readonly string[], request: SimRequest): Uint8Array | undefined {
  const name = encoder.encode(args[0] ?? "");
  const uri = encoder.encode(requestUri(request));
  const question = uri.indexOf(QUESTION);
  if (question < 0) return undefined;
  let at = question + 1;
  while (uri.length - at > name.length) {
    if (uri[at + name.length] === EQUALS && startsWith(uri, at, name)) {
      const start = at + name.length + 1;
      let end = start;
      while (end < uri.length && uri[end] !== AMPERSAND) end++;
      return uri.subarray(start, end);
    }
    const amp = uri.indexOf(AMPERSAND, at);
    if (amp < 0) return undefined;
    at = amp + 1;
  }
  return undefined;
}

/**
 * The bytes `balance hdr(NAME)` hashes: the first comma-separated element of the header's value
 * (commas inside double quotes do not count), without surrounding blanks. With
 * `use_domain_only`, only the label before the last dot (`example` in `www.example.com`), or the
 * whole value when it has no dot after its first byte. Undefined when the header is missing or
 * that element is empty: HAProxy then falls back to round robin.
 */
export function headerKey(args: readonly string[], request: SimRequest): Uint8Array | undefined {
  const name = (args[0] ?? "").toLowerCase();
  const raw = name === "host" ? (request.host ?? request.headers["host"]) : request.headers[name];
  if (raw === undefined) return undefined;
  const value = firstHeaderElement(encoder.encode(raw));
  if (value.length === 0) return undefined;
  return args[1] === "use_domain_only" ? domainPart(value) : value;
}

/**
 * Returns the 32-bit value HAProxy 2.6 looks servers up with for this request, or undefined when
 * the request gives no key and HAProxy falls back to round robin (its map-based round robin for
 * `map-based`, a walk along the ring for `consistent`).
 *
 * The value already went through the hash function and, when `hash-type` asks for it, the
 * avalanche. Use it as is: a map-based lookup takes slot `value % table length`, and
 * `ConsistentRing.lookup` takes it unchanged (the ring applies no avalanche of its own).
 *
 * HAProxy skips hashing when a single server is usable and looks up 0 instead; the server is
 * the same either way, so this function always hashes. `algorithm` must be one of
 * `REQUEST_HASH_ALGORITHMS`; `balance hash EXPR` and the non-hashing algorithms throw a
 * RangeError. `rdp-cookie` always gives undefined, since an HTTP request carries no RDP cookie.
 */
export function hashRequest(
  algorithm: string,
  args: readonly string[],
  hashType: HashTypeSpec | undefined,
  request: SimRequest,
): number | undefined {
  const settings = hashSettings(hashType);
  const finish = (h: number): number => (settings.avalanche ? fullHash(h) : h >>> 0);
  switch (algorithm) {
    case "source": {
      const key = sourceKey(request.client);
      return key === undefined ? undefined : finish(key);
    }
    case "uri":
      return finish(hashBytes(settings.fn, uriKey(args, request)));
    case "url_param": {
      const key = urlParamKey(args, request);
      return key === undefined ? undefined : finish(hashBytes(settings.fn, key));
    }
    case "hdr": {
      const key = headerKey(args, request);
      return key === undefined ? undefined : finish(hashBytes(settings.fn, key));
    }
    case "rdp-cookie":
      return undefined;
    default:
      throw new RangeError(`'balance ${algorithm}' is not a request hash lbguard can evaluate`);
  }
}

const SLASH = 0x2f;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const AMPERSAND = 0x26;
const COMMA = 0x2c;
const DOT = 0x2e;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function startsWith(bytes: Uint8Array, at: number, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/** Mirrors C's atoi on a configuration word: leading blanks, a sign, digits; 0 if none. */
function leadingInteger(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(text);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/** Space, tab, CR and LF: what HTTP calls linear white space. */
function isBlank(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

function firstHeaderElement(value: Uint8Array): Uint8Array {
  let start = 0;
  while (start < value.length && isBlank(value[start])) start++;
  let end = start;
  let quoted = false;
  let escaped = false;
  for (; end < value.length; end++) {
    const c = value[end];
    if (escaped) escaped = false;
    else if (quoted) {
      if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) quoted = false;
    } else if (c === QUOTE) quoted = true;
    else if (c === COMMA) break;
  }
  while (end > start && isBlank(value[end - 1])) end--;
  return value.subarray(start, end);
}

/**
 * `use_domain_only`: HAProxy walks back from the end of the value to the last dot, then on to the
 * dot before it, and hashes what lies between. Its first look falls one byte past the value (a
 * byte of whatever follows in its buffer, taken here as not a dot) and it never looks at the
 * first byte for the last dot, so `.com` hashes whole; a dot right before the last one stays in
 * the key (`www..com` gives `www.`).
 */
function domainPart(value: Uint8Array): Uint8Array {
  let p = value.length;
  let end = value.length;
  let inDomain = false;
  for (let left = value.length; left > 0; left--, p--) {
    if (inDomain) {
      if (value[p - 1] === DOT) break;
    } else if (p < value.length && value[p] === DOT) {
      end = p;
      inDomain = true;
    }
  }
  return value.subarray(p, end);
}
