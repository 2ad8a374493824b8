import type { Effective } from "../../model/effective.js";
import { builtin } from "../../model/effective.js";
import type { Proxy, ProxySettings } from "../../model/proxy.js";
import type { Server, ServerSettings } from "../../model/server.js";
import { readAddress } from "./address.js";
import type { Diagnostics } from "./diagnostics.js";
import { type OwnSettings, type ProxyDraft, sectionSpan } from "./proxy-section.js";

/** HAProxy's own defaults for a proxy that no defaults section configures. */
function builtinSettings(): ProxySettings {
  return {
    mode: builtin("tcp"),
    balance: builtin({ algorithm: "roundrobin", args: [] }),
    hashType: builtin({ method: "map-based" }),
    retries: builtin(3),
    options: {},
    optionArgs: {},
    timeouts: {},
    defaultServer: { options: {} },
    stats: { auth: [], httpRequestAuth: [] },
  };
}

/** HAProxy's own defaults for a server line; shared by every server and never mutated. */
const BUILTIN_SERVER: Readonly<Record<string, Effective<unknown>>> = {
  check: builtin(false),
  weight: builtin(1),
  backup: builtin(false),
  disabled: builtin(false),
  inter: builtin(2000),
  fall: builtin(3),
  rise: builtin(2),
  ssl: builtin(false),
};

/** Settings a proxy may inherit besides the always-present ones. */
const OPTIONAL_KEYS = [
  "hashBalanceFactor",
  "httpCheck",
  "retries",
  "maxconn",
  "fullconn",
  "defaultBackend",
] as const;

/** Marks a value written in defaults section `via` as inherited through it. */
function inherited<T>(value: Effective<T>, via: string): Effective<T> {
  if (value.origin !== "section") return value;
  const out = assign({} as Effective<T>, value);
  out.origin = "defaults";
  out.via = via;
  return out;
}

function inheritRecord<T>(record: Record<string, Effective<T>>, via: string): Record<string, Effective<T>> {
  const out: Record<string, Effective<T>> = {};
  for (const [key, value] of Object.entries(record)) out[key] = inherited(value, via);
  return out;
}

const INHERITABLE = new WeakMap<ProxySettings, ProxySettings>();

/**
 * What a defaults section passes on: its settings with the values it wrote marked as inherited
 * through it. Computed once per defaults section and shared by every proxy that inherits them,
 * which keeps large configurations small in memory.
 */
function inheritable(base: ProxySettings, via: string): ProxySettings {
  const cached = INHERITABLE.get(base);
  if (cached) return cached;
  const defaultServer: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base.defaultServer)) {
    if (key !== "options" && value) defaultServer[key] = inherited(value as Effective<unknown>, via);
  }
  const stats: ProxySettings["stats"] = {
    auth: base.stats.auth,
    httpRequestAuth: base.stats.httpRequestAuth,
  };
  for (const key of ["enabled", "uri", "realm", "hideVersion"] as const) {
    const value = base.stats[key] as Effective<never> | undefined;
    if (value) (stats as unknown as Record<string, unknown>)[key] = inherited(value, via);
  }
  if (base.stats.admin) stats.admin = base.stats.admin;
  const out: ProxySettings = {
    mode: inherited(base.mode, via),
    balance: inherited(base.balance, via),
    hashType: inherited(base.hashType, via),
    options: inheritRecord(base.options, via),
    optionArgs: base.optionArgs,
    timeouts: inheritRecord(base.timeouts, via),
    defaultServer: {
      ...defaultServer,
      options: inheritRecord(base.defaultServer.options, via),
    } as ProxySettings["defaultServer"],
    stats,
  };
  for (const key of OPTIONAL_KEYS) {
    const value = base[key] as Effective<never> | undefined;
    if (value) out[key] = inherited(value, via);
  }
  INHERITABLE.set(base, out);
  return out;
}

function isEmpty(record: object): boolean {
  for (const _ in record) return false;
  return true;
}

/** Copies the own keys of `source` onto `target`, in order, as a spread would. */
function assign<T extends object>(target: T, source: object): T {
  const from = source as Record<string, unknown>;
  for (const key of Object.keys(from)) (target as Record<string, unknown>)[key] = from[key];
  return target;
}

/**
 * `{ ...a, ...b }`, built by assignment. Here, once per proxy or server, V8 gave every spread
 * result a hidden class of its own, which made large configurations slow and heavy; objects
 * built key by key share their hidden classes.
 */
function merged<T extends object>(a: T, b: T): T {
  return assign(assign({} as T, a), b);
}

