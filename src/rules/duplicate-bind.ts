import type { Bind, Proxy } from "../model/proxy.js";
import type { Address } from "../model/server.js";
import { defineRule } from "./rule.js";

/** One listening address of a bind line, with what decides whether two of them collide. */
interface Listener {
  bind: Bind;
  proxy: Proxy;
  address: Address;
  /** Protocol, interface and namespace: listeners that differ here never share a socket. */
  scope: string;
  family: "ipv4" | "ipv6" | "hostname";
  host: string;
  wildcard: boolean;
  port: number;
  portEnd: number;
}

/** The first listeners seen on one protocol scope and port, looked up without scanning. */
class Bucket {
  private readonly byHost = new Map<string, Listener>();
  private readonly wildcards = new Map<string, Listener>();
  private readonly anyOfFamily = new Map<string, Listener>();

  /** The earliest listener that `l` collides with, if any. */
  find(l: Listener): Listener | undefined {
    if (l.wildcard) return this.anyOfFamily.get(l.family);
    return this.byHost.get(`${l.family}|${l.host}`) ?? this.wildcards.get(l.family);
  }

  add(l: Listener): void {
    const key = `${l.family}|${l.host}`;
    if (!this.byHost.has(key)) this.byHost.set(key, l);
    if (l.wildcard && !this.wildcards.has(l.family)) this.wildcards.set(l.family, l);
    if (!this.anyOfFamily.has(l.family)) this.anyOfFamily.set(l.family, l);
  }
}

/** Ranges wider than this are compared one by one instead of being spread over port buckets. */
const MAX_EXPANDED_RANGE = 256;

const UDP_FAMILIES = /^(udp|udp4|udp6|quic4|quic6)@/;

/**
 * Two binds on the same address and port. HAProxy sets SO_REUSEPORT, so both listen and the
 * kernel hands each new connection to one of them at random: part of the traffic silently gets
 * the other frontend's certificates, rules and backends.
 */
export default defineRule({
  meta: {
    id: "duplicate-bind",
    severity: "error",
    description: "Two bind lines listen on the same address and port (or overlapping ones).",
    messages: {
      overlapsOtherProxy:
        "bind {address} in {kind} '{proxy}' listens on the same address and port as bind {otherAddress} of {otherKind} '{otherProxy}' (line {line}); connections are split between them at random",
      repeatedInProxy:
        "bind {address} in {kind} '{proxy}' listens on the same address and port as bind {otherAddress} on line {line} of the same section",
    },
    hints: {
      overlapsOtherProxy:
        "Give one of them another port or a specific address, or merge the two sections; each address:port must belong to one frontend.",
      repeatedInProxy:
        "Delete one of the two bind lines; if they differ (e.g. one has 'ssl'), half of the connections get the wrong settings.",
    },
  },
  create(context) {
    const buckets = new Map<string, Bucket>();
    const wideRanges: Listener[] = [];
    const all: Listener[] = [];
    // A disabled section never binds; computed once per section, not once per bind line.
    const disabled = new Map<Proxy, boolean>();

    return {
      bind(bind, proxy) {
        let isDisabled = disabled.get(proxy);
        if (isDisabled === undefined) {
          isDisabled = proxy.directives.some((d) => d.keyword === "disabled");
          disabled.set(proxy, isDisabled);
        }
        if (isDisabled) return;
        for (const address of bind.addresses) {
          const l = listenerOf(bind, proxy, address);
          if (!l) continue;
          const wide = l.portEnd - l.port > MAX_EXPANDED_RANGE;
          let conflict = wideRanges.find((c) => overlaps(c, l));
          if (!conflict && wide) conflict = all.find((c) => overlaps(c, l));
          for (let p = l.port; !conflict && !wide && p <= l.portEnd; p++) {
            const bucket = buckets.get(`${l.scope}|${p}`);
            if (bucket) conflict = bucket.find(l);
          }
          if (conflict && !deliberateSharding(conflict, l)) report(l, conflict);
          if (wide) {
            wideRanges.push(l);
            continue;
          }
          all.push(l);
          for (let p = l.port; p <= l.portEnd; p++) {
            const key = `${l.scope}|${p}`;
            let bucket = buckets.get(key);
            if (!bucket) {
              bucket = new Bucket();
              buckets.set(key, bucket);
            }
            bucket.add(l);
          }
        }
      },
    };

    function report(l: Listener, earlier: Listener) {
      const same = earlier.proxy === l.proxy;
      const data = {
        address: l.address.text,
        kind: l.proxy.kind,
        proxy: l.proxy.name,
        otherAddress: earlier.address.text,
        otherKind: earlier.proxy.kind,
        otherProxy: earlier.proxy.name,
        line: earlier.bind.span.line,
      };
      context.report({
        messageId: same ? "repeatedInProxy" : "overlapsOtherProxy",
        data,
        span: l.address.span,
        related: [{ message: "first bound here", span: earlier.address.span }],
        // Two identical lines of one section route the same way: redundant, not misrouting.
        ...(same && bindOptions(l.bind) === bindOptions(earlier.bind)
          ? { severity: "warning" as const }
          : {}),
      });
    }
  },
});

function listenerOf(bind: Bind, proxy: Proxy, address: Address): Listener | undefined {
  if (address.kind !== "ipv4" && address.kind !== "ipv6" && address.kind !== "hostname") return undefined;
  if (address.port === undefined || address.portOffset) return undefined;
  const protocol = UDP_FAMILIES.test(address.text) ? "udp" : "tcp";
  const iface = bind.options.interface?.[0]?.text ?? "";
  const namespace = bind.options.namespace?.[0]?.text ?? "";
  const host = address.host.toLowerCase();
  return {
    bind,
    proxy,
    address,
    scope: `${protocol}|${iface}|${namespace}`,
    family: address.kind,
    host,
    wildcard: (address.kind === "ipv4" && host === "0.0.0.0") || (address.kind === "ipv6" && host === "::"),
    port: address.port,
    portEnd: address.portEnd ?? address.port,
  };
}

function overlaps(a: Listener, b: Listener): boolean {
  if (a.scope !== b.scope || a.family !== b.family) return false;
  if (a.port > b.portEnd || b.port > a.portEnd) return false;
  return a.wildcard || b.wildcard || a.host === b.host;
}

/** Several binds of one section split over threads or processes on purpose. */
function deliberateSharding(a: Listener, b: Listener): boolean {
  const sharded = (bind: Bind) =>
    "thread" in bind.options || "process" in bind.options || "shards" in bind.options;
  return a.proxy === b.proxy && (sharded(a.bind) || sharded(b.bind));
}

function bindOptions(bind: Bind): string {
  return bind.directive.args
    .slice(1)
    .map((w) => w.text)
    .join(" ");
}
