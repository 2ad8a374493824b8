import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { listenOn } from "./listen.js";

/** The response header an emulated server names itself in. */
export const SERVED_BY_HEADER = "x-served-by";

/** How an emulated web server behaves. */
export interface EmulatedServerOptions {
  /** The name it answers with in `x-served-by`. */
  name: string;
  /** Address to listen on; a loopback address such as `127.0.20.11`. */
  host: string;
  port: number;
  /** Delay before each answer, in milliseconds (default 0). */
  latencyMs?: number;
  /**
   * Requests per second it serves; above that rate, over the last second, it answers 503
   * (default: unlimited). Health checks do not count against it.
   */
  capacityRps?: number;
  /** Path prefixes it serves; other paths get 404 (default: every path). */
  serves?: string[];
  /** Path that always answers 200 at once, for health checks (default `/health`). */
  healthPath?: string;
}

/** What an emulated server has seen so far (health checks excluded). */
export interface EmulatedServerCounts {
  /** Requests received. */
  requests: number;
  /** Answers by status code. */
  byStatus: Record<number, number>;
  /** Requests being answered right now. */
  inFlight: number;
  /** Most requests in flight at once. */
  maxInFlight: number;
  /** Health-check requests received (on `healthPath`). */
  healthChecks: number;
}

/** A running emulated server. */
export interface EmulatedServer {
  readonly name: string;
  /** `host:port` it listens on. */
  readonly address: string;
  /** A snapshot of its counters. */
  counts(): EmulatedServerCounts;
  /** Stops listening, drops open connections and resolves once the socket is closed. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server that stands in for one backend server: it answers 200 with a header
 * naming itself, after an optional delay, and counts what it receives. It resolves once the
 * server listens, and rejects when the address cannot be bound.
 */
export async function startEmulatedServer(options: EmulatedServerOptions): Promise<EmulatedServer> {
  const latencyMs = options.latencyMs ?? 0;
  const healthPath = options.healthPath ?? "/health";
  const counts: EmulatedServerCounts = {
    requests: 0,
    byStatus: {},
    inFlight: 0,
    maxInFlight: 0,
    healthChecks: 0,
  };
  // Start times of the requests of the last second, oldest first: the capacity window.
  const recent: number[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<Socket>();

  const answer = (response: ServerResponse, status: number): void => {
    counts.inFlight -= 1;
    counts.byStatus[status] = (counts.byStatus[status] ?? 0) + 1;
    response.writeHead(status, {
      [SERVED_BY_HEADER]: options.name,
      "content-type": "text/plain",
      "cache-control": "no-store",
    });
    response.end(`${status} ${options.name}\n`);
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    // Drain the body so the connection stays usable whatever the client sent.
    request.resume();
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    if (path === healthPath) {
      counts.healthChecks += 1;
      response.writeHead(200, { [SERVED_BY_HEADER]: options.name, "content-type": "text/plain" });
      response.end("ok\n");
      return;
    }
    counts.requests += 1;
    counts.inFlight += 1;
    counts.maxInFlight = Math.max(counts.maxInFlight, counts.inFlight);

    let status = 200;
    if (options.serves && !options.serves.some((prefix) => path.startsWith(prefix))) status = 404;
    else if (options.capacityRps !== undefined) {
      const now = Date.now();
      while (recent.length > 0 && (recent[0] ?? now) <= now - 1000) recent.shift();
      if (recent.length >= options.capacityRps) status = 503;
      else recent.push(now);
    }

    if (latencyMs <= 0) {
      answer(response, status);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      answer(response, status);
    }, latencyMs);
    timers.add(timer);
  };

  const server = createServer(handle);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await listenOn(server, options.host, options.port);

  let closing: Promise<void> | undefined;
  return {
    name: options.name,
    address: `${options.host}:${options.port}`,
    counts: () => ({ ...counts, byStatus: { ...counts.byStatus } }),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        // close() alone waits for idle keep-alive connections (HAProxy keeps some open).
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
