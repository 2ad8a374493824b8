import type { Server } from "../model/server.js";
import { defineRule } from "./rule.js";
import { firstPerTemplateLine } from "./semantics/server-pool.js";

/** Two servers of one backend with one name: HAProxy 2.6 refuses to start. */
export default defineRule({
  meta: {
    id: "duplicate-server-name",
    severity: "error",
    description: "Two servers in one backend have the same name, which HAProxy refuses.",
    messages: {
      duplicateName:
        "backend '{backend}' already has a server named '{server}' (line {firstLine}); HAProxy refuses to start",
    },
    hints: {
      duplicateName:
        "Give each server of '{backend}' its own name (e.g. '{server}-2'), or remove the line if it is an accidental copy.",
    },
  },
  create(context) {
    return {
      backend(backend) {
        const byName = new Map<string, Server>();
        // The servers of one server-template line share a line: one finding for the line.
        const firstOfLine = firstPerTemplateLine();
        for (const server of backend.servers) {
          const first = byName.get(server.name);
          if (!first) {
            byName.set(server.name, server);
            continue;
          }
          if (!firstOfLine(server)) continue;
          context.report({
            messageId: "duplicateName",
            data: { backend: backend.name, server: server.name, firstLine: first.nameSpan.line },
            span: server.nameSpan,
            related: [{ message: `first server named '${server.name}'`, span: first.nameSpan }],
          });
        }
      },
    };
  },
});
