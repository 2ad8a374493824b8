import type { Bind, Proxy } from "../model/proxy.js";
import type { Address } from "../model/server.js";
import { defineRule } from "./rule.js";
import { isDisabled } from "./semantics/proxy-disabled.js";

/** One listening address of a bind line, with what decides whether two of them collide. */
interface Listener {
  bind: Bind;
  proxy: Proxy;
  address: Address;
  /** Source order, to pick the earliest of several conflicts. */
  order: number;
  /** Protocol, interface, namespace and address family: listeners that differ here never meet. */
  group: string;
  host: string;
  wildcard: boolean;
  port: number;
  portEnd: number;
}

/** Ranges wider than this are compared one by one instead of being spread over port buckets. */
const MAX_EXPANDED_RANGE = 256;

const UDP_FAMILIES = /^(udp|udp4|udp6|quic4|quic6)@/;

/**
 * Earlier listeners, indexed so that a new one finds its conflicts without scanning them all:
 * narrow listeners by group, host and port; wide port ranges in short lists by group and host.
 * A wildcard is filed under the host `*`.
 */
class ListenerIndex {
  /** First narrow listener per `group|host|port`. */
  private readonly narrow = new Map<string, Listener>();
  /** First narrow listener on a specific address per `group|port`. */
  private readonly narrowSpecific = new Map<string, Listener>();
  /** Narrow listeners per `group|host`, and those on a specific address per group. */
  private readonly narrowByHost = new Map<string, Listener[]>();
  private readonly narrowSpecificByGroup = new Map<string, Listener[]>();
  /** Wide listeners per `group|host`, and those on a specific address per group. */
  private readonly wideByHost = new Map<string, Listener[]>();
  private readonly wideSpecificByGroup = new Map<string, Listener[]>();

  /** The earliest listener bound to the same socket as `l`: same host (or both wildcards), overlapping ports. */
  sameSocket(l: Listener): Listener | undefined {
    const key = `${l.group}|${hostKey(l)}`;
    return this.first(
      l,
      (p) => this.narrow.get(`${key}|${p}`),
      this.narrowByHost.get(key),
      this.wideByHost.get(key),
    );
  }

  /**
   * The earliest listener that shares ports with `l`, one on a wildcard and the other on a
   * specific address of the same family.
   */
  nested(l: Listener): Listener | undefined {
    if (!l.wildcard) {
      const key = `${l.group}|*`;
      return this.first(
        l,
        (p) => this.narrow.get(`${key}|${p}`),
        this.narrowByHost.get(key),
        this.wideByHost.get(key),
      );
    }
    return this.first(
      l,
      (p) => this.narrowSpecific.get(`${l.group}|${p}`),
      this.narrowSpecificByGroup.get(l.group),
      this.wideSpecificByGroup.get(l.group),
    );
  }

  add(l: Listener): void {
    const key = `${l.group}|${hostKey(l)}`;
    if (isWide(l)) {
      push(this.wideByHost, key, l);
      if (!l.wildcard) push(this.wideSpecificByGroup, l.group, l);
      return;
    }
    push(this.narrowByHost, key, l);
    if (!l.wildcard) push(this.narrowSpecificByGroup, l.group, l);
    for (let p = l.port; p <= l.portEnd; p++) {
      if (!this.narrow.has(`${key}|${p}`)) this.narrow.set(`${key}|${p}`, l);
      if (!l.wildcard && !this.narrowSpecific.has(`${l.group}|${p}`))
        this.narrowSpecific.set(`${l.group}|${p}`, l);
    }
  }

  /**
   * The earliest overlapping listener among narrow ones (looked up port by port when `l` is
   * narrow, scanned in `narrowList` when it is wide) and wide ones (scanned in `wideList`).
   */
  private first(
    l: Listener,
    narrowAt: (port: number) => Listener | undefined,
    narrowList: Listener[] | undefined,
    wideList: Listener[] | undefined,
  ): Listener | undefined {
    let best: Listener | undefined;
    const consider = (c: Listener | undefined) => {
      if (c && (!best || c.order < best.order)) best = c;
    };
    if (isWide(l)) consider(narrowList?.find((c) => portsOverlap(c, l)));
    else for (let p = l.port; p <= l.portEnd; p++) consider(narrowAt(p));
    consider(wideList?.find((c) => portsOverlap(c, l)));
    return best;
  }
}

