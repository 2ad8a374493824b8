import { defineRule } from "./rule.js";
import { firstPerTemplateLine, isLocalAddress } from "./semantics/server-pool.js";

/**
 * A server addressed by host name without a `resolvers` section: HAProxy resolves the name once,
 * when it starts, and keeps that address until the next reload.
 */
export default defineRule({
  meta: {
    id: "hostname-without-resolvers",
    severity: "info",
    description:
      "A server is addressed by host name without 'resolvers', so HAProxy resolves it only at start-up and never follows DNS changes.",
    messages: {
      resolvedOnce:
        "server {backend}/{server} is addressed by the name '{host}' without 'resolvers': HAProxy resolves it once at start-up and never follows its DNS changes",
    },
    hints: {
      resolvedOnce:
        "Add a 'resolvers' section and 'resolvers NAME' to the server (with 'init-addr last,libc,none' to start when DNS is down), or use an IP address if it never changes.",
    },
  },
  create(context) {
    // The servers of one server-template line share a line: one finding for the line.
    const firstOfLine = firstPerTemplateLine();
    return {
      server(server, backend) {
        const { address, settings } = server;
        if (address.kind !== "hostname" || settings.resolvers || isLocalAddress(address)) return;
        if (!firstOfLine(server)) return;
        context.report({
          messageId: "resolvedOnce",
          data: { backend: backend.name, server: server.name, host: address.host },
          span: address.span,
        });
      },
    };
  },
});
