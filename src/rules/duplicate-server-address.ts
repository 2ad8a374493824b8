import type { Server } from "../model/server.js";
import { defineRule } from "./rule.js";
import { fromTemplate, isLocalAddress, serverRole } from "./semantics/server-pool.js";

/** The machine (or socket path) a server connects to. */
function hostOf(server: Server): string {
  return `${server.address.kind}|${server.address.host.toLowerCase()}`;
}

/** The endpoint a server connects to: machine and port. */
function endpointOf(server: Server): string {
  const { port, portOffset } = server.address;
  return `${hostOf(server)}|${portOffset ? "+" : ""}${port ?? ""}`;
}

/**
 * Two servers of one backend that point at the same host and port: the machine is counted twice,
 * gets a double share of the traffic, and one failure takes out two "servers". A backup on the
 * machine of an active server (any port) fails together with it, so it is no fallback for that
 * machine. On the load balancer itself that does not hold: a local "sorry" backup stands in for
 * failed applications, and if the machine fails HAProxy fails with it.
 */
export default defineRule({
  meta: {
    id: "duplicate-server-address",
    severity: "warning",
    description: "Two servers in one backend point at the same address, so one machine counts twice.",
    messages: {
      duplicateAddress:
        "server {backend}/{server} points at {address}, like '{other}': that machine gets a double share and one failure takes out both",
      backupSameAsActive:
        "backup server {backend}/{server} ({address}) runs on the machine of active server '{other}': when that machine fails, the backup fails with it",
    },
    hints: {
      duplicateAddress:
        "Point '{server}' at the machine it is meant for, or remove the copy (use 'weight' to give one machine a larger share).",
      backupSameAsActive: "Put the backup '{server}' on a different machine, or remove it.",
    },
  },
  create(context) {
    return {
      backend(backend) {
        // `use-server` picks servers by name, so two entries for one address may be deliberate.
        if (backend.directives.some((d) => d.keyword === "use-server")) return;
        // server-template servers share one name that DNS resolves to many addresses, and servers
        // that take no traffic (disabled, weight 0) neither double a share nor stand in.
        const serving = backend.servers.filter((s) => !fromTemplate(s) && serverRole(s) !== "off");
        const activeByHost = new Map<string, Server>();
        for (const server of serving) {
          const host = hostOf(server);
          if (serverRole(server) === "active" && !activeByHost.has(host)) activeByHost.set(host, server);
        }
        const firstByEndpoint = new Map<string, Server>();
        for (const server of serving) {
          const role = serverRole(server);
          const data = { backend: backend.name, server: server.name, address: server.address.text };
          const key = `${role}|${endpointOf(server)}`;
          const first = firstByEndpoint.get(key);
          if (!first) firstByEndpoint.set(key, server);
          else {
            context.report({
              messageId: "duplicateAddress",
              data: { ...data, other: first.name },
              span: server.address.span,
              related: [{ message: `'${first.name}' points at the same address`, span: first.address.span }],
            });
            continue;
          }
          // A machine failure there takes HAProxy down too: the backup covers application failures.
          const local = isLocalAddress(server.address);
          const active = role === "backup" && !local ? activeByHost.get(hostOf(server)) : undefined;
          if (active) {
            context.report({
              messageId: "backupSameAsActive",
              data: { ...data, other: active.name },
              span: server.address.span,
              related: [{ message: `active server '${active.name}'`, span: active.address.span }],
            });
          }
        }
      },
    };
  },
});
