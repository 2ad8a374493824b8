import { defineRule } from "./rule.js";
import { serverRole } from "./semantics/server-pool.js";

/**
 * Several backup servers without `option allbackups`: when the active servers fail, HAProxy
 * sends everything to the first backup only, and the others idle while it is overloaded.
 *
 * Ordered failover is HAProxy's documented default and a sound design when each backup can carry
 * the load alone, so this is a note to check that choice, not a warning.
 */
export default defineRule({
  meta: {
    id: "multiple-backups-without-allbackups",
    severity: "info",
    description:
      "A backend has several backup servers but no 'option allbackups', so only the first backup ever takes traffic.",
    messages: {
      onlyFirstBackup:
        "backend '{backend}' has {count} backup servers but no 'option allbackups': when the active servers fail only '{first}' takes the traffic, '{server}' waits until it fails too",
    },
    hints: {
      onlyFirstBackup:
        "Add 'option allbackups' to '{backend}' so the load is spread over all backups; keep it out only if backups are meant to take over one after the other.",
    },
  },
  create(context) {
    return {
      backend(backend) {
        if (backend.options.allbackups?.value === true) return;
        const backups = backend.servers.filter((s) => serverRole(s) === "backup");
        const [first, second] = backups;
        if (!first || !second) return;
        context.report({
          messageId: "onlyFirstBackup",
          data: { backend: backend.name, count: backups.length, first: first.name, server: second.name },
          span: second.nameSpan,
          related: [
            { message: `'${first.name}' is the only backup that takes traffic`, span: first.nameSpan },
          ],
        });
      },
    };
  },
});