/**
 * Computes effective settings: what `own` writes wins over what `base` (a resolved defaults
 * section named `via`, or HAProxy's built-in values) provides.
 */
export function resolveSettings(
  own: OwnSettings,
  base: ProxySettings | undefined,
  via: string,
  hasOwnStatsLines = false,
): ProxySettings {
  const from = base ? inheritable(base, via) : builtinSettings();
  const settings: ProxySettings = {
    mode: own.mode ?? from.mode,
    balance: own.balance ?? from.balance,
    hashType: own.hashType ?? from.hashType,
    options: isEmpty(own.options) ? from.options : merged(from.options, own.options),
    optionArgs: isEmpty(own.optionArgs) ? from.optionArgs : merged(from.optionArgs, own.optionArgs),
    timeouts: isEmpty(own.timeouts) ? from.timeouts : merged(from.timeouts, own.timeouts),
    defaultServer: mergeDefaultServer(from.defaultServer, own.defaultServer),
    stats: mergeStats(from.stats, own.stats, hasOwnStatsLines),
  };
  for (const key of OPTIONAL_KEYS) {
    const value = (own[key] ?? from[key]) as Effective<never> | undefined;
    if (value) settings[key] = value;
  }
  return settings;
}

/**
 * A proxy with any `stats` line of its own ignores every stats setting of its defaults section,
 * `stats auth` included: HAProxy detaches them before reading the proxy's first stats line.
 */
function mergeStats(
  base: ProxySettings["stats"],
  own: ProxySettings["stats"],
  ownLines: boolean,
): ProxySettings["stats"] {
  if (ownLines) return own;
  // Without stats lines of its own a proxy has its base's settings, shared as its other
  // inherited (never mutated) values are.
  if (!hasStatsSettings(own)) return base;
  const out = assign({} as ProxySettings["stats"], base);
  out.auth = own.auth.length > 0 ? own.auth : base.auth;
  out.httpRequestAuth = own.httpRequestAuth.length > 0 ? own.httpRequestAuth : base.httpRequestAuth;
  for (const key of ["enabled", "uri", "realm", "hideVersion"] as const) {
    const value = own[key] as Effective<never> | undefined;
    if (value) (out as unknown as Record<string, unknown>)[key] = value;
  }
  if (own.admin) out.admin = own.admin;
  return out;
}

function hasStatsSettings(stats: ProxySettings["stats"]): boolean {
  return (
    stats.auth.length > 0 ||
    stats.httpRequestAuth.length > 0 ||
    stats.enabled !== undefined ||
    stats.uri !== undefined ||
    stats.realm !== undefined ||
    stats.hideVersion !== undefined ||
    stats.admin !== undefined
  );
}

function mergeDefaultServer(
  base: ProxySettings["defaultServer"],
  own: ProxySettings["defaultServer"],
): ProxySettings["defaultServer"] {
  let ownTyped = false;
  for (const key in own) if (key !== "options") ownTyped = true;
  if (!ownTyped && isEmpty(own.options)) return base;
  const out: Record<string, unknown> = assign({}, base);
  for (const [key, value] of Object.entries(own)) if (key !== "options" && value) out[key] = value;
  out.options = merged(base.options, own.options);
  return out as ProxySettings["defaultServer"];
}

/** Server settings that exist only when some line sets them. */
const OPTIONAL_SERVER_KEYS = ["maxconn", "checkPort", "resolvers", "initAddr"] as const;

/** How HAProxy names a server in messages: `server BACKEND/NAME`. */
function ownerOf(draft: ProxyDraft, line: ProxyDraft["servers"][number]): string {
  return `server ${draft.name}/${line.name.text}`;
}

/** Marks a proxy's default-server value as coming from default-server. */
function fromDefaultServer<T>(value: Effective<T>): Effective<T> {
  const out = assign({} as Effective<T>, value);
  out.origin = "default-server";
  return out;
}

/** What every server line of a proxy starts from, before its own options. */
interface ServerBase {
  /** Built-in values overridden by default-server ones. */
  settings: ServerSettings;
  /** The optional settings default-server gives. */
  optional: (typeof OPTIONAL_SERVER_KEYS)[number][];
  /** Default-server options, relabelled; undefined when there are none. */
  options: Record<string, Effective<string | true>> | undefined;
}

const SERVER_BASES = new WeakMap<ProxySettings["defaultServer"], ServerBase>();

/**
 * The server base of a proxy's default-server settings. Every proxy that inherits one
 * defaults section unchanged shares its default-server object, so the base is computed once
 * for them all and its (never mutated) values are shared.
 */
