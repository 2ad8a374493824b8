import { readCondition } from "../haproxy/parse/acl-line.js";
import { Diagnostics } from "../haproxy/parse/diagnostics.js";
import type { Acl, AclTest, Condition, ConditionTerm } from "../model/condition.js";
import type { Config } from "../model/config.js";
import type { Directive } from "../model/directive.js";
import type { Proxy } from "../model/proxy.js";
import type { Address } from "../model/server.js";
import type { SourceSpan } from "../model/span.js";
import { defineRule } from "./rule.js";
import { aclsByName, conditionTruth } from "./semantics/condition-truth.js";

/** HAProxy's stats URI when `stats enable` is given without `stats uri`. */
const DEFAULT_URI = "/haproxy?stats";

/** `stats` sub-keywords; in a proxy, each of them switches the stats page on. */
const STATS_KEYWORDS = new Set([
  "admin",
  "auth",
  "enable",
  "hide-version",
  "http-request",
  "realm",
  "refresh",
  "scope",
  "show-desc",
  "show-legends",
  "show-modules",
  "show-node",
  "uri",
]);

/** Fetches that tell who the client is: its address, its credentials or its certificate. */
const CLIENT_FETCHES = new Set([
  "src",
  "http_auth",
  "http_auth_group",
  "http_auth_bearer",
  "ssl_c_used",
  "ssl_c_verify",
  "ssl_fc_has_crt",
]);

/** Predefined ACLs that test the client's address. */
const CLIENT_ACLS = new Set(["LOCALHOST"]);

/** Actions that stop a request or connection. */
const BLOCKING_ACTIONS = new Set(["deny", "reject", "tarpit", "silent-drop"]);

/** The stats page as one proxy serves it. */
interface StatsView {
  uri: string;
  /** The line that switches the page on. */
  span: SourceSpan;
  /** `stats auth`, or `stats http-request auth|deny`. */
  guarded: boolean;
  admin?: Directive;
  /** The defaults section it comes from, when the proxy has no `stats` line of its own. */
  inheritedFrom?: string;
  /** Own `stats` lines dropped the defaults' `stats auth`. */
  lostDefaultsAuth?: boolean;
}

function isClientTest(test: AclTest): boolean {
  return CLIENT_FETCHES.has(test.fetch);
}

function isClientTerm(term: ConditionTerm, acls: Map<string, Acl[]>): boolean {
  if (term.kind === "inline") return isClientTest(term.test);
  const lines = acls.get(term.name);
  if (!lines) return CLIENT_ACLS.has(term.name);
  return lines.every(isClientTest);
}

/** The condition after `if`/`unless` on a line, if any. */
function conditionOf(d: Directive): Condition | undefined {
  const at = d.args.findIndex((w) => w.text === "if" || w.text === "unless");
  return at < 0 ? undefined : readCondition(d.args.slice(at), new Diagnostics());
}

/**
 * True when a condition only holds for chosen clients: with `if`, every alternative requires a
 * client test (address, credentials, certificate); with `unless`, some alternative is made only
 * of negated client tests (`unless !LOCALHOST`).
 */
function limitsClients(condition: Condition, acls: Map<string, Acl[]>): boolean {
  if (condition.polarity === "if")
    return condition.alternatives.every((terms) => terms.some((t) => !t.negated && isClientTerm(t, acls)));
  return condition.alternatives.some((terms) => terms.every((t) => t.negated && isClientTerm(t, acls)));
}

/** True when the condition mentions the client's address, credentials or certificate at all. */
function mentionsClient(condition: Condition, acls: Map<string, Acl[]>): boolean {
  return condition.alternatives.some((terms) => terms.some((t) => isClientTerm(t, acls)));
}

/**
 * True when the proxy guards access by itself: `http-request auth`, or a deny/reject rule that
 * looks at who the client is (`http-request deny unless { src 10.0.0.0/8 }`).
 */
function guardedByProxyRules(proxy: Proxy, acls: Map<string, Acl[]>): boolean {
  return proxy.directives.some((d) => {
    const action = d.args[0]?.text ?? "";
    if (d.keyword === "http-request" && action === "auth") return true;
    const blocking =
      (d.keyword === "http-request" && BLOCKING_ACTIONS.has(action)) ||
      (d.keyword === "tcp-request" && BLOCKING_ACTIONS.has(d.args[1]?.text ?? ""));
    if (!blocking) return false;
    const condition = conditionOf(d);
    return condition !== undefined && mentionsClient(condition, acls);
  });
}

