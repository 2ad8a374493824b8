import { LbguardError } from "../errors.js";

/**
 * Where a demo cluster listens: the first three octets of a loopback /24 and the first of its
 * ports. The files in examples/demo are written for the default network; another network gets
 * the same layout, shifted.
 */
export interface DemoNetwork {
  /** e.g. `127.0.90`: HAProxy binds `.10`, the servers listen on `.11` and up. */
  prefix: string;
  /** The first of the network's ports: HAProxy binds it, the servers listen 10 and 11 above it. */
  firstPort: number;
}

/** The network examples/demo is written for: 127.0.90.0/24, ports 18900-18919. */
export const DEMO_NETWORK: Readonly<DemoNetwork> = Object.freeze({ prefix: "127.0.90", firstPort: 18900 });

/** How many ports from `firstPort` belong to the demo (and are relocated with it). */
export const DEMO_PORT_SPAN = 20;

/**
 * Rewrites every `127.0.90.N:PORT` address of the default network (PORT in its span) to the
 * same host number and port offset in `network`, so that a test or a second demo can run the
 * example files beside the default one. Other text is left as it is. Pure.
 */
export function relocateAddresses(text: string, network: DemoNetwork): string {
  const from = DEMO_NETWORK;
  if (network.prefix === from.prefix && network.firstPort === from.firstPort) return text;
  const pattern = new RegExp(
    `(?<![\\d.])${from.prefix.replaceAll(".", "\\.")}\\.(\\d{1,3}):(\\d{1,5})(?!\\d)`,
    "g",
  );
  return text.replace(pattern, (whole, host: string, port: string) => {
    const offset = Number(port) - from.firstPort;
    if (offset < 0 || offset >= DEMO_PORT_SPAN) return whole;
    return `${network.prefix}.${host}:${network.firstPort + offset}`;
  });
}

/**
 * Checks a network given on the command line: a loopback prefix of three octets and a first
 * port that leaves room for the layout's ports.
 */
export function parseDemoNetwork(prefix: string, firstPort: string | number): DemoNetwork {
  const octets = prefix.split(".");
  const loopback =
    octets.length === 3 &&
    octets[0] === "127" &&
    octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255);
  if (!loopback) {
    throw new LbguardError("LBG_USAGE", {
      detail: `--addresses ${prefix}: expected the first three octets of a loopback address, e.g. 127.0.92`,
    });
  }
  const port = Number(firstPort);
  if (!Number.isInteger(port) || port < 1024 || port + DEMO_PORT_SPAN - 1 > 65535) {
    throw new LbguardError("LBG_USAGE", {
      detail: `--first-port ${firstPort}: expected a port from 1024 to ${65536 - DEMO_PORT_SPAN}; the demo uses it and the ${DEMO_PORT_SPAN - 1} after it`,
    });
  }
  return { prefix, firstPort: port };
}
