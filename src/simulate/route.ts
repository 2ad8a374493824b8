import type { AclTest, Condition } from "../model/condition.js";
import type { Directive } from "../model/directive.js";
import type { Proxy } from "../model/proxy.js";
import { formatSpan, type SourceSpan } from "../model/span.js";
import { aclsByName } from "../rules/semantics/condition-truth.js";
import { requestUri } from "./hash/hash-key.js";
import { evaluateCondition, type RoutedRequest, type Verdict } from "./evaluate-condition.js";
import type { FrontendPrediction, RequestClass, RouteOutcome, Traffic } from "./types.js";

/** Actions of `http-request` / `tcp-request` lines that answer or drop a request before routing. */
const ANSWERING_ACTIONS = new Set(["deny", "redirect", "return", "tarpit", "reject", "auth", "silent-drop"]);
/** Actions that change what routing rules see; lbguard does not replay them. */
const REWRITING_ACTIONS = new Set([
  "set-path",
  "set-pathq",
  "replace-path",
  "replace-pathq",
  "set-uri",
  "replace-uri",
  "set-query",
  "set-header",
  "add-header",
  "replace-header",
  "replace-value",
  "del-header",
  "set-method",
  "set-src",
]);

/** Where one request goes inside a frontend, before rates are applied. */
interface Destination {
  backend?: string;
  undetermined: boolean;
  reason: string;
}

/**
 * Predicts where each request class of the mix goes in a frontend: lines that answer requests
 * before routing (`http-request deny`, `redirect`, ...), then `use_backend` rules in order, then
 * `default_backend` (or a listen section's own servers). A condition lbguard cannot evaluate
 * makes the rest of that class undetermined, with the reason; it is never guessed.
 */
export function routeFrontend(frontend: Proxy, traffic: Traffic): FrontendPrediction {
  const rps = traffic.frontendRps[frontend.name] ?? 0;
  const totalWeight = traffic.requests.reduce((sum, r) => sum + r.weight, 0);
  const rules = frontendRules(frontend);
  const perClient = mentionsSource(frontend);
  const clients = perClient ? traffic.clients : [traffic.clients[0] ?? "10.0.0.1"];
  const tls = frontend.binds.every((b) => b.ssl)
    ? true
    : frontend.binds.some((b) => b.ssl)
      ? undefined
      : false;
  const notes: string[] = [];
  const rewrites = frontend.directives.find(
    (d) => d.keyword === "http-request" && REWRITING_ACTIONS.has(d.args[0]?.text ?? ""),
  );
  if (rewrites) {
    notes.push(
      `'${rewrites.words.map((w) => w.text).join(" ")}' at ${formatSpan(rewrites.span)} rewrites requests before routing; lbguard routes them as they arrive`,
    );
  }

  const routes: RouteOutcome[] = [];
  traffic.requests.forEach((request) => {
    const classShare = request.weight / totalWeight;
    const tally = new Map<string, { destination: Destination; share: number }>();
    for (const client of clients) {
      const destination = destinationOf(rules, toRouted(request, client, tls));
      const key = `${destination.backend ?? ""}|${destination.undetermined}|${destination.reason}`;
      const entry = tally.get(key) ?? { destination, share: 0 };
      entry.share += classShare / clients.length;
      tally.set(key, entry);
    }
    for (const { destination, share } of tally.values()) {
      const outcome: RouteOutcome = {
        request,
        undetermined: destination.undetermined,
        reason: destination.reason,
        share,
        rps: share * rps,
      };
      if (destination.backend !== undefined) outcome.backend = destination.backend;
      routes.push(outcome);
    }
  });
  const sum = (pick: (r: RouteOutcome) => boolean) =>
    routes.filter(pick).reduce((total, r) => total + r.share, 0);
  return {
    name: frontend.name,
    rps,
    routes,
    undeterminedShare: sum((r) => r.undetermined),
    unroutedShare: sum((r) => !r.undetermined && r.backend === undefined),
    notes,
  };
}

function toRouted(request: RequestClass, client: string, tls: boolean | undefined): RoutedRequest {
  const routed: RoutedRequest = { method: request.method, path: request.path, client, tls };
  if (request.query !== undefined) routed.query = request.query;
  if (request.host !== undefined) routed.host = request.host;
  if (request.headers !== undefined) routed.headers = request.headers;
  return routed;
}

/**
 * What of a frontend decides before `use_backend`, read once per frontend rather than once per
 * request and client.
 */
interface FrontendRules {
  frontend: Proxy;
  acls: ReturnType<typeof aclsByName>;
  monitor?: { uri: string; span: SourceSpan };
  stats?: { uri: string; span: SourceSpan | undefined };
  answering: { directive: Directive; action: string }[];
}

