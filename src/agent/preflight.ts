import { request } from "node:http";
import { connect, createServer } from "node:net";
import { networkInterfaces } from "node:os";
import type { Config } from "../model/config.js";
import { isBackend, isFrontend, type Proxy } from "../model/proxy.js";
import type { Address, Server } from "../model/server.js";
import type { SourceSpan } from "../model/span.js";

/** What a pre-flight probe found wrong. */
export interface ProbeFailure {
  probe: "server-connect" | "health-check" | "bind-address" | "bind-port";
  /** `backend/server`, or `host:port` for a bind. */
  target: string;
  /**
   * `error` blocks the apply. A server that fails the same way under the running config is
   * only a `warning`: the change did not cause it.
   */
  severity: "error" | "warning";
  message: string;
  span: SourceSpan;
}

/** How to probe. */
export interface PreflightOptions {
  /** Per probe, in milliseconds (default 1500). */
  timeoutMs?: number;
  /** Addresses of this host (default: `os.networkInterfaces()`); loopback 127/8 always counts. */
  localAddresses?: ReadonlySet<string>;
}

/**
 * Checks from this host what `haproxy -c` cannot, because it never connects or binds: every
 * enabled server of the candidate accepts a TCP connection, a server with an HTTP health check
 * answers its check request with 2xx or 3xx, and every listening address exists here with its
 * port free or already HAProxy's (bound by the running config). Probes run concurrently.
 */
export async function preflight(
  candidate: Config,
  running: Config | undefined,
  options: PreflightOptions = {},
): Promise<ProbeFailure[]> {
  const timeoutMs = options.timeoutMs ?? 1500;
  const local = options.localAddresses ?? hostAddresses();
  const probes: Promise<ProbeFailure | undefined>[] = [];
  const runningServers = new Map<string, Server>();
  for (const proxy of running?.backends ?? []) {
    for (const server of proxy.servers) runningServers.set(`${proxy.name}/${server.name}`, server);
  }
  for (const proxy of candidate.backends) {
    if (!isBackend(proxy)) continue;
    for (const server of proxy.servers) {
      if (server.settings.disabled.value || !isNetworkAddress(server.address)) continue;
      const id = `${proxy.name}/${server.name}`;
      const before = runningServers.get(id);
      const unchanged = before !== undefined && before.address.text === server.address.text;
      probes.push(probeServer(proxy, server, id, unchanged, timeoutMs));
    }
  }
  const haproxyPorts = listeningPorts(running);
  for (const proxy of candidate.frontends) {
    if (!isFrontend(proxy)) continue;
    for (const bind of proxy.binds) {
      for (const address of bind.addresses) {
        if (!isNetworkAddress(address)) continue;
        probes.push(probeBind(address, bind.span, local, haproxyPorts));
      }
    }
  }
  const failures = await Promise.all(probes);
  return failures.filter((f): f is ProbeFailure => f !== undefined);
}

async function probeServer(
  proxy: Proxy,
  server: Server,
  id: string,
  unchanged: boolean,
  timeoutMs: number,
): Promise<ProbeFailure | undefined> {
  const host = server.address.host;
  const port = server.address.port as number;
  const severity = unchanged ? "warning" : "error";
  const where = `${host}:${port}`;
  const refused = await tcpConnect(host, port, timeoutMs);
  if (refused) {
    return {
      probe: "server-connect",
      target: id,
      severity,
      message: `server ${id} at ${where} does not accept connections from this host (${refused})`,
      span: server.address.span,
    };
  }
  const check = proxy.httpCheck?.value;
  if (!check || !server.settings.check.value || proxy.mode.value !== "http") return undefined;
  const checkPort = server.settings.checkPort?.value ?? port;
  const answer = await httpProbe(host, checkPort, check.method, check.uri, timeoutMs);
  if (typeof answer === "number" && answer >= 200 && answer < 400) return undefined;
  return {
    probe: "health-check",
    target: id,
    severity,
    message: `server ${id} answers its health check ${check.method} ${check.uri} on ${host}:${checkPort} with ${typeof answer === "number" ? `status ${answer}` : answer}, so HAProxy would mark it DOWN`,
    span: server.address.span,
  };
}

async function probeBind(
  address: Address,
  span: SourceSpan,
  local: ReadonlySet<string>,
  haproxyPorts: ReadonlySet<string>,
): Promise<ProbeFailure | undefined> {
  const host = bindHost(address.host);
  const port = address.port as number;
  const target = `${address.host || "*"}:${port}`;
  if (host !== undefined && !isLoopback(host) && !local.has(host)) {
    return {
      probe: "bind-address",
      target,
      severity: "error",
      message: `bind ${target}: ${host} is not an address of this host, so HAProxy cannot listen on it`,
      span,
    };
  }
  if (haproxyPorts.has(`${host ?? "*"}:${port}`) || haproxyPorts.has(`*:${port}`)) return undefined;
  const taken = await portTaken(host, port);
  if (!taken) return undefined;
  return {
    probe: "bind-port",
    target,
    severity: "error",
    message: `bind ${target}: the port is in use by a process other than HAProxy (${taken})`,
    span,
  };
}

/** The `host:port` pairs the running config listens on (`*` for wildcard hosts). */
function listeningPorts(running: Config | undefined): Set<string> {
  const ports = new Set<string>();
  for (const proxy of running?.frontends ?? []) {
    for (const bind of proxy.binds) {
      for (const address of bind.addresses) {
        if (address.port === undefined) continue;
        const last = address.portEnd ?? address.port;
        for (let port = address.port; port <= last; port++)
          ports.add(`${bindHost(address.host) ?? "*"}:${port}`);
      }
    }
  }
  return ports;
}

function isNetworkAddress(address: Address): boolean {
  return (
    (address.kind === "ipv4" || address.kind === "ipv6" || address.kind === "hostname") &&
    address.port !== undefined &&
    !address.portOffset
  );
}

/** The host to bind, or undefined for a wildcard. */
function bindHost(host: string): string | undefined {
  return host === "" || host === "*" || host === "0.0.0.0" || host === "::" ? undefined : host;
}

function isLoopback(host: string): boolean {
  return host.startsWith("127.") || host === "::1" || host === "localhost";
}

function hostAddresses(): Set<string> {
  const addresses = new Set<string>();
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) addresses.add(entry.address);
  }
  return addresses;
}

/** Resolves with undefined when a connection opens, or with the reason it did not. */
function tcpConnect(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (why: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once("connect", () => done(undefined));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/** Resolves with the status code, or a short reason when no HTTP answer came. */
function httpProbe(
  host: string,
  port: number,
  method: string,
  path: string,
  timeoutMs: number,
): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host, port, method, path, headers: { connection: "close" }, timeout: timeoutMs });
    req.once("response", (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("timeout", () => {
      req.destroy();
      resolve(`no answer within ${timeoutMs} ms`);
    });
    req.once("error", (error: NodeJS.ErrnoException) =>
      resolve(`no HTTP answer (${error.code ?? error.message})`),
    );
    req.end();
  });
}

/**
 * Tries to listen on the port; resolves with the error code when someone else holds it. Only
 * EADDRINUSE says that: EACCES (a low port for a non-root agent) says nothing about HAProxy,
 * which binds as root.
 */
function portTaken(host: string | undefined, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "EADDRINUSE" ? error.code : undefined),
    );
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
