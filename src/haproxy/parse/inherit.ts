import type { Effective } from "../../model/effective.js";
import { builtin } from "../../model/effective.js";
import type { Proxy, ProxySettings } from "../../model/proxy.js";
import type { Server, ServerSettings } from "../../model/server.js";
import { readAddress } from "./address.js";
import type { Diagnostics } from "./diagnostics.js";
import type { OwnSettings, ProxyDraft } from "./proxy-section.js";

/** HAProxy's own defaults for a proxy that no defaults section configures. */
function builtinSettings(): ProxySettings {
  return {
    mode: builtin("tcp"),
    balance: builtin({ algorithm: "roundrobin", args: [] }),
    hashType: builtin({ method: "map-based", function: "sdbm" }),
    retries: builtin(3),
    options: {},
    optionArgs: {},
    timeouts: {},
    defaultServer: { options: {} },
    stats: { auth: [], httpRequestAuth: [] },
  };
}

/** HAProxy's own defaults for a server line. */
function builtinServerSettings(): ServerSettings {
  return {
    check: builtin(false),
    weight: builtin(1),
    backup: builtin(false),
    disabled: builtin(false),
    inter: builtin(2000),
    fall: builtin(3),
    rise: builtin(2),
    ssl: builtin(false),
    options: {},
  };
}

/** Marks values written in defaults section `via` as inherited through it. */
function inherited<T>(value: Effective<T>, via: string): Effective<T> {
  return value.origin === "section" ? { ...value, origin: "defaults", via } : value;
}

function inheritRecord<T>(record: Record<string, Effective<T>>, via: string): Record<string, Effective<T>> {
  const out: Record<string, Effective<T>> = {};
  for (const [key, value] of Object.entries(record)) out[key] = inherited(value, via);
  return out;
}

/**
 * Computes effective settings: what `own` writes wins over what `base` (a resolved defaults
 * section named `via`, or HAProxy's built-in values) provides.
 */
export function resolveSettings(
  own: OwnSettings,
  base: ProxySettings | undefined,
  via: string,
): ProxySettings {
  const from = base ?? builtinSettings();
  const pick = <K extends keyof OwnSettings & keyof ProxySettings>(key: K) => {
    const mine = own[key] as Effective<unknown> | undefined;
    const theirs = from[key] as Effective<unknown> | undefined;
    return mine ?? (theirs ? inherited(theirs, via) : undefined);
  };
  const settings: ProxySettings = {
    mode: pick("mode") as ProxySettings["mode"],
    balance: pick("balance") as ProxySettings["balance"],
    hashType: pick("hashType") as ProxySettings["hashType"],
    options: { ...inheritRecord(from.options, via), ...own.options },
    optionArgs: { ...from.optionArgs, ...own.optionArgs },
    timeouts: { ...inheritRecord(from.timeouts, via), ...own.timeouts },
    defaultServer: mergeDefaultServer(from.defaultServer, own.defaultServer, via),
    stats: {
      ...inheritStats(from.stats, via),
      ...definedOnly(own.stats),
      auth: own.stats.auth.length > 0 ? own.stats.auth : from.stats.auth,
      httpRequestAuth:
        own.stats.httpRequestAuth.length > 0 ? own.stats.httpRequestAuth : from.stats.httpRequestAuth,
    },
  };
  for (const key of [
    "hashBalanceFactor",
    "httpCheck",
    "retries",
    "maxconn",
    "fullconn",
    "defaultBackend",
  ] as const) {
    const value = pick(key);
    if (value) (settings as unknown as Record<string, unknown>)[key] = value;
  }
  return settings;
}

function inheritStats(stats: ProxySettings["stats"], via: string): ProxySettings["stats"] {
  const out: ProxySettings["stats"] = { auth: stats.auth, httpRequestAuth: stats.httpRequestAuth };
  if (stats.enabled) out.enabled = inherited(stats.enabled, via);
  if (stats.uri) out.uri = inherited(stats.uri, via);
  if (stats.realm) out.realm = inherited(stats.realm, via);
  if (stats.hideVersion) out.hideVersion = inherited(stats.hideVersion, via);
  if (stats.admin) out.admin = stats.admin;
  return out;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function mergeDefaultServer(
  base: ProxySettings["defaultServer"],
  own: ProxySettings["defaultServer"],
  via: string,
): ProxySettings["defaultServer"] {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(base)) {
    if (key !== "options" && value) out[key] = inherited(value as Effective<unknown>, via);
  }
  for (const [key, value] of Object.entries(own)) if (key !== "options" && value) out[key] = value;
  return {
    ...out,
    options: { ...inheritRecord(base.options, via), ...own.options },
  } as ProxySettings["defaultServer"];
}

/** Marks a proxy's default-server values as coming from default-server. */
function fromDefaultServer<T>(value: Effective<T>): Effective<T> {
  return { ...value, origin: "default-server" };
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
  const proxy: Proxy = {
    ...settings,
    kind: draft.kind,
    name: draft.name,
    nameSpan: draft.nameSpan,
    headerSpan: draft.headerSpan,
    span: draft.span,
    binds: draft.binds,
    acls: draft.acls,
    routes: draft.routes,
    servers: [],
    httpCheckRules: draft.httpCheckRules,
    directives: draft.directives,
    unknown: draft.unknown,
  };
  if (inheritsFrom !== undefined) proxy.inheritsFrom = inheritsFrom;
  if (draft.kind !== "backend" && draft.kind !== "listen") return proxy;

  const defaultServer = settings.defaultServer;
  for (const line of draft.servers) {
    const owner = `server ${draft.name}/${line.name.text}`;
    const addressWord = line.addressWord;
    if (!addressWord) continue;
    const read = readAddress(addressWord.text, addressWord.span);
    if (!read.ok) {
      diagnostics.error(
        "bad-address",
        addressWord.span,
        `'${owner}': ${read.reason}`,
        "Write the server address as IP:PORT or HOSTNAME:PORT.",
      );
      continue;
    }
    const address = read.address;
    if (address.truncatedIpv4) {
      diagnostics.error(
        "truncated-ipv4",
        addressWord.span,
        `'${owner}': '${addressWord.text}' has fewer than four numbers; HAProxy silently reads it as ${address.host}`,
        `Write all four parts of the IPv4 address (HAProxy would connect to ${address.host}).`,
      );
    }
    const settingsOut = builtinServerSettings();
    for (const [key, value] of Object.entries(defaultServer)) {
      if (key !== "options" && value)
        (settingsOut as unknown as Record<string, unknown>)[key] = fromDefaultServer(
          value as Effective<unknown>,
        );
    }
    for (const [key, value] of Object.entries(line.options)) {
      if (key !== "options" && value) (settingsOut as unknown as Record<string, unknown>)[key] = value;
    }
    settingsOut.options = {
      ...Object.fromEntries(Object.entries(defaultServer.options).map(([k, v]) => [k, fromDefaultServer(v)])),
      ...line.options.options,
    };
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
        `'${owner}' has neither a service port nor a check port, so HAProxy 2.6 refuses to start`,
        "Add the port to the address (e.g. 10.0.0.1:80) or give the check a port with 'port 80'.",
      );
    }
    proxy.servers.push(server);
  }
  return proxy;
}
