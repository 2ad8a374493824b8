import type { StatsSocket } from "../model/config.js";
import type { Address } from "../model/server.js";
import { defineRule } from "./rule.js";
import { isLocalAddress } from "./semantics/server-pool.js";

/** True for 0.0.0.0 and :: (`*:9999`, `:9999` and `ipv4@:9999` read as 0.0.0.0). */
function isWildcard(address: Address): boolean {
  return address.host === "0.0.0.0" || address.host === "::" || address.host === "[::]";
}

function isNetwork(address: Address): boolean {
  return address.kind === "ipv4" || address.kind === "ipv6" || address.kind === "hostname";
}

/** True when a Unix socket mode such as 666 or 0777 lets every local user write to it. */
function worldWritable(mode: string | undefined): boolean {
  return mode !== undefined && /^[0-7]+$/.test(mode) && (Number.parseInt(mode, 8) & 0o002) !== 0;
}

/**
 * The runtime API at `level admin` can drain, disable and re-weight servers, change addresses and
 * kill sessions, without any password. It must be reachable only by the people who run HAProxy.
 */
export default defineRule({
  meta: {
    id: "admin-socket-exposed",
    severity: "error",
    description:
      "A stats socket is reachable by people who should not drive HAProxy: admin level on a network address, any level on all addresses, or a world-writable admin socket.",
    messages: {
      anyAddress:
        "stats socket {address} listens on every network address: anyone who reaches port {port} can use the runtime API (level {level})",
      publicAdmin:
        "stats socket {address} serves the admin runtime API on a network address: anyone who reaches it can drain, disable or re-weight servers, without a password",
      localAdmin:
        "stats socket {address} serves the admin runtime API to every local user: any account on this machine can drain or disable servers",
      worldWritable:
        "admin stats socket {address} has mode {mode}: every local user can write to it and drain or disable servers",
    },
    hints: {
      anyAddress:
        "Use a Unix socket ('stats socket /run/haproxy/admin.sock mode 660 level admin'), or bind to 127.0.0.1 and firewall the port.",
      publicAdmin:
        "Use a Unix socket ('stats socket /run/haproxy/admin.sock mode 660 level admin'); if remote access is needed, tunnel to it over SSH.",
      localAdmin:
        "Use a Unix socket with 'mode 660' owned by the haproxy group, so that file permissions decide who may use it.",
      worldWritable: "Use 'mode 660' (or 600) and give access through the socket's group.",
    },
  },
  create(context) {
    const report = (socket: StatsSocket, messageId: string, severity?: "warning") => {
      const address = socket.address;
      context.report({
        messageId,
        data: {
          address: address.text,
          level: socket.level,
          port: address.port ?? "",
          mode: socket.mode ?? "",
        },
        span: messageId === "worldWritable" ? (socket.options.mode?.[0]?.span ?? socket.span) : address.span,
        ...(severity ? { severity } : {}),
      });
    };
    return {
      global(global) {
        for (const socket of global.statsSockets) {
          const address = socket.address;
          const admin = socket.level === "admin";
          if (isNetwork(address)) {
            if (isWildcard(address)) report(socket, "anyAddress");
            else if (admin && !isLocalAddress(address)) report(socket, "publicAdmin");
            // Only local accounts can reach it: serious, but not open to the network.
            else if (admin) report(socket, "localAdmin", "warning");
          } else if (admin && address.kind === "abstract") {
            // Abstract sockets have no file permissions: any local process can connect.
            report(socket, "localAdmin", "warning");
          } else if (admin && address.kind === "unix" && worldWritable(socket.mode)) {
            report(socket, "worldWritable", "warning");
          }
        }
      },
    };
  },
});
