import { defineRule } from "./rule.js";
import { configSpan } from "./semantics/config-span.js";
import { serverStateLoadModes } from "./semantics/server-state.js";

/**
 * Runtime changes made through the admin socket (weights, drain, maintenance) live only in the
 * running process. Without a server state file that the next process loads, a reload quietly
 * puts every drained or disabled server back into rotation.
 */
export default defineRule({
  meta: {
    id: "no-server-state-file",
    severity: "info",
    description:
      "Servers' runtime state (weights, drain, maintenance) is not saved across reloads: no server-state-file is loaded.",
    messages: {
      noStateFile:
        "no server state file is configured: weights, drain and maintenance set at runtime are lost at the next reload",
      stateFileNotLoaded:
        "'server-state-file {file}' is set but no defaults section or backend says 'load-server-state-from-file', so the state is never read back",
    },
    hints: {
      noStateFile:
        "Add 'server-state-file /var/lib/haproxy/server-state' to global and 'load-server-state-from-file global' to defaults, and dump 'show servers state' to that file before each reload.",
      stateFileNotLoaded:
        "Add 'load-server-state-from-file global' to the defaults section, and dump 'show servers state' to {file} before each reload.",
    },
  },
  create(context) {
    return {
      config(config) {
        if (!config.backends.some((b) => b.servers.length > 0)) return;
        const modes = serverStateLoadModes(config);
        const stateFile = config.global.serverStateFile;
        // `local` reads one file per backend (server-state-base + backend name): no global file needed.
        if (modes.has("local") || (modes.has("global") && stateFile)) return;
        if (stateFile && !modes.has("global")) {
          context.report({
            messageId: "stateFileNotLoaded",
            data: { file: stateFile.value },
            span: stateFile.span,
          });
          return;
        }
        context.report({ messageId: "noStateFile", span: configSpan(config) });
      },
    };
  },
});