function serverBase(defaultServer: ProxySettings["defaultServer"]): ServerBase {
  const cached = SERVER_BASES.get(defaultServer);
  if (cached) return cached;
  const settings = assign({}, BUILTIN_SERVER) as Record<string, unknown>;
  for (const [key, value] of Object.entries(defaultServer)) {
    if (key !== "options" && value) settings[key] = fromDefaultServer(value as Effective<unknown>);
  }
  let options: ServerBase["options"];
  for (const [key, value] of Object.entries(defaultServer.options)) {
    options ??= {};
    options[key] = fromDefaultServer(value);
  }
  const base: ServerBase = {
    settings: settings as unknown as ServerSettings,
    optional: OPTIONAL_SERVER_KEYS.filter((key) => settings[key] !== undefined),
    options,
  };
  SERVER_BASES.set(defaultServer, base);
  return base;
}

/**
 * Builds the model proxy from its draft and resolved settings, applying `default-server` to
 * every server line and checking what can only be judged after that (a check needs a port).
 */
export function finishProxy(
  draft: ProxyDraft,
  settings: ProxySettings,
  inheritsFrom: string | undefined,
  diagnostics: Diagnostics,
): Proxy {
  // `settings` was resolved for this proxy alone, so it becomes the proxy rather than being
  // copied into one; its keys come first, as they did when it was spread.
  const proxy = settings as Proxy;
  proxy.kind = draft.kind;
  proxy.name = draft.name;
  proxy.nameSpan = draft.nameSpan;
  proxy.headerSpan = draft.headerSpan;
  proxy.span = sectionSpan(draft);
  proxy.binds = draft.binds;
  proxy.acls = draft.acls;
  proxy.routes = draft.routes;
  proxy.servers = [];
  proxy.httpCheckRules = draft.httpCheckRules;
  proxy.directives = draft.directives;
  proxy.unknown = draft.unknown;
  if (inheritsFrom !== undefined) proxy.inheritsFrom = inheritsFrom;
  if (draft.kind !== "backend" && draft.kind !== "listen") return proxy;

  const {
    settings: base,
    optional: optionalBase,
    options: defaultOptions,
  } = serverBase(settings.defaultServer);
  for (const line of draft.servers) {
    const addressWord = line.addressWord;
    if (!addressWord) continue;
    const read = readAddress(addressWord.text, addressWord.span);
    if (!read.ok) {
      diagnostics.error(
        "bad-address",
        addressWord.span,
        `'${ownerOf(draft, line)}': ${read.reason}`,
        "Write the server address as IP:PORT or HOSTNAME:PORT.",
      );
      continue;
    }
    const address = read.address;
    if (address.truncatedIpv4) {
      diagnostics.error(
        "truncated-ipv4",
        addressWord.span,
        `'${ownerOf(draft, line)}': '${addressWord.text}' has fewer than four numbers; HAProxy silently reads it as ${address.host}`,
        `Write all four parts of the IPv4 address (HAProxy would connect to ${address.host}).`,
      );
    }
    const own = line.options;
    const settingsOut: ServerSettings = {
      check: own.check ?? base.check,
      weight: own.weight ?? base.weight,
      backup: own.backup ?? base.backup,
      disabled: own.disabled ?? base.disabled,
      inter: own.inter ?? base.inter,
      fall: own.fall ?? base.fall,
      rise: own.rise ?? base.rise,
      ssl: own.ssl ?? base.ssl,
      options: defaultOptions ? merged(defaultOptions, own.options) : own.options,
    };
    for (const key of optionalBase) settingsOut[key] = base[key] as never;
    if (own.maxconn) settingsOut.maxconn = own.maxconn;
    if (own.checkPort) settingsOut.checkPort = own.checkPort;
    if (own.resolvers) settingsOut.resolvers = own.resolvers;
    if (own.initAddr) settingsOut.initAddr = own.initAddr;
    const server: Server = {
      name: line.name.text,
      nameSpan: line.name.span,
      proxy: draft.name,
      address,
      settings: settingsOut,
      directive: line.directive,
      span: line.directive.span,
    };
    const networked = address.kind === "ipv4" || address.kind === "ipv6" || address.kind === "hostname";
    if (networked && address.port === undefined && settingsOut.check.value && !settingsOut.checkPort) {
      diagnostics.error(
        "check-without-port",
        line.directive.span,
        `'${ownerOf(draft, line)}' has neither a service port nor a check port, so HAProxy 2.6 refuses to start`,
        "Add the port to the address (e.g. 10.0.0.1:80) or give the check a port with 'port 80'.",
      );
    }
    proxy.servers.push(server);
  }
  return proxy;
}
