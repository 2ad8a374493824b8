import type { Proxy } from "../model/proxy.js";
import { defineRule } from "./rule.js";

/** Headers that carry the client's address to the application. */
const CLIENT_ADDRESS_HEADERS = new Set([
  "x-forwarded-for",
  "x-real-ip",
  "forwarded",
  "x-client-ip",
  "true-client-ip",
]);

const SEND_PROXY = ["send-proxy", "send-proxy-v2", "send-proxy-v2-ssl", "send-proxy-v2-ssl-cn"];

/** True when a section passes the client address on in a header. */
function forwardsClientAddress(proxy: Proxy): boolean {
  if (proxy.options.forwardfor?.value) return true;
  return proxy.directives.some((d) => {
    if (d.keyword !== "http-request") return false;
    const action = d.args[0]?.text;
    if (action !== "set-header" && action !== "add-header") return false;
    const header = d.args[1]?.text.toLowerCase() ?? "";
    const value = d.args[2]?.text ?? "";
    return CLIENT_ADDRESS_HEADERS.has(header) || value.includes("%[src") || value.includes("%ci");
  });
}

/**
 * An HTTP backend whose servers never learn the client's address: HAProxy opens its own
 * connection to them, so without X-Forwarded-For (or the PROXY protocol) the application logs,
 * rate-limits and geolocates every client as the load balancer.
 */
export default defineRule({
  meta: {
    id: "missing-forwardfor",
    severity: "info",
    description:
      "An HTTP backend does not pass the client address (no option forwardfor, header or send-proxy).",
    messages: {
      noClientAddress:
        "{kind} '{backend}' receives HTTP traffic from '{frontend}' but does not pass the client address on: its servers see the load balancer as every client",
    },
    hints: {
      noClientAddress:
        "Add 'option forwardfor' to {kind} '{backend}' (or the defaults section) so servers get X-Forwarded-For, and make the application trust it from the load balancer only.",
    },
  },
  create(context) {
    const done = new Set<Proxy>();
    // One frontend may reference thousands of backends: judge each section once.
    const forwards = new Map<Proxy, boolean>();
    const forwardsOnce = (proxy: Proxy) => {
      let known = forwards.get(proxy);
      if (known === undefined) {
        known = forwardsClientAddress(proxy);
        forwards.set(proxy, known);
      }
      return known;
    };
    const check = (frontend: Proxy, backend: Proxy) => {
      if (done.has(backend)) return;
      if (frontend.mode.value !== "http" || backend.mode.value !== "http" || backend.servers.length === 0)
        return;
      if (forwardsOnce(backend) || forwardsOnce(frontend)) return;
      if (backend.servers.some((s) => SEND_PROXY.some((o) => s.settings.options[o]))) return;
      done.add(backend);
      context.report({
        messageId: "noClientAddress",
        data: { kind: backend.kind, backend: backend.name, frontend: frontend.name },
        span: backend.nameSpan,
        ...(frontend === backend
          ? {}
          : { related: [{ message: "traffic comes from here", span: frontend.nameSpan }] }),
      });
    };
    return {
      config() {
        for (const ref of context.index.references) {
          const backend = context.index.backendsByName.get(ref.backend);
          if (backend) check(ref.frontend, backend);
        }
      },
      backend(proxy) {
        if (proxy.kind === "listen") check(proxy, proxy);
      },
    };
  },
});
