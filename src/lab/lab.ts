import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { LbguardError } from "../errors.js";
import { type MasterWorker, startMasterWorker } from "../haproxy/runtime/master-process.js";
import { type DbServer, startDbServer } from "./db-server.js";
import { type EmulatedServer, startEmulatedServer } from "./emulated-server.js";
import { addGlobalLines } from "./haproxy-process.js";
import type { LabServer } from "./scenario.js";

/** How to start a lab. */
export interface LabOptions {
  /** The servers to emulate; each listens on its own address, which must have a port. */
  servers: LabServer[];
  /** The haproxy.cfg text to run; the lab adds only its own global lines to it. */
  config: string;
  /**
   * Where the config, sockets and pid file go (created when missing, kept by `stop()`).
   * Default: a fresh temporary directory, removed by `stop()`.
   */
  dir?: string;
  /** The haproxy binary (default: `$LBGUARD_HAPROXY`, else `haproxy` on PATH). */
  haproxyBinary?: string;
  /**
   * Runs HAProxy in its own process group, its output appended to `<dir>/haproxy.log`, so that
   * it does not die with this process's terminal (for `lbguard lab run`).
   */
  detachedHaproxy?: boolean;
  /** How long HAProxy may take to start, in milliseconds (default 10 000). */
  startTimeoutMs?: number;
}

/** One emulated server of a running lab. */
export type LabServerProcess =
  | { kind: "web"; server: EmulatedServer }
  | { kind: "db"; server: DbServer }
  | { kind: "other"; server: TcpSink };

/** A running lab: emulated servers and a master-worker HAProxy in front of them. */
export interface Lab {
  readonly dir: string;
  /** The config HAProxy runs: the given text plus the lab's global lines. */
  readonly configPath: string;
  /** HAProxy's master CLI (`-S`). */
  readonly masterSocket: string;
  /** The worker's stats socket, at admin level. */
  readonly adminSocket: string;
  /** Where the master writes its PID. */
  readonly pidFile: string;
  /** The lines the lab added at the top of the global section, in order. */
  readonly addedGlobalLines: readonly string[];
  readonly servers: readonly LabServerProcess[];
  readonly haproxy: MasterWorker;
  /** Stops HAProxy by its PID, then closes the servers. Safe to call more than once. */
  stop(): Promise<void>;
}

/** A listener for servers that are neither web nor database: it accepts and closes at once. */
export interface TcpSink {
  readonly name: string;
  readonly address: string;
  /** Connections accepted so far. */
  counts(): { connections: number };
  close(): Promise<void>;
}

/** The global lines the lab adds to a config: an admin stats socket and a pid file. */
export function labGlobalLines(dir: string): string[] {
  return [
    `stats socket ${join(dir, "admin.sock")} level admin mode 600`,
    `pidfile ${join(dir, "haproxy.pid")}`,
  ];
}

/**
 * Starts every server on its address (web: an emulated web server with its health path,
 * capacity, latency and served prefixes; db: a database-like TCP server; other: a listener that
 * accepts and closes), writes the config with the lab's global lines to `<dir>/haproxy.cfg` and
 * starts HAProxy in master-worker mode with its master socket at `<dir>/master.sock`. Resolves
 * once HAProxy's worker runs and its binds accept connections. When anything fails half-way it
 * stops what it started and rethrows.
 */
export async function startLab(options: LabOptions): Promise<Lab> {
  for (const server of options.servers) {
    if (server.port === undefined)
      throw new LbguardError("LBG_USAGE", {
        detail: `the lab cannot start server '${server.name}': its address '${server.address}' has no port`,
      });
  }
  const ownDir = options.dir === undefined;
  const dir = options.dir === undefined ? mkdtempSync(join(tmpdir(), "lbguard-lab-")) : resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, "haproxy.cfg");
  const masterSocket = join(dir, "master.sock");
  const adminSocket = join(dir, "admin.sock");
  const pidFile = join(dir, "haproxy.pid");
  const addedGlobalLines = labGlobalLines(dir);

  const servers: LabServerProcess[] = [];
  let haproxy: MasterWorker | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        await haproxy?.stop();
      } finally {
        await Promise.all(servers.map((s) => s.server.close()));
        if (ownDir) rmSync(dir, { recursive: true, force: true });
      }
    })();
    return stopping;
  };

  try {
    for (const server of options.servers) servers.push(await startLabServer(server));
    writeFileSync(configPath, addGlobalLines(options.config, addedGlobalLines));
    // Sockets of an earlier run in the same directory would make HAProxy refuse to bind them.
    for (const socket of [masterSocket, adminSocket]) rmSync(socket, { force: true });
    haproxy = await startMasterWorker({
      configPath,
      masterSocket,
      ...(options.haproxyBinary !== undefined ? { binary: options.haproxyBinary } : {}),
      ...(options.detachedHaproxy ? { detached: true, logFile: join(dir, "haproxy.log") } : {}),
      ...(options.startTimeoutMs !== undefined ? { startTimeoutMs: options.startTimeoutMs } : {}),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    dir,
    configPath,
    masterSocket,
    adminSocket,
    pidFile,
    addedGlobalLines,
    servers,
    haproxy,
    stop,
  };
}

/**
 * Starts one server of a lab on its address: an emulated web server (health path, capacity,
 * latency, served prefixes), a database-like TCP server, or a listener that accepts and closes.
 * Rejects with LBG_USAGE naming the server when its address cannot be bound.
 */
export async function startLabServer(server: LabServer): Promise<LabServerProcess> {
  const port = server.port as number;
  try {
    if (server.role === "web") {
      return {
        kind: "web",
        server: await startEmulatedServer({
          name: server.name,
          host: server.host,
          port,
          ...(server.latencyMs !== undefined ? { latencyMs: server.latencyMs } : {}),
          ...(server.capacityRps !== undefined ? { capacityRps: server.capacityRps } : {}),
          ...(server.serves !== undefined ? { serves: server.serves } : {}),
          ...(server.health !== undefined ? { healthPath: server.health } : {}),
        }),
      };
    }
    if (server.role === "db") {
      return { kind: "db", server: await startDbServer({ name: server.name, host: server.host, port }) };
    }
    return { kind: "other", server: await startTcpSink(server.name, server.host, port) };
  } catch (error) {
    throw new LbguardError(
      "LBG_USAGE",
      {
        detail: `the lab cannot start ${server.role} server '${server.name}' on ${server.address}: ${(error as Error).message}`,
      },
      { cause: error },
    );
  }
}

/** A TCP listener that accepts each connection and closes it at once. */
async function startTcpSink(name: string, host: string, port: number): Promise<TcpSink> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    socket.end();
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", reject);
      resolveListen();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    name,
    address: `${host}:${port}`,
    counts: () => ({ connections }),
    close: () => {
      closing ??= new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
