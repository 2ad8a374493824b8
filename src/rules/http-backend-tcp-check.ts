import type { Proxy } from "../model/proxy.js";
import { defineRule } from "./rule.js";

/** Options that turn a health check into a protocol-level one (other than `tcp-check`). */
const PROTOCOL_CHECKS = [
  "httpchk",
  "ssl-hello-chk",
  "smtpchk",
  "mysql-check",
  "pgsql-check",
  "redis-check",
  "ldap-check",
  "spop-check",
  "external-check",
];

/** `tcp-check` actions that only open or describe the connection, testing nothing of the service. */
const CONNECT_ONLY = new Set(["connect", "comment", "set-var", "unset-var"]);

/**
 * True when the backend's checks do more than open a TCP connection. `option tcp-check` counts
 * when its rules send or expect something; when it is inherited from a defaults section, its
 * rules are there too and lbguard trusts them.
 */
function checksProtocol(backend: Proxy): boolean {
  if (PROTOCOL_CHECKS.some((name) => backend.options[name]?.value === true)) return true;
  const tcpCheck = backend.options["tcp-check"];
  // The section's own 'option tcp-check' line is read from the directives as well, so the rule
  // does not depend on the option being in the parser's list of known options.
  const ownLine = backend.directives.find((d) => d.keyword === "option" && d.args[0]?.text === "tcp-check");
  if (ownLine ? ownLine.negated : tcpCheck?.value !== true) return false;
  if (!ownLine && tcpCheck?.origin !== "section") return true;
  return backend.directives.some(
    (d) => d.keyword === "tcp-check" && !CONNECT_ONLY.has(d.args[0]?.text ?? "connect"),
  );
}

/**
 * An HTTP backend whose health check only opens a TCP connection: anything accepting connections
 * on the port passes, including a hung application, a maintenance page server or the wrong service.
 */
export default defineRule({
  meta: {
    id: "http-backend-tcp-check",
    severity: "warning",
    description:
      "An HTTP backend's health checks only open a TCP connection, so a server that accepts connections but cannot answer HTTP stays in rotation.",
    messages: {
      tcpOnlyCheck:
        "backend '{backend}' is in HTTP mode but its health checks only open a TCP connection to the servers",
      httpCheckRulesIgnored:
        "backend '{backend}' has 'http-check' lines but no 'option httpchk', so HAProxy ignores them and only opens a TCP connection",
    },
    hints: {
      tcpOnlyCheck:
        "Add 'option httpchk' with a request the application answers only when healthy, e.g. 'option httpchk GET /health' and 'http-check expect status 200'.",
      httpCheckRulesIgnored:
        "Add 'option httpchk' to backend '{backend}'; the http-check rules take effect only with it.",
    },
  },
  create(context) {
    return {
      backend(backend) {
        if (backend.mode.value !== "http") return;
        const checked = backend.servers.find((s) => s.settings.check.value);
        if (!checked || checksProtocol(backend)) return;
        const related = [
          {
            message: `'check' on server '${checked.name}'`,
            span: checked.settings.check.span ?? checked.span,
          },
        ];
        const ignored = backend.httpCheckRules[0];
        if (ignored) {
          context.report({
            messageId: "httpCheckRulesIgnored",
            data: { backend: backend.name },
            span: ignored.words[0]?.span ?? ignored.span,
            related,
          });
          return;
        }
        context.report({
          messageId: "tcpOnlyCheck",
          data: { backend: backend.name },
          span: backend.nameSpan,
          related,
        });
      },
    };
  },
});