function isLocal(address: Address): boolean {
  if (address.kind === "unix" || address.kind === "abstract" || address.kind === "other") return true;
  if (address.kind === "ipv4") return address.host.startsWith("127.");
  if (address.kind === "ipv6") return address.host === "::1";
  return address.host.toLowerCase() === "localhost";
}

/** True when every listening address of the proxy is on this machine only. */
function listensLocallyOnly(proxy: Proxy): boolean {
  const addresses = proxy.binds.flatMap((b) => b.addresses);
  return addresses.length > 0 && addresses.every(isLocal);
}

/** The defaults section a proxy inherits from: the last one of that name declared before it. */
function inheritedDefaults(proxy: Proxy, config: Config): Proxy | undefined {
  if (proxy.inheritsFrom === undefined) return undefined;
  const order = (p: Proxy) => [config.files.indexOf(p.headerSpan.file), p.headerSpan.line] as const;
  const [file, line] = order(proxy);
  return config.defaults.findLast((d) => {
    const [dFile, dLine] = order(d);
    return d.name === proxy.inheritsFrom && (dFile < file || (dFile === file && dLine < line));
  });
}

/**
 * How the proxy serves the stats page. HAProxy detaches a proxy from its defaults' stats
 * settings as soon as it has one `stats` line of its own, so then only its own lines count.
 */
function statsView(proxy: Proxy, config: Config): StatsView | undefined {
  const own = proxy.directives.filter(
    (d) => d.keyword === "stats" && STATS_KEYWORDS.has(d.args[0]?.text ?? ""),
  );
  if (own.length === 0) {
    const stats = proxy.stats;
    if (!stats.enabled?.value && !stats.uri) return undefined;
    const on = stats.uri ?? stats.enabled;
    if (!on?.span) return undefined;
    return {
      uri: stats.uri?.value ?? DEFAULT_URI,
      span: on.span,
      guarded: stats.auth.length > 0 || stats.httpRequestAuth.length > 0,
      inheritedFrom: on.via ?? "",
    };
  }
  const sub = (d: Directive) => d.args[0]?.text;
  const uriLine = own.findLast((d) => sub(d) === "uri");
  const view: StatsView = {
    uri: uriLine?.args[1]?.text ?? DEFAULT_URI,
    span: (uriLine ?? own.find((d) => sub(d) === "enable") ?? (own[0] as Directive)).span,
    guarded: own.some(
      (d) =>
        sub(d) === "auth" ||
        (sub(d) === "http-request" && (d.args[1]?.text === "auth" || d.args[1]?.text === "deny")),
    ),
  };
  const admin = own.find((d) => sub(d) === "admin");
  if (admin) view.admin = admin;
  // Credentials written in the defaults section no longer apply to this proxy.
  if (!view.guarded && (inheritedDefaults(proxy, config)?.stats.auth.length ?? 0) > 0)
    view.lostDefaultsAuth = true;
  return view;
}

/**
 * A stats page without authentication shows anyone who reaches it every backend, server name,
 * address and health; with `stats admin`, they can also drain and disable servers.
 */
