import type { SourceSpan } from "../model/span.js";
import { defineRule } from "./rule.js";

/** Algorithms that pick a server by hashing something of the request or client. */
const HASHING = new Set(["source", "uri", "url_param", "hdr", "rdp-cookie", "hash"]);

/** Algorithms that need HTTP; HAProxy falls back to round robin for them in tcp mode. */
const HTTP_ONLY = new Set(["uri", "url_param", "hdr"]);

/**
 * Hash-based balancing with map-based hashing: the hash is taken modulo the number of usable
 * servers, so one server going down or being added moves almost every client (and every cache
 * key) to another server. Consistent hashing moves only the share of the server that changed.
 */
export default defineRule({
  meta: {
    id: "hash-without-consistency",
    severity: "warning",
    description: "Hash-based balancing uses map-based hashing, which reshuffles clients when servers change.",
    messages: {
      mapBased:
        "'balance {algorithm}' in {kind} '{backend}' uses map-based hashing: when a server goes down or is added, almost every client moves to another server",
      noBalanceFactor:
        "'balance {algorithm}' in {kind} '{backend}' uses consistent hashing without 'hash-balance-factor': one very busy key can overload its server",
    },
    hints: {
      mapBased:
        "Add 'hash-type consistent' next to the balance line so that only the clients of the changed server move.",
      noBalanceFactor:
        "Add 'hash-balance-factor 150' so no server takes more than 150% of the average load; excess keys go to the next server.",
    },
  },
  create(context) {
    const reported = new Set<string>();
    return {
      backend(backend) {
        const balance = backend.balance;
        const algorithm = balance.value.algorithm;
        if (!HASHING.has(algorithm) || !balance.span || backend.servers.length < 2) return;
        if (HTTP_ONLY.has(algorithm) && backend.mode.value !== "http") return;
        const consistent = backend.hashType.value.method === "consistent";
        const factor = backend.hashBalanceFactor?.value ?? 0;
        if (consistent && factor > 0) return;
        const messageId = consistent ? "noBalanceFactor" : "mapBased";
        const span: SourceSpan = balance.span;
        // A balance line inherited from defaults is reported once, not once per backend.
        const key = `${messageId}|${span.file}:${span.line}:${span.column}`;
        if (reported.has(key)) return;
        reported.add(key);
        context.report({
          messageId,
          data: { algorithm, kind: backend.kind, backend: backend.name },
          span,
          ...(consistent ? { severity: "info" as const } : {}),
        });
      },
    };
  },
});
