import { defineRule } from "./rule.js";

/**
 * A server named exactly like its backend. HAProxy accepts it, but the stats page and runtime
 * commands (`set server app/app state drain`) become hard to read and easy to get wrong. This is
 * a readability matter, common in small configurations, so it is only information.
 */
export default defineRule({
  meta: {
    id: "backend-server-same-name",
    severity: "info",
    description:
      "A server has the same name as its backend, which makes stats and runtime commands ambiguous.",
    messages: {
      sameName:
        "server '{server}' has the same name as its backend, so stats and runtime commands read '{server}/{server}'",
    },
    hints: {
      sameName:
        "Name the server after the machine or its position in the pool (e.g. '{server}-1'), and update any runtime scripts that use the old name.",
    },
  },
  create(context) {
    return {
      server(server, backend) {
        if (server.name !== backend.name) return;
        context.report({ messageId: "sameName", data: { server: server.name }, span: server.nameSpan });
      },
    };
  },
});
