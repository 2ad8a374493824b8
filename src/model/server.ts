import type { Directive } from "./directive.js";
import type { Effective } from "./effective.js";
import type { SourceSpan } from "./span.js";

/** What kind of address a server or bind names. */
export type AddressKind = "ipv4" | "ipv6" | "hostname" | "unix" | "abstract" | "other";

/** A parsed `host:port` address as HAProxy would read it. */
export interface Address {
  text: string;
  kind: AddressKind;
  /** The host part as HAProxy resolves it (a truncated IPv4 such as `10.1.2` is expanded). */
  host: string;
  /** Absent when the address carries no port (HAProxy then reuses the client's port). */
  port?: number;
  /** For port ranges (`bind :8000-8010`). */
  portEnd?: number;
  /** `+N`/`-N` port offsets on servers (relative to the client's destination port). */
  portOffset?: boolean;
  /**
   * Set when the host is a dotted number with fewer than four parts (`10.10.188`), which the C
   * resolver HAProxy falls back to reads as a different address (`10.10.0.188`).
   */
  truncatedIpv4?: boolean;
  span: SourceSpan;
}

/** Server settings after applying `default-server` and built-in defaults. */
export interface ServerSettings {
  check: Effective<boolean>;
  weight: Effective<number>;
  backup: Effective<boolean>;
  disabled: Effective<boolean>;
  /** Interval between health checks, in milliseconds. */
  inter: Effective<number>;
  fall: Effective<number>;
  rise: Effective<number>;
  maxconn?: Effective<number>;
  /** Port health checks go to, when not the service port. */
  checkPort?: Effective<number>;
  ssl: Effective<boolean>;
  resolvers?: Effective<string>;
  initAddr?: Effective<string>;
  /** Every option keyword seen on the line or inherited, with its value (true for flags). */
  options: Record<string, Effective<string | true>>;
}

/** A `server` line of a backend or listen section. */
export interface Server {
  name: string;
  nameSpan: SourceSpan;
  /** Name of the backend (or listen section) it belongs to. */
  proxy: string;
  address: Address;
  settings: ServerSettings;
  directive: Directive;
  span: SourceSpan;
}