function hostKey(l: Listener): string {
  return l.wildcard ? "*" : l.host;
}

function isWide(l: Listener): boolean {
  return l.portEnd - l.port > MAX_EXPANDED_RANGE;
}

function portsOverlap(a: Listener, b: Listener): boolean {
  return a.port <= b.portEnd && b.port <= a.portEnd;
}

function push<K>(map: Map<K, Listener[]>, key: K, l: Listener): void {
  const list = map.get(key);
  if (list) list.push(l);
  else map.set(key, [l]);
}

/**
 * Two binds on the same address and port. HAProxy sets SO_REUSEPORT, so both listen and the
 * kernel hands each new connection to one of them at random: part of the traffic silently gets
 * the other frontend's certificates, rules and backends. A specific address next to a wildcard
 * is no lottery: the kernel gives the specific socket every connection to its address.
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
      specificOverWildcard:
        "bind {address} in {kind} '{proxy}' shares a port with bind {otherAddress} of {otherKind} '{otherProxy}' (line {line}): every connection to {host} goes to the bind on line {specificLine}, the wildcard gets only the other addresses",
    },
    hints: {
      overlapsOtherProxy:
        "Give one of them another port or a specific address, or merge the two sections; each address:port must belong to one frontend.",
      repeatedInProxy:
        "Delete one of the two bind lines; if they differ (e.g. one has 'ssl'), half of the connections get the wrong settings.",
      specificOverWildcard:
        "Nothing to do if {host} is meant to be served apart (e.g. an internal listener). If the wildcard should serve it too, move the specific bind to another port.",
    },
  },
  create(context) {
    const index = new ListenerIndex();
    let order = 0;

    return {
      bind(bind, proxy) {
        // A disabled section never binds.
        if (isDisabled(proxy, context.config)) return;
        for (const address of bind.addresses) {
          const l = listenerOf(bind, proxy, address, order++);
          if (!l) continue;
          const same = index.sameSocket(l);
          if (same) {
            if (!deliberateSharding(same, l)) reportSameSocket(l, same);
          } else {
            const nested = index.nested(l);
            if (nested && !deliberateSharding(nested, l)) reportNested(l, nested);
          }
          index.add(l);
        }
      },
    };

    function reportSameSocket(l: Listener, earlier: Listener) {
      const same = earlier.proxy === l.proxy;
      context.report({
        messageId: same ? "repeatedInProxy" : "overlapsOtherProxy",
        data: pairData(l, earlier),
        span: l.address.span,
        related: [{ message: "first bound here", span: earlier.address.span }],
        // Two identical lines of one section route the same way: redundant, not misrouting.
        ...(same && bindOptions(l.bind) === bindOptions(earlier.bind)
          ? { severity: "warning" as const }
          : {}),
      });
    }

    function reportNested(l: Listener, earlier: Listener) {
      const specific = l.wildcard ? earlier : l;
      context.report({
        messageId: "specificOverWildcard",
        data: { ...pairData(l, earlier), host: specific.address.host, specificLine: specific.bind.span.line },
        span: l.address.span,
        related: [{ message: "shares the port", span: earlier.address.span }],
        severity: "info",
      });
    }
  },
});

function pairData(l: Listener, earlier: Listener) {
  return {
    address: l.address.text,
    kind: l.proxy.kind,
    proxy: l.proxy.name,
    otherAddress: earlier.address.text,
    otherKind: earlier.proxy.kind,
    otherProxy: earlier.proxy.name,
    line: earlier.bind.span.line,
  };
}

function listenerOf(bind: Bind, proxy: Proxy, address: Address, order: number): Listener | undefined {
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
    order,
    group: `${protocol}|${iface}|${namespace}|${address.kind}`,
    host,
    wildcard: (address.kind === "ipv4" && host === "0.0.0.0") || (address.kind === "ipv6" && host === "::"),
    port: address.port,
    portEnd: address.portEnd ?? address.port,
  };
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
