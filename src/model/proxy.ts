import type { Acl, Condition } from "./condition.js";
import type { Directive, Word } from "./directive.js";
import type { Effective } from "./effective.js";
import type { Address, Server, ServerSettings } from "./server.js";
import type { Located, SourceSpan } from "./span.js";

export type ProxyKind = "defaults" | "frontend" | "backend" | "listen";
export type ProxyMode = "http" | "tcp" | "log";

/** A `bind` line: one or more addresses and its options (ssl, crt, ...). */
export interface Bind {
  addresses: Address[];
  ssl: boolean;
  /** Certificates named with `crt` (files or directories). */
  certificates: Word[];
  /** Every option keyword on the line with the words that follow it. */
  options: Record<string, Word[]>;
  directive: Directive;
  span: SourceSpan;
}

/** A `use_backend` rule: in order, the first whose condition holds picks the backend. */
export interface Route {
  /** Backend name, or the format string when `dynamic`. */
  backend: string;
  backendSpan: SourceSpan;
  /** True for log-format names such as `%[req.hdr(host),lower]`, resolved per request. */
  dynamic: boolean;
  /** Absent when the rule applies unconditionally. */
  condition?: Condition;
  span: SourceSpan;
}

/** `balance ALGORITHM [ARGS]`. */
export interface Balance {
  algorithm: string;
  /** Arguments: `hdr(name)` gives [name], `url_param p check_post` gives [p, check_post]. */
  args: string[];
}

/** `hash-type METHOD [FUNCTION] [MODIFIER]`. */
export interface HashType {
  method: "map-based" | "consistent";
  /**
   * The hash function as written; absent when the line names none. The two differ: plain
   * `hash-type consistent` is sdbm with the avalanche, `hash-type consistent sdbm` is not.
   */
  function?: string;
  modifier?: string;
}

/** `option httpchk` (and `http-check send`) as resolved: what a health check requests. */
export interface HttpCheck {
  method: string;
  uri: string;
  version?: string;
}

/** Statistics page settings of a proxy. */
export interface StatsSettings {
  enabled?: Effective<boolean>;
  uri?: Effective<string>;
  /** `stats auth` lines; empty means anyone reaching the page can see it. */
  auth: Located<string>[];
  /** `stats http-request auth` / `acl`-guarded access, counted as authentication. */
  httpRequestAuth: Located<string>[];
  admin?: Located<string>;
  realm?: Effective<string>;
  hideVersion?: Effective<boolean>;
}

/**
 * Settings a proxy can inherit from a defaults section. In a defaults section they are the
 * values it passes on; in a proxy they are effective values, each remembering its origin.
 */
export interface ProxySettings {
  mode: Effective<ProxyMode>;
  balance: Effective<Balance>;
  hashType: Effective<HashType>;
  hashBalanceFactor?: Effective<number>;
  /** `option NAME` flags: true when set, false when `no option NAME`. */
  options: Record<string, Effective<boolean>>;
  /** Arguments of options that take them (`option httpchk GET /health`, `option forwardfor except ...`). */
  optionArgs: Record<string, Word[]>;
  httpCheck?: Effective<HttpCheck>;
  /** Timeouts in milliseconds, by name (`connect`, `client`, `server`, `check`, ...). */
  timeouts: Record<string, Effective<number>>;
  retries?: Effective<number>;
  maxconn?: Effective<number>;
  fullconn?: Effective<number>;
  defaultBackend?: Effective<string>;
  /** `default-server` settings passed on to every server line. */
  defaultServer: Partial<ServerSettings> & { options: Record<string, Effective<string | true>> };
  stats: StatsSettings;
}

/**
 * A frontend, backend, listen or defaults section. A `listen` section is a frontend and a
 * backend at once and appears in both `Config.frontends` and `Config.backends`.
 */
export interface Proxy extends ProxySettings {
  kind: ProxyKind;
  /** Empty for an anonymous defaults section. */
  name: string;
  nameSpan: SourceSpan;
  /** The section's header line. */
  headerSpan: SourceSpan;
  /** From the header to the last line of the section. */
  span: SourceSpan;
  /** The defaults section this one inherits from, by name ("" for an anonymous one). */
  inheritsFrom?: string;
  binds: Bind[];
  acls: Acl[];
  routes: Route[];
  servers: Server[];
  /** `http-check ...` lines in order. */
  httpCheckRules: Directive[];
  /** Every line of the section in order, known keywords and unknown ones alike. */
  directives: Directive[];
  /** Lines whose keyword lbguard does not interpret (kept, never fatal). */
  unknown: Directive[];
}

/** True when the proxy accepts client connections. */
export function isFrontend(proxy: Proxy): boolean {
  return proxy.kind === "frontend" || proxy.kind === "listen";
}

/** True when the proxy forwards to servers. */
export function isBackend(proxy: Proxy): boolean {
  return proxy.kind === "backend" || proxy.kind === "listen";
}