function frontendRules(frontend: Proxy): FrontendRules {
  const rules: FrontendRules = { frontend, acls: aclsByName(frontend), answering: [] };
  for (const d of frontend.directives) {
    const action = answeringLine(d);
    if (action) rules.answering.push({ directive: d, action });
    const monitorUri = d.keyword === "monitor-uri" ? d.args[0]?.text : undefined;
    if (monitorUri !== undefined && !rules.monitor) rules.monitor = { uri: monitorUri, span: d.span };
  }
  const stats = frontend.stats;
  if (stats.enabled?.value) {
    rules.stats = { uri: stats.uri?.value ?? "/haproxy?stats", span: stats.uri?.span ?? stats.enabled.span };
  }
  return rules;
}

function destinationOf(rules: FrontendRules, request: RoutedRequest): Destination {
  const { frontend, acls } = rules;
  const own = ownAnswer(rules, request);
  if (own) return own;
  for (const { directive: d, action } of rules.answering) {
    const verdict = d.condition ? evaluateCondition(d.condition, acls, request) : true;
    if (verdict === true) {
      return { undetermined: false, reason: `answered by '${action}' at ${formatSpan(d.span)}` };
    }
    if (verdict !== false) return undetermined(verdict, d.span, `'${action}'`);
  }
  for (const route of frontend.routes) {
    const verdict: Verdict = route.condition ? evaluateCondition(route.condition, acls, request) : true;
    if (verdict === false) continue;
    if (verdict !== true) return undetermined(verdict, route.span, `use_backend ${route.backend}`);
    if (route.dynamic) {
      return {
        undetermined: true,
        reason: `use_backend ${route.backend} at ${formatSpan(route.span)} names its backend per request`,
      };
    }
    return {
      backend: route.backend,
      undetermined: false,
      reason: `use_backend ${route.backend} at ${formatSpan(route.span)}`,
    };
  }
  const fallback = frontend.defaultBackend;
  if (fallback) {
    const where = fallback.span ? ` at ${formatSpan(fallback.span)}` : "";
    return {
      backend: fallback.value,
      undetermined: false,
      reason: `default_backend ${fallback.value}${where}`,
    };
  }
  if (frontend.kind === "listen") {
    return {
      backend: frontend.name,
      undetermined: false,
      reason: `listen '${frontend.name}' serves it itself`,
    };
  }
  return {
    undetermined: false,
    reason: "no use_backend rule matches and there is no default_backend: HAProxy answers 503",
  };
}

function undetermined(verdict: { unknown: string }, span: Directive["span"], line: string): Destination {
  return { undetermined: true, reason: `${line} at ${formatSpan(span)}: ${verdict.unknown}` };
}

/**
 * Requests HAProxy answers itself: the `monitor-uri` path and, with stats enabled, the stats
 * page under its URI (`/haproxy?stats` by default).
 */
function ownAnswer(rules: FrontendRules, request: RoutedRequest): Destination | undefined {
  const { monitor, stats } = rules;
  if (monitor && request.path === monitor.uri) {
    return {
      undetermined: false,
      reason: `answered by 'monitor-uri ${monitor.uri}' at ${formatSpan(monitor.span)}`,
    };
  }
  if (stats && requestUri(request).startsWith(stats.uri)) {
    return {
      undetermined: false,
      reason: `answered by the stats page${stats.span ? ` at ${formatSpan(stats.span)}` : ""}`,
    };
  }
  return undefined;
}

/** The action of a line that answers requests before routing, or undefined. */
function answeringLine(d: Directive): string | undefined {
  if (d.keyword === "redirect") return "redirect";
  if (d.keyword !== "http-request" && d.keyword !== "tcp-request") return undefined;
  const words = d.args.map((w) => w.text);
  // tcp-request connection|content|session ACTION
  const action = d.keyword === "tcp-request" ? words[1] : words[0];
  if (action === undefined || !ANSWERING_ACTIONS.has(action)) return undefined;
  return `${d.keyword} ${d.keyword === "tcp-request" ? `${words[0]} ` : ""}${action}`;
}

/** True when some condition of the frontend looks at the client's address. */
function mentionsSource(frontend: Proxy): boolean {
  const isSource = (t: AclTest) => t.fetch === "src" || t.fetch.startsWith("src_");
  if (frontend.acls.some(isSource)) return true;
  const conditions: Condition[] = [
    ...frontend.routes.flatMap((r) => (r.condition ? [r.condition] : [])),
    ...frontend.directives.flatMap((d) => (d.condition ? [d.condition] : [])),
  ];
  return conditions.some((c) =>
    c.alternatives.some((terms) => terms.some((t) => t.kind === "inline" && isSource(t.test))),
  );
}
