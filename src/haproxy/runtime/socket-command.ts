import { connect, type NetConnectOpts } from "node:net";
import { RuntimeConnectError, type RuntimeConnectReason } from "./runtime-errors.js";

/** Options for one runtime command. */
export interface SocketCommandOptions {
  /** Deadline for connecting and reading the whole answer, in milliseconds (default 5 000). */
  timeoutMs?: number;
  /**
   * Appends `; quit` to the command. The admin (stats) socket closes after one command, but the
   * master CLI keeps the connection open, so without this its answer would never end.
   */
  quit?: boolean;
}

/**
 * Where to connect: a UNIX socket path, or `host:port` / `[v6]:port` for a TCP stats socket. A
 * string with a `/` is always a path.
 */
export function socketTarget(address: string): NetConnectOpts {
  if (!address.includes("/")) {
    const tcp = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
    if (tcp) return { host: tcp[1] ?? tcp[2], port: Number(tcp[3]) };
  }
  return { path: address };
}

/**
 * Sends one command line to a HAProxy runtime socket and resolves with everything it answers,
 * read until HAProxy closes the connection. Rejects with `RuntimeConnectError` when the socket
 * is missing, refuses the connection, or the deadline passes; an answer that is a complaint
 * still resolves (see `classifyAnswer`).
 */
export function sendSocketCommand(
  address: string,
  command: string,
  options: SocketCommandOptions = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  if (/[\r\n]/.test(command)) {
    return Promise.reject(
      new RuntimeConnectError(address, "other", command, "a command must be one line (no CR or LF)"),
    );
  }
  const line = options.quit ? `${command}; quit\n` : `${command}\n`;
  return new Promise((resolve, reject) => {
    let answer = "";
    let settled = false;
    const socket = connect(socketTarget(address));
    const fail = (reason: RuntimeConnectReason, detail: string, cause?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(new RuntimeConnectError(address, reason, command, detail, { cause }));
    };
    const timer = setTimeout(
      () => fail("timeout", `no complete answer within ${timeoutMs} ms (got ${answer.length} bytes)`),
      timeoutMs,
    );
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(line));
    socket.on("data", (chunk: string) => {
      answer += chunk;
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      const reason: RuntimeConnectReason =
        error.code === "ENOENT"
          ? "missing"
          : error.code === "ECONNREFUSED"
            ? "refused"
            : error.code === "ECONNRESET" || error.code === "EPIPE"
              ? "closed"
              : "other";
      fail(reason, error.message, error);
    });
    socket.on("close", () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    });
  });
}
