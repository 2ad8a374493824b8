import { defineRule } from "./rule.js";
import { isLocalAddress, receivesOwnTraffic, serverRole } from "./semantics/server-pool.js";

/**
 * A backend served by one server and no backup: when that server fails, is restarted or is
 * drained for maintenance, everything routed to the backend fails.
 *
 * A single server addressed by host name is often redundant behind that name (a virtual IP, a
 * cloud load balancer, a managed API), which lbguard cannot see: that is only a note.
 */
export default defineRule({
  meta: {
    id: "single-server-backend",
    severity: "warning",
    description: "A backend has a single server and no backup, so that server is a single point of failure.",
    messages: {
      singleServer:
        "backend '{backend}' has a single server, '{server}', and no backup: when it fails or restarts, every request to the backend fails",
      singleHostname:
        "backend '{backend}' has a single server, '{server}' ({host}), and no backup: unless {host} is redundant behind its name (a virtual IP, a cloud load balancer, a managed service), every request to the backend fails while it is down",
    },
    hints: {
      singleServer:
        "Add a second server (with 'check') to '{backend}', or at least a 'backup' server that can answer while '{server}' is down.",
      singleHostname:
        "If {host} is a single machine, add a second server (with 'check') to '{backend}', or at least a 'backup' server that can answer while it is down.",
    },
  },
  create(context) {
    const { index } = context;
    return {
      backend(backend) {
        // Disabled and weight-0 servers take no traffic, so they do not make a pool; a backend
        // without any server that can is backend-without-usable-server's finding.
        const roles = backend.servers.map(serverRole);
        if (roles.includes("backup")) return;
        const active = backend.servers.filter((_, i) => roles[i] === "active");
        const server = active[0];
        if (!server || active.length > 1) return;
        const referenced = index.referencedBackends.has(backend.name) || receivesOwnTraffic(backend);
        const address = server.address;
        const local = isLocalAddress(address);
        const hostname = address.kind === "hostname" && !local;
        // Lower to info where nobody routes to the backend, where the server runs on the load
        // balancer itself (a local helper whose failure is the load balancer's own), or where a
        // host name may stand for a redundant service.
        const minor = !referenced || local || hostname;
        context.report({
          messageId: hostname ? "singleHostname" : "singleServer",
          data: hostname
            ? { backend: backend.name, server: server.name, host: address.host }
            : { backend: backend.name, server: server.name },
          span: backend.nameSpan,
          ...(minor ? { severity: "info" as const } : {}),
        });
      },
    };
  },
});
