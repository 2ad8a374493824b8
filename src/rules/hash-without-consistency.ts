import type { Proxy } from "../model/proxy.js";
import type { SourceSpan } from "../model/span.js";
import { defineRule } from "./rule.js";
import { HASH_ALGORITHMS } from "./semantics/hash-balancing.js";

/** Algorithms that pick a server by hashing something of the request or client. */

/** Algorithms that need HTTP; HAProxy falls back to round robin for them in tcp mode. */
const HTTP_ONLY = new Set(["uri", "url_param", "hdr"]);

/** What is wrong with one backend's hashing, and the balance line that decides it. */
interface Verdict {
  messageId: "mapBased" | "noBalanceFactor";
  span: SourceSpan;
}

function verdictOf(backend: Proxy): Verdict | undefined {
  const balance = backend.balance;
  const algorithm = balance.value.algorithm;
  if (!HASH_ALGORITHMS.has(algorithm) || !balance.span || backend.servers.length < 2) return undefined;
  if (HTTP_ONLY.has(algorithm) && backend.mode.value !== "http") return undefined;
  const consistent = backend.hashType.value.method === "consistent";
  if (consistent && (backend.hashBalanceFactor?.value ?? 0) > 0) return undefined;
  return { messageId: consistent ? "noBalanceFactor" : "mapBased", span: balance.span };
}

function spanKey(span: SourceSpan): string {
  return `${span.file}:${span.line}:${span.column}`;
}

/** "backend 'a'", "backends 'a' and 'b'", "backends 'a', 'b', 'c' and 2 more". */
function backendList(backends: readonly Proxy[]): string {
  const names = backends.slice(0, 3).map((b) => `'${b.name}'`);
  const more = backends.length - names.length;
  if (backends.length === 1) return `backend ${names[0]}`;
  if (more > 0) return `backends ${names.join(", ")} and ${more} more`;
  return `backends ${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

/**
 * Hash-based balancing with map-based hashing: the hash is taken modulo the number of usable
 * servers, so one server going down or being added moves almost every client (and every cache
 * key) to another server. Consistent hashing moves only the share of the server that changed.
 *
 * A balance line written in a defaults section is reported once, at that line, naming the
 * backends that use it.
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
      mapBasedInDefaults:
        "'balance {algorithm}' in {defaults} (used by {backends}) uses map-based hashing: when a server goes down or is added, almost every client moves to another server",
      noBalanceFactorInDefaults:
        "'balance {algorithm}' in {defaults} (used by {backends}) uses consistent hashing without 'hash-balance-factor': one very busy key can overload its server",
    },
    hints: {
      mapBased:
        "Add 'hash-type consistent' next to the balance line so that only the clients of the changed server move.",
      noBalanceFactor:
        "Add 'hash-balance-factor 150' so no server takes more than 150% of the average load; excess keys go to the next server.",
      mapBasedInDefaults:
        "Add 'hash-type consistent' next to the balance line in {defaults} so that only the clients of the changed server move.",
      noBalanceFactorInDefaults:
        "Add 'hash-balance-factor 150' to {defaults} so no server takes more than 150% of the average load; excess keys go to the next server.",
    },
  },
  create(context) {
    const reported = new Set<string>();
    return {
      backend(backend) {
        const verdict = verdictOf(backend);
        if (!verdict) return;
        const balance = backend.balance;
        const algorithm = balance.value.algorithm;
        const severity = verdict.messageId === "noBalanceFactor" ? { severity: "info" as const } : {};
        if (balance.origin !== "defaults") {
          context.report({
            messageId: verdict.messageId,
            data: { algorithm, kind: backend.kind, backend: backend.name },
            span: verdict.span,
            ...severity,
          });
          return;
        }
        // A balance line inherited from defaults is reported once, not once per backend.
        const key = `${verdict.messageId}|${spanKey(verdict.span)}`;
        if (reported.has(key)) return;
        reported.add(key);
        const users = context.config.backends.filter((b) => {
          const other = verdictOf(b);
          return other?.messageId === verdict.messageId && spanKey(other.span) === spanKey(verdict.span);
        });
        context.report({
          messageId: `${verdict.messageId}InDefaults`,
          data: {
            algorithm,
            defaults: balance.via ? `defaults '${balance.via}'` : "the defaults section",
            backends: backendList(users),
            count: users.length,
          },
          span: verdict.span,
          ...severity,
        });
      },
    };
  },
});
