import type { Condition } from "../model/condition.js";
import type { Config } from "../model/config.js";
import type { Directive } from "../model/directive.js";
import type { Proxy } from "../model/proxy.js";
import type { SourceSpan } from "../model/span.js";
import { defineRule } from "./rule.js";
import { inheritedDefaults } from "./semantics/inherited-defaults.js";
import {
  type AccessRule,
  holdsForStranger,
  type PageRequests,
  pageRequests,
  stopsStranger,
} from "./semantics/client-access.js";
import { aclsByName } from "./semantics/condition-truth.js";
import { isLocalAddress } from "./semantics/server-pool.js";

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

/** The stats page as one proxy serves it. */
interface StatsView {
  uri: string;
  /** The line that switches the page on. */
  span: SourceSpan;
  /** `stats auth` applies: credentials are required for every request to the page. */
  credentials: boolean;
  /** The `stats http-request` lines that apply, in order. */
  statsRules: AccessRule[];
  admin?: Directive;
  /** The defaults section it comes from, when the proxy has no `stats` line of its own. */
  inheritedFrom?: string;
  /** Own `stats` lines dropped the defaults' `stats auth`. */
  lostDefaultsAuth?: boolean;
}

/** The condition after `if`/`unless` on a line, if any (read by the parser). */
function conditionOf(d: Directive): Condition | undefined {
  return d.condition;
}

/** An access rule read from a line whose action is the word at `actionAt`. */
function accessRule(d: Directive, actionAt: number): AccessRule {
  const rule: AccessRule = { action: d.args[actionAt]?.text ?? "" };
  const condition = conditionOf(d);
  if (condition) rule.condition = condition;
  return rule;
}

/** The `tcp-request` rule lists, by the word after `tcp-request`. */
const TCP_REQUEST_LISTS = new Set(["connection", "session", "content"]);

/**
 * The proxy's own access rule lists (`tcp-request connection`, `session` and `content`, and
 * `http-request`), each in line order. A request has to pass every one of them.
 */
function accessLists(proxy: Proxy): AccessRule[][] {
  const lists = new Map<string, AccessRule[]>();
  const add = (list: string, rule: AccessRule) => {
    const rules = lists.get(list);
    if (rules) rules.push(rule);
    else lists.set(list, [rule]);
  };
  for (const d of proxy.directives) {
    if (d.keyword === "http-request") add("http", accessRule(d, 0));
    else if (d.keyword === "tcp-request" && TCP_REQUEST_LISTS.has(d.args[0]?.text ?? ""))
      add(`tcp ${d.args[0]?.text}`, accessRule(d, 1));
  }
  return [...lists.values()];
}

/** True when every listening address of the proxy is on this machine only. */
function listensLocallyOnly(proxy: Proxy): boolean {
  const addresses = proxy.binds.flatMap((b) => b.addresses);
  return addresses.length > 0 && addresses.every(isLocalAddress);
}

/** The `stats http-request` lines among `lines`, as access rules. */
function statsRulesOf(lines: readonly Directive[]): AccessRule[] {
  return lines
    .filter((d) => d.keyword === "stats" && d.args[0]?.text === "http-request")
    .map((d) => accessRule(d, 1));
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
    const source = inheritedDefaults(proxy, config);
    return {
      uri: stats.uri?.value ?? DEFAULT_URI,
      span: on.span,
      // Without the defaults section at hand, its `stats http-request auth` lines are taken at
      // their word.
      credentials: stats.auth.length > 0 || (!source && stats.httpRequestAuth.length > 0),
      statsRules: source ? statsRulesOf(source.directives) : [],
      inheritedFrom: on.via ?? "",
    };
  }
  const sub = (d: Directive) => d.args[0]?.text;
  const uriLine = own.findLast((d) => sub(d) === "uri");
  const view: StatsView = {
    uri: uriLine?.args[1]?.text ?? DEFAULT_URI,
    span: (uriLine ?? own.find((d) => sub(d) === "enable") ?? (own[0] as Directive)).span,
    credentials: own.some((d) => sub(d) === "auth"),
    statsRules: statsRulesOf(own),
  };
  const admin = own.find((d) => sub(d) === "admin");
  if (admin) view.admin = admin;
  // Credentials written in the defaults section no longer apply to this proxy.
  if (!view.credentials && (inheritedDefaults(proxy, config)?.stats.auth.length ?? 0) > 0)
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
    const guardedByProxy = new Map<Proxy, { lists: AccessRule[][]; byPage: Map<string, boolean> }>();
    /** True when the proxy's own access rules stop every stranger asking for the page. */
    const isGuarded = (proxy: Proxy, page: PageRequests) => {
      let cached = guardedByProxy.get(proxy);
      if (!cached) {
        cached = { lists: accessLists(proxy), byPage: new Map() };
        guardedByProxy.set(proxy, cached);
      }
      const key = `${page.exact ? "=" : "^"}${page.path}`;
      let guarded = cached.byPage.get(key);
      if (guarded === undefined) {
        const acls = aclsByName(proxy);
        guarded = cached.lists.some((rules) => stopsStranger(rules, acls, page));
        cached.byPage.set(key, guarded);
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
      if (!view || view.credentials) return;
      const page = pageRequests(view.uri);
      const acls = aclsByName(proxy);
      // Each rule list is a gate of its own: an `allow` in the proxy's http-request lines does not
      // skip `stats auth` or `stats http-request` (checked on 2.6.12), so a stranger stopped by
      // any list never sees the page.
      if (stopsStranger(view.statsRules, acls, page) || isGuarded(proxy, page)) return;
      let local = listensLocallyOnly(proxy);
      if (proxy.kind === "backend") {
        // With dynamic use_backend rules, any frontend may lead here: judge the backend alone.
        const fronts = context.index.hasDynamicRoutes ? [] : reachedThrough(proxy);
        if (fronts.length > 0 && fronts.every((front) => isGuarded(front, page))) return;
        local = fronts.length > 0 && fronts.every(listensLocallyOnly);
      }

      // `stats admin` counts for everyone unless its condition leaves strangers out.
      const adminCondition = view.admin && conditionOf(view.admin);
      const adminForAll =
        view.admin !== undefined &&
        (adminCondition === undefined || holdsForStranger(adminCondition, acls, page) !== "no");
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
