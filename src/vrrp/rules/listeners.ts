import type { Config } from "../../model/config.js";
import type { Bind, Proxy } from "../../model/proxy.js";
import type { Address } from "../../model/server.js";
import { isDisabled } from "../../rules/semantics/proxy-disabled.js";

/** One TCP address and port range a running frontend listens on. */
export interface Listener {
  proxy: Proxy;
  bind: Bind;
  address: Address;
  /** IPv4 dotted quad, or `::` for the IPv6 wildcard. */
  host: string;
  /** Listens on every IPv4 address of the machine (`*`, `0.0.0.0`, or `::` without v6only). */
  wildcard: boolean;
  port: number;
  portEnd: number;
}

/**
 * The TCP listeners of every frontend and listen section HAProxy starts. Unix sockets, host
 * names and addresses without a port are left out: none of them can take the VIP's or the
 * health check's connections.
 */
export function tcpListeners(config: Config): Listener[] {
  const listeners: Listener[] = [];
  for (const proxy of config.frontends) {
    if (isDisabled(proxy, config)) continue;
    for (const bind of proxy.binds) {
      for (const address of bind.addresses) {
        if (address.kind !== "ipv4" && address.kind !== "ipv6") continue;
        if (address.port === undefined || address.portOffset) continue;
        if (/^(udp|udp4|udp6|quic4|quic6)@/.test(address.text)) continue;
        const host = address.host.toLowerCase();
        const wildcard = host === "0.0.0.0" || (host === "::" && !("v6only" in bind.options));
        listeners.push({
          proxy,
          bind,
          address,
          host,
          wildcard,
          port: address.port,
          portEnd: address.portEnd ?? address.port,
        });
      }
    }
  }
  return listeners;
}

/**
 * True when the listener takes IPv4 connections to `host`:`port` arriving on `device` (a bind
 * with `interface NAME` only sees that interface's traffic).
 */
export function accepts(listener: Listener, host: string, port: number, device: string): boolean {
  if (port < listener.port || port > listener.portEnd) return false;
  const bound = listener.bind.options.interface?.[0]?.text;
  if (bound !== undefined && bound !== device) return false;
  return listener.wildcard || listener.host === host || listener.host === `::ffff:${host}`;
}
