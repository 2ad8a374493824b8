import { isBackend, isFrontend, type Proxy } from "../model/proxy.js";
import { defineRule } from "./rule.js";

/**
 * A proxy without the timeouts that bound how long it holds a connection. HAProxy only warns
 * ("missing timeouts"): idle or stuck clients and servers then keep their connections forever,
 * until maxconn is reached and new clients queue.
 */
export default defineRule({
  meta: {
    id: "missing-timeouts",
    severity: "warning",
    description: "A frontend, backend or listen section lacks timeout client, connect or server.",
    messages: {
      missingTimeouts: "{kind} '{proxy}' has no {missing}: connections it holds may never expire",
    },
    hints: {
      missingTimeouts:
        "Set them, usually once in the defaults section: {lines}. A value of 0 means no timeout at all.",
    },
  },
  create(context) {
    const done = new Set<Proxy>();
    const check = (proxy: Proxy) => {
      if (done.has(proxy)) return;
      done.add(proxy);
      const mode = proxy.mode.value;
      if (mode !== "http" && mode !== "tcp") return;
      const set = (name: string) => (proxy.timeouts[name]?.value ?? 0) > 0;
      const missing: string[] = [];
      if (isFrontend(proxy) && !set("client")) missing.push("client");
      // Like HAProxy, judge the backend side only when there are servers to connect to; in tcp
      // mode 'timeout tunnel' stands in for 'timeout server'.
      if (isBackend(proxy) && proxy.servers.length > 0) {
        if (!set("connect")) missing.push("connect");
        if (!set("server") && (mode === "http" || !set("tunnel"))) missing.push("server");
      }
      if (missing.length === 0) return;
      context.report({
        messageId: "missingTimeouts",
        data: {
          kind: proxy.kind,
          proxy: proxy.name,
          missing: missing.map((m) => `'timeout ${m}'`).join(", "),
          lines: missing.map((m) => `'timeout ${m} ${m === "connect" ? "5s" : "30s"}'`).join(", "),
        },
        span: proxy.nameSpan,
      });
    };
    return { frontend: check, backend: check };
  },
});