export default defineRule({
  meta: {
    id: "stats-without-auth",
    severity: "warning",
    description:
      "The HTTP stats page is served without authentication (and, with 'stats admin', lets anyone change servers).",
    messages: {
      withoutAuth:
        "the stats page of '{proxy}' ({uri}) has no authentication: anyone who reaches it reads every server's name, address and health",
      inheritedWithoutAuth:
        "the stats page enabled in defaults {defaults} ({uri}) has no authentication and '{proxy}' serves it, as does every HTTP proxy inheriting it: anyone who reaches it reads every server's name, address and health",
      lostDefaultsAuth:
        "'{proxy}' has stats lines of its own, so the 'stats auth' of its defaults section no longer applies: its stats page ({uri}) has no authentication",
      adminWithoutAuth:
        "'stats admin' in '{proxy}' lets anyone who reaches {uri} drain, disable or re-weight servers: the stats page has no authentication",
    },
    hints: {
      withoutAuth:
        "Add 'stats auth USER:PASSWORD' (or 'stats http-request auth' with a userlist), or serve the page on a port bound to 127.0.0.1 only.",
      inheritedWithoutAuth:
        "Move the stats lines from defaults {defaults} into one dedicated 'listen stats' section with 'stats auth USER:PASSWORD', bound to an internal address.",
      lostDefaultsAuth:
        "Repeat 'stats auth USER:PASSWORD' in '{proxy}': HAProxy drops every inherited stats setting once a proxy has its own 'stats' line.",
      adminWithoutAuth:
        "Add 'stats auth USER:PASSWORD' and limit admin to trusted clients, e.g. 'stats admin if { src 10.0.0.0/8 }'.",
    },
  },
  create(context) {
    const reportedInherited = new Set<string>();

    // A backend's stats page is reached through the frontends that route to it: their access
    // rules and listening addresses count for it too. Computed once, on first need.
    let frontendsOf: Map<string, Set<Proxy>> | undefined;
    const guardedFrontends = new Map<Proxy, boolean>();
    const isGuarded = (proxy: Proxy) => {
      let guarded = guardedFrontends.get(proxy);
      if (guarded === undefined) {
        guarded = guardedByProxyRules(proxy, aclsByName(proxy));
        guardedFrontends.set(proxy, guarded);
      }
      return guarded;
    };
    const reachedThrough = (backend: Proxy): Proxy[] => {
      if (!frontendsOf) {
        frontendsOf = new Map();
        for (const ref of context.index.references) {
          const set = frontendsOf.get(ref.backend) ?? new Set();
          set.add(ref.frontend);
          frontendsOf.set(ref.backend, set);
        }
      }
      return [...(frontendsOf.get(backend.name) ?? [])];
    };

    const check = (proxy: Proxy) => {
      // HAProxy ignores stats settings in tcp mode (with a warning of its own). A mode never set
      // anywhere is taken as HTTP: stats lines show that intent, and fragments appended to a
      // distribution's stock configuration inherit its 'mode http'.
      if (proxy.mode.value !== "http" && proxy.mode.origin !== "builtin") return;
      const view = statsView(proxy, context.config);
      if (!view || view.guarded) return;
      if (isGuarded(proxy)) return;
      let local = listensLocallyOnly(proxy);
      if (proxy.kind === "backend") {
        // With dynamic use_backend rules, any frontend may lead here: judge the backend alone.
        const fronts = context.index.hasDynamicRoutes ? [] : reachedThrough(proxy);
        if (fronts.length > 0 && fronts.every(isGuarded)) return;
        local = fronts.length > 0 && fronts.every(listensLocallyOnly);
      }

      const acls = aclsByName(proxy);
      const adminCondition = view.admin && conditionOf(view.admin);
      const adminForAll =
        view.admin !== undefined &&
        (adminCondition === undefined ||
          (conditionTruth(adminCondition, acls) !== "never" && !limitsClients(adminCondition, acls)));
      if (view.admin && adminForAll) {
        context.report({
          messageId: "adminWithoutAuth",
          data: { proxy: proxy.name, uri: view.uri },
          span: view.admin.span,
          // Bound to this machine only: local accounts can still change servers, the network cannot.
          ...(local ? { severity: "warning" as const } : { severity: "error" as const }),
          related: [{ message: "stats page enabled here", span: view.span }],
        });
        return;
      }
      // A read-only page reachable from this machine only is the usual, safe set-up.
      if (local) return;
      if (view.inheritedFrom !== undefined) {
        const key = `${view.span.file}:${view.span.line}:${view.span.column}`;
        if (reportedInherited.has(key)) return;
        reportedInherited.add(key);
        context.report({
          messageId: "inheritedWithoutAuth",
          data: {
            proxy: proxy.name,
            uri: view.uri,
            defaults: view.inheritedFrom ? `'${view.inheritedFrom}'` : "(unnamed)",
          },
          span: view.span,
        });
        return;
      }
      context.report({
        messageId: view.lostDefaultsAuth ? "lostDefaultsAuth" : "withoutAuth",
        data: { proxy: proxy.name, uri: view.uri },
        span: view.span,
      });
    };

    return {
      frontend: check,
      backend(proxy) {
        // Listen sections were seen as frontends already; a backend no frontend uses serves nothing.
        if (proxy.kind !== "backend") return;
        const index = context.index;
        if (index.hasDynamicRoutes || index.referencedBackends.has(proxy.name)) check(proxy);
      },
    };
  },
});
