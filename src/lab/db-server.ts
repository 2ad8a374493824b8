import { createServer, type Socket } from "node:net";
import { listenOn } from "./listen.js";

/** How an emulated database server is reached and named. */
export interface DbServerOptions {
  /** The name it gives in its greeting. */
  name: string;
  /** Address to listen on; a loopback address such as `127.0.32.13`. */
  host: string;
  port: number;
}

/** What an emulated database server has seen so far. */
export interface DbServerCounts {
  /** Connections accepted (each one is greeted). */
  connections: number;
  /** Connections on which the client sent something. */
  requests: number;
  /** Connections whose first bytes looked like an HTTP request. */
  httpRequests: number;
  /** Connections open right now. */
  inFlight: number;
  /** Most connections open at once. */
  maxInFlight: number;
}

/** A running emulated database server. */
export interface DbServer {
  readonly name: string;
  /** `host:port` it listens on. */
  readonly address: string;
  /** A snapshot of its counters. */
  counts(): DbServerCounts;
  /** Stops listening, drops open connections and resolves once the socket is closed. */
  close(): Promise<void>;
}

const HTTP_METHOD = /^(GET|HEAD|POST|PUT|DELETE|OPTIONS|PATCH|TRACE|CONNECT) /;

/**
 * Starts a TCP server that behaves like a database on the wire: on connect it sends a binary
 * greeting shaped like a MySQL handshake, and to whatever the client sends (an HTTP request
 * included) it answers a MySQL-style error packet and closes. It never speaks HTTP, so a load
 * balancer that sends it web traffic gets an unparsable response (HAProxy answers 502), while a
 * plain TCP health check still succeeds, as with a real database in a web pool. It resolves once
 * the server listens, and rejects when the address cannot be bound.
 */
export async function startDbServer(options: DbServerOptions): Promise<DbServer> {
  const counts: DbServerCounts = {
    connections: 0,
    requests: 0,
    httpRequests: 0,
    inFlight: 0,
    maxInFlight: 0,
  };
  const sockets = new Set<Socket>();
  let threadId = 0;

  const server = createServer((socket) => {
    sockets.add(socket);
    counts.connections += 1;
    counts.inFlight += 1;
    counts.maxInFlight = Math.max(counts.maxInFlight, counts.inFlight);
    socket.on("close", () => {
      sockets.delete(socket);
      counts.inFlight -= 1;
    });
    // A client that resets the connection is ordinary here (HAProxy's health checks do).
    socket.on("error", () => socket.destroy());
    threadId += 1;
    socket.write(greeting(options.name, threadId));
    socket.once("data", (chunk: Buffer) => {
      counts.requests += 1;
      if (HTTP_METHOD.test(chunk.toString("latin1", 0, 16))) counts.httpRequests += 1;
      socket.end(errorPacket("Got packets out of order"));
    });
  });
  await listenOn(server, options.host, options.port);

  let closing: Promise<void> | undefined;
  return {
    name: options.name,
    address: `${options.host}:${options.port}`,
    counts: () => ({ ...counts }),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** One MySQL wire packet: 3-byte little-endian length, sequence number, payload. */
function packet(sequence: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header.writeUInt8(sequence, 3);
  return Buffer.concat([header, payload]);
}

/** A protocol-10 handshake, enough to look like a database to anything that reads the bytes. */
function greeting(name: string, threadId: number): Buffer {
  const version = Buffer.from(`5.7.44-lbguard-emulated-${name}\0`, "latin1");
  const thread = Buffer.alloc(4);
  thread.writeUInt32LE(threadId % 0x1_0000_0000);
  // Fixed "salt": nothing authenticates against this server, and fixed bytes keep runs identical.
  const salt1 = Buffer.from("lbguard!\0", "latin1");
  const capabilities = Buffer.from([0xff, 0xf7, 0x21, 0x02, 0x00, 0xff, 0x81, 0x15]);
  const reserved = Buffer.alloc(10);
  const salt2 = Buffer.from("emulatedsalt\0", "latin1");
  const plugin = Buffer.from("mysql_native_password\0", "latin1");
  return packet(
    0,
    Buffer.concat([Buffer.from([10]), version, thread, salt1, capabilities, reserved, salt2, plugin]),
  );
}

/** An ERR packet (0xff), code 1156 (ER_NET_PACKETS_OUT_OF_ORDER), as a confused database sends. */
function errorPacket(message: string): Buffer {
  const code = Buffer.alloc(2);
  code.writeUInt16LE(1156);
  return packet(1, Buffer.concat([Buffer.from([0xff]), code, Buffer.from(`#08S01${message}`, "latin1")]));
}
