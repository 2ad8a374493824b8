import { parseCheckUrl } from "../pair.js";
import { accepts, tcpListeners } from "./listeners.js";
import { defineVrrpRule } from "./vrrp-rule.js";

/**
 * The health check asks an address and port no frontend of the HAProxy configuration listens
 * on. The check then fails on every node, every node goes to FAULT, and nobody holds the VIP:
 * the pair meant to remove a single point of failure takes the whole service down.
 */
export default defineVrrpRule({
  meta: {
    id: "vrrp/check-url-not-served",
    severity: "error",
    description: "No frontend of the HAProxy configuration listens where the health check asks.",
    needsConfig: true,
    messages: {
      notServed:
        "no frontend listens on {host}:{port}, where the health check asks {url}: the check fails on every node, every node goes to FAULT and nobody holds the VIP",
      otherAddress:
        "no frontend listens on {host}:{port}, where the health check asks {url}; {kind} '{proxy}' listens on {address}, which loopback connections to {host} do not reach: every node goes to FAULT and nobody holds the VIP",
    },
    hints: {
      notServed:
        "Add a frontend that answers the check on loopback, e.g. 'frontend health' with 'bind {host}:{port}', 'mode http' and 'monitor-uri {path}' (or 'http-request return status 200'), or point check.url at one that exists.",
      otherAddress: "Bind '{proxy}' on {host}:{port} (or on *:{port}), or point check.url at {address}.",
    },
  },
  check({ pair, source, config, report }) {
    const url = parseCheckUrl(pair.check.url);
    if (!config || !url) return;
    const listeners = tcpListeners(config);
    if (listeners.some((l) => accepts(l, url.host, url.port, "lo"))) return;
    const near = listeners.find((l) => url.port >= l.port && url.port <= l.portEnd);
    const data = { url: pair.check.url, host: url.host, port: url.port, path: url.path };
    if (near)
      report({
        messageId: "otherAddress",
        data: { ...data, kind: near.proxy.kind, proxy: near.proxy.name, address: near.address.text },
        span: source.checkUrl,
        related: [
          { message: `${near.proxy.kind} '${near.proxy.name}' listens here`, span: near.address.span },
        ],
      });
    else report({ messageId: "notServed", data, span: source.checkUrl });
  },
});
