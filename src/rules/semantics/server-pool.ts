import type { Directive } from "../../model/directive.js";
import type { Proxy } from "../../model/proxy.js";
import type { Address, Server } from "../../model/server.js";
import type { Severity } from "../../model/severity.js";

/**
 * How a server takes part in load balancing: `active` servers share the traffic, `backup`
 * servers take it only when no active server is up, and `off` servers (`disabled`, or
 * `weight 0`) receive no new traffic at all.
 */
export type ServerRole = "active" | "backup" | "off";

/** The role a server plays in its backend, from its effective settings. */
export function serverRole(server: Server): ServerRole {
  const { disabled, weight, backup } = server.settings;
  if (disabled.value || weight.value === 0) return "off";
  return backup.value ? "backup" : "active";
}

/**
 * True when HAProxy follows the server's health: it runs its own `check`, or it `track`s another
 * server's check. `agent-check` alone does not count: a failed agent connection does not mark
 * the server down.
 */
export function isHealthChecked(server: Server): boolean {
  return server.settings.check.value || server.settings.options.track !== undefined;
}

/** True for the servers a `server-template` line declares (they share one line and one address). */
export function fromTemplate(server: Server): boolean {
  return server.directive.keyword === "server-template";
}

/**
 * Returns a filter that lets every ordinary server through but only the first server of each
 * `server-template` line, so that a rule reports a template once, at its line. Make one filter
 * per rule run (or per backend) and call it on servers in order.
 */
export function firstPerTemplateLine(): (server: Server) => boolean {
  const seen = new Set<Directive>();
  return (server) => {
    if (!fromTemplate(server)) return true;
    if (seen.has(server.directive)) return false;
    seen.add(server.directive);
    return true;
  };
}

/**
 * True for addresses on the load balancer itself, whoever uses them (servers, binds, stats
 * sockets): loopback IPs (IPv4-mapped ones included), `localhost`, unix and abstract sockets, and
 * `sockpair@` socket pairs. Other addresses, `fd@` inherited sockets among them, may face the
 * network.
 */
export function isLocalAddress(address: Address): boolean {
  if (address.kind === "unix" || address.kind === "abstract") return true;
  if (address.kind === "other") return address.text.startsWith("sockpair@");
  const host = address.host.toLowerCase();
  if (address.kind === "ipv4") return host.startsWith("127.");
  if (address.kind === "ipv6") return host === "::1" || host.startsWith("::ffff:127.");
  return host === "localhost" || host.endsWith(".localhost") || host === "localhost.localdomain";
}

/**
 * True when a frontend-capable section receives traffic by itself: a `listen` section with a
 * `bind` line is reached without any use_backend or default_backend naming it.
 */
export function receivesOwnTraffic(proxy: Proxy): boolean {
  return proxy.kind === "listen" && proxy.binds.length > 0;
}

/** One step less serious: error becomes warning, warning becomes info. */
export function lowered(severity: Severity): Severity {
  return severity === "error" ? "warning" : "info";
}
