import type { Directive, Word } from "./directive.js";
import type { Proxy } from "./proxy.js";
import type { Address } from "./server.js";
import type { Located, SourceSpan } from "./span.js";

/** A `stats socket` line of the global section: the runtime API endpoint. */
export interface StatsSocket {
  address: Address;
  /** `user`, `operator` or `admin` (HAProxy 2.6's default is `operator`). */
  level: string;
  /** Unix socket permission bits, when `mode` is given. */
  mode?: string;
  /** True with `expose-fd listeners`, needed to pass listening sockets on reload. */
  exposeFdListeners: boolean;
  options: Record<string, Word[]>;
  span: SourceSpan;
}

/** The global section. */
export interface Global {
  span?: SourceSpan;
  maxconn?: Located<number>;
  nbproc?: Located<number>;
  nbthread?: Located<number>;
  masterWorker?: Located<boolean>;
  statsSockets: StatsSocket[];
  serverStateFile?: Located<string>;
  serverStateBase?: Located<string>;
  sslDefaultBindCiphers?: Located<string>;
  sslDefaultBindCiphersuites?: Located<string>;
  sslDefaultBindOptions: Word[];
  sslDefaultServerCiphers?: Located<string>;
  sslDefaultServerOptions: Word[];
  tuneSslDefaultDhParam?: Located<number>;
  directives: Directive[];
  unknown: Directive[];
}

/** A user of a `userlist`. */
export interface UserlistUser {
  name: string;
  /** `insecure-password` stores the password in clear text. */
  passwordKind: "secure" | "insecure" | "none";
  span: SourceSpan;
}

export interface Userlist {
  name: string;
  users: UserlistUser[];
  groups: Located<string>[];
  span: SourceSpan;
  directives: Directive[];
}

export interface Resolvers {
  name: string;
  nameservers: { name: string; address: Address; span: SourceSpan }[];
  span: SourceSpan;
  directives: Directive[];
}

/** Any other section (peers, mailers, cache, http-errors, ring, program, ...), kept as lines. */
export interface OtherSection {
  kind: string;
  name: string;
  span: SourceSpan;
  directives: Directive[];
}

/**
 * One load-balancer configuration, possibly read from several files. This is what every
 * feature reads: nothing downstream goes back to the text.
 */
export interface Config {
  /** The files it was read from, in the order HAProxy reads them. */
  files: string[];
  global: Global;
  defaults: Proxy[];
  /** Frontends, backends and listen sections in source order. */
  proxies: Proxy[];
  /** Proxies that accept connections (frontend and listen). */
  frontends: Proxy[];
  /** Proxies that have servers (backend and listen). */
  backends: Proxy[];
  userlists: Userlist[];
  resolvers: Resolvers[];
  others: OtherSection[];
}
