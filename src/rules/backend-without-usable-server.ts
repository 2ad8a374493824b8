import type { Config } from "../model/config.js";
import type { Proxy } from "../model/proxy.js";
import type { Server } from "../model/server.js";
import type { Severity } from "../model/severity.js";
import { defineRule } from "./rule.js";
import { HASH_ALGORITHMS } from "./semantics/hash-balancing.js";
import { selfAnswer, servesOwnPage } from "./semantics/self-answering.js";
import { lowered, receivesOwnTraffic, serverRole } from "./semantics/server-pool.js";

/**
 * True when the section answers requests itself, so it needs no server: a stats page, a
 * `monitor-uri`, a line that answers or drops requests (see selfAnswer), or a 503 page of its own.
 */
function answersItself(proxy: Proxy, config: Config): boolean {
  return (
    servesOwnPage(proxy) ||
    proxy.directives.some((d) => selfAnswer(d) !== undefined) ||
    customizes503(proxy, config)
  );
}

/**
 * True when the section itself sets what its 503 looks like (`errorfile 503`, `errorloc* 503`,
 * `http-error status 503`, or `errorfiles` importing a 503 page): the classic maintenance backend,
 * where the 503 is the whole point. A 503 page inherited from defaults does not count, because
 * it dresses up every empty backend alike.
 */
function customizes503(proxy: Proxy, config: Config): boolean {
  if (proxy.mode.value !== "http") return false;
  return proxy.directives.some((d) => {
    const args = d.args.map((a) => a.text);
    if (["errorfile", "errorloc", "errorloc302", "errorloc303"].includes(d.keyword)) return args[0] === "503";
    if (d.keyword === "http-error") return args[0] === "status" && args[1] === "503";
    if (d.keyword === "errorfiles") {
      const [name, ...codes] = args;
      if (codes.length > 0 && !codes.includes("503")) return false;
      const section = config.others.find((o) => o.kind === "http-errors" && o.name === name);
      return section?.directives.some((e) => e.keyword === "errorfile" && e.args[0]?.text === "503") ?? false;
    }
    return false;
  });
}

/** Hash algorithms; with map-based hashing they are static, like static-rr. */

/**
 * True when servers can be added to the backend while HAProxy runs: `add server` needs a stats
 * socket at level admin (the default level is operator) and a dynamic balancing algorithm, that
 * is not static-rr nor map-based hashing (both checked live on 2.6.12).
 */
function acceptsRuntimeServers(backend: Proxy, config: Config): boolean {
  if (!config.global.statsSockets.some((s) => s.level === "admin")) return false;
  const algorithm = backend.balance.value.algorithm;
  if (algorithm === "static-rr") return false;
  return !HASH_ALGORITHMS.has(algorithm) || backend.hashType.value.method === "consistent";
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
      noServers: "{kind} '{backend}' has no server, so every request routed to it fails (503 in HTTP mode)",
      noServersYet:
        "{kind} '{backend}' has no server: until one is added at runtime ('add server'), every request routed to it fails (503 in HTTP mode)",
      noUsableServer:
        "{kind} '{backend}' has {count} server(s) but none can take traffic ({reason}), so every request routed to it fails",
      onlyBackups:
        "{kind} '{backend}' has no active server that can take traffic, only {count} backup server(s): they carry all of it and nothing is left to fall back to",
    },
    hints: {
      noServers:
        "Add a 'server' line to '{backend}', or stop routing to it (and remove it if nothing else needs it).",
      noServersYet:
        "If '{backend}' is filled at runtime, write the servers into the file as well: servers added with 'add server' are lost on reload. Otherwise add a 'server' line or stop routing to it.",
      noUsableServer:
        "Enable at least one server (remove 'disabled', give it a weight above 0), or route the traffic elsewhere while they are out.",
      onlyBackups:
        "Remove 'backup' from the servers meant to serve normally (or re-enable the active ones), so the backups are a fallback again.",
    },
  },
  create(context) {
    const { config, index } = context;
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
          // A listen section that routes to other backends needs no servers of its own, and one
          // with bind lines is frontend-without-backend's to report.
          if (backend.kind === "listen" && (backend.routes.length > 0 || backend.defaultBackend)) return;
          if (receivesOwnTraffic(backend)) return;
          if (answersItself(backend, config)) return;
          // A backend holding only a stick table is a table, not a pool.
          const stickTable = backend.directives.some((d) => d.keyword === "stick-table");
          if (stickTable && !index.referencedBackends.has(backend.name)) return;
          const runtime = acceptsRuntimeServers(backend, config);
          context.report({
            messageId: runtime ? "noServersYet" : "noServers",
            data: { kind: backend.kind, backend: backend.name },
            span: backend.nameSpan,
            severity: severityFor(backend, runtime ? "warning" : "error"),
          });
          return;
        }
        const roles = servers.map(serverRole);
        if (roles.includes("active")) return;
        const backups = servers.filter((_, i) => roles[i] === "backup");
        if (backups.length > 0) {
          context.report({
            messageId: "onlyBackups",
            data: { kind: backend.kind, backend: backend.name, count: backups.length },
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
          data: {
            kind: backend.kind,
            backend: backend.name,
            count: servers.length,
            reason: whyUnusable(servers),
          },
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
