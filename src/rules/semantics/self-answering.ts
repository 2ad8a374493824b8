import type { Directive } from "../../model/directive.js";
import type { Proxy } from "../../model/proxy.js";

/** `http-request` actions that send a response of HAProxy's own instead of a server's. */
const HTTP_SERVING = new Set(["redirect", "return", "use-service"]);

/** `http-request` actions that refuse the request or drop the connection. */
const HTTP_REFUSING = new Set(["deny", "tarpit", "reject", "silent-drop"]);

/** `tcp-request` actions (any phase) that hand the connection to a service. */
const TCP_SERVING = new Set(["use-service"]);

/** `tcp-request` actions (any phase) that close or drop the connection. */
const TCP_REFUSING = new Set(["reject", "silent-drop"]);

/**
 * How a line deals with a request without any server: it `serves` an answer of HAProxy's own
 * (a redirect, a `return`, a service such as the Prometheus exporter) or `refuses` it (deny,
 * tarpit, reject, silent-drop).
 */
export type SelfAnswer = "serves" | "refuses";

/** The action word of an `http-request` or `tcp-request` line (after the phase for the latter). */
export function actionOf(d: Directive): string | undefined {
  return d.keyword === "tcp-request" ? d.args[1]?.text : d.args[0]?.text;
}

/**
 * Whether a line answers the request itself when its condition holds, and how; undefined for
 * lines that leave the request to a backend. This is the one list of "answers by itself" actions
 * that the rules share, so a frontend and a backend holding the same line are judged alike.
 */
export function selfAnswer(d: Directive): SelfAnswer | undefined {
  if (d.keyword === "redirect") return "serves";
  const action = actionOf(d) ?? "";
  if (d.keyword === "http-request") {
    if (HTTP_SERVING.has(action)) return "serves";
    if (HTTP_REFUSING.has(action)) return "refuses";
  }
  if (d.keyword === "tcp-request") {
    if (TCP_SERVING.has(action)) return "serves";
    if (TCP_REFUSING.has(action)) return "refuses";
  }
  return undefined;
}

/** True when the proxy serves a page of its own: the stats page or a `monitor-uri`. */
export function servesOwnPage(proxy: Proxy): boolean {
  return Boolean(proxy.stats.enabled?.value) || proxy.directives.some((d) => d.keyword === "monitor-uri");
}
