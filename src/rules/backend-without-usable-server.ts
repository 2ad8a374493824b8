import type { Directive } from "../model/directive.js";
import type { Proxy } from "../model/proxy.js";
import type { Server } from "../model/server.js";
import type { Severity } from "../model/severity.js";
import { defineRule } from "./rule.js";
import { lowered, receivesOwnTraffic, serverRole } from "./semantics/server-pool.js";

/** `http-request` / `tcp-request content` actions that answer the request without a server. */
const SELF_ANSWERING = new Set([
  "redirect",
  "return",
  "deny",
  "tarpit",
  "use-service",
  "silent-drop",
  "reject",
]);

/**
 * True when the section answers requests itself, so it needs no server: a stats page, a
 * `monitor-uri`, a redirect, `http-request return|deny|use-service`, or `tcp-request content reject`.
 */
function answersItself(proxy: Proxy): boolean {
  if (proxy.stats.enabled?.value) return true;
  return proxy.directives.some((d: Directive) => {
    if (d.keyword === "redirect" || d.keyword === "monitor-uri") return true;
    if (d.keyword === "http-request") return SELF_ANSWERING.has(d.args[0]?.text ?? "");
    if (d.keyword === "tcp-request" && d.args[0]?.text === "content")
      return SELF_ANSWERING.has(d.args[1]?.text ?? "");
    return false;
  });
}

/** Why none of `servers` can take traffic, in the operator's words. */
function whyUnusable(servers: Server[]): string {
  const disabled = servers.filter((s) => s.settings.disabled.value).length;
  if (disabled === servers.length) return servers.length === 1 ? "it is disabled" : "all are disabled";
  if (disabled === 0) return servers.length === 1 ? "its weight is 0" : "all have weight 0";
  return "each is disabled or has weight 0";
}

/**
 * A backend that nothing can serve: it has no server, or every server is disabled or weighted 0,
 * so every request routed to it fails. Only backup servers is a milder form of the same mistake.
 */
export default defineRule({
  meta: {
    id: "backend-without-usable-server",
    severity: "error",
    description: "A backend has no server that can take traffic, so every request routed to it fails.",
    messages: {
      noServers: "backend '{backend}' has no server, so every request routed to it fails (503 in HTTP mode)",
      noUsableServer:
        "backend '{backend}' has {count} server(s) but none can take traffic ({reason}), so every request routed to it fails",
      onlyBackups:
        "backend '{backend}' has no active server that can take traffic, only {count} backup server(s): they carry all of it and nothing is left to fall back to",
    },
    hints: {
      noServers:
        "Add a 'server' line to '{backend}', or stop routing to it (and remove it if nothing else needs it).",
      noUsableServer:
        "Enable at least one server (remove 'disabled', give it a weight above 0), or route the traffic elsewhere while they are out.",
      onlyBackups:
        "Remove 'backup' from the servers meant to serve normally (or re-enable the active ones), so the backups are a fallback again.",
    },
  },
  create(context) {
    const { index } = context;
    // Where no frontend names the backend, a broken pool hurts nobody today: one step milder.
    const severityFor = (backend: Proxy, base: Severity): Severity =>
      index.referencedBackends.has(backend.name) || receivesOwnTraffic(backend) ? base : lowered(base);
    return {
      backend(backend) {
        const servers = backend.servers;
        if (servers.length === 0) {
          // A server line the parser could not read is reported by the parser already.
          if (backend.directives.some((d) => d.keyword === "server" || d.keyword === "server-template"))
            return;
          // A listen section that routes to other backends needs no servers of its own.
          if (backend.kind === "listen" && (backend.routes.length > 0 || backend.defaultBackend)) return;
          if (answersItself(backend)) return;
          // A backend holding only a stick table is a table, not a pool.
          const stickTable = backend.directives.some((d) => d.keyword === "stick-table");
          if (stickTable && !index.referencedBackends.has(backend.name)) return;
          context.report({
            messageId: "noServers",
            data: { backend: backend.name },
            span: backend.nameSpan,
            severity: severityFor(backend, "error"),
          });
          return;
        }
        const roles = servers.map(serverRole);
        if (roles.includes("active")) return;
        const backups = servers.filter((_, i) => roles[i] === "backup");
        if (backups.length > 0) {
          context.report({
            messageId: "onlyBackups",
            data: { backend: backend.name, count: backups.length },
            span: backend.nameSpan,
            severity: severityFor(backend, "warning"),
            related: backups.map((s) => ({
              message: `backup server '${s.name}'`,
              span: s.settings.backup.span ?? s.nameSpan,
            })),
          });
          return;
        }
        context.report({
          messageId: "noUsableServer",
          data: { backend: backend.name, count: servers.length, reason: whyUnusable(servers) },
          span: backend.nameSpan,
          severity: severityFor(backend, "error"),
          related: servers.map((s) => {
            const setting = s.settings.disabled.value ? s.settings.disabled : s.settings.weight;
            return {
              message: s.settings.disabled.value ? `'${s.name}' is disabled` : `'${s.name}' has weight 0`,
              span: setting.span ?? s.nameSpan,
            };
          }),
        });
      },
    };
  },
});
