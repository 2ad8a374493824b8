import { defineRule } from "./rule.js";
import { firstPerTemplateLine, isHealthChecked, serverRole } from "./semantics/server-pool.js";

/**
 * Servers without health checks in a pool of several: when one dies HAProxy keeps sending it its
 * share of the traffic, although the other servers could take it.
 *
 * When no server of the backend is checked, one finding names the backend (the fix is one
 * `default-server check` line); when only some are, each unchecked server is reported, since
 * the gap is likely an oversight on that line. An unchecked backup takes no traffic while an
 * active server is up, so it is only a note: when it is needed, it may be chosen while it is
 * down itself.
 */
export default defineRule({
  meta: {
    id: "server-without-health-check",
    severity: "warning",
    description:
      "A server in a backend of several has no health check, so HAProxy keeps sending traffic to it when it is down.",
    messages: {
      noChecks:
        "none of the {count} servers of backend '{backend}' is health-checked: a dead server keeps receiving its share of the requests",
      serverWithoutCheck:
        "server {backend}/{server} has no health check while others in the backend do: if it dies it keeps receiving traffic",
      backupWithoutCheck:
        "backup server {backend}/{server} has no health check while others in the backend do: when the active servers are down, it may be chosen while it is down too",
    },
    hints: {
      noChecks:
        "Add 'default-server check' to backend '{backend}' (or 'check' to each server line) so dead servers are taken out.",
      serverWithoutCheck: "Add 'check' to the server line of '{server}'.",
      backupWithoutCheck:
        "Add 'check' to the server line of '{server}' so HAProxy passes over it when it is down.",
    },
  },
  create(context) {
    return {
      backend(backend) {
        // Disabled servers take no traffic, so they neither need nor count for a check.
        const serving = backend.servers.filter((s) => !s.settings.disabled.value);
        if (serving.length < 2) return;
        const unchecked = serving.filter((s) => !isHealthChecked(s));
        if (unchecked.length === 0) return;
        if (unchecked.length === serving.length) {
          context.report({
            messageId: "noChecks",
            data: { backend: backend.name, count: serving.length },
            span: backend.nameSpan,
          });
          return;
        }
        // The servers of one server-template line share a line: one finding for the line.
        for (const server of unchecked.filter(firstPerTemplateLine())) {
          const backup = serverRole(server) === "backup";
          context.report({
            messageId: backup ? "backupWithoutCheck" : "serverWithoutCheck",
            data: { backend: backend.name, server: server.name },
            span: server.nameSpan,
            ...(backup ? { severity: "info" as const } : {}),
          });
        }
      },
    };
  },
});
