import { readFileSync } from "node:fs";
import { parseConfig } from "../haproxy/parse/index.js";
import { AdminSocket } from "../haproxy/runtime/admin-socket.js";
import { runHaproxyCheck } from "../haproxy/runtime/haproxy-check.js";
import { adminVia, MasterCli } from "../haproxy/runtime/master-cli.js";
import { parseShowStat } from "../haproxy/runtime/show-stat.js";
import { saveServerState, stateCommandsToReapply, type ServerKey } from "../haproxy/runtime/server-state.js";
import { loadedServerStateFile } from "../rules/semantics/server-state.js";
import type { HaproxyNode } from "./agent-context.js";

/** Where one node's HAProxy lives. */
export interface NodeAddress {
  configPath: string;
  masterSocket: string;
  /** The admin-level stats socket; absent: commands go to the worker through the master CLI. */
  adminSocket?: string;
  /** The haproxy binary for `haproxy -c`. */
  haproxy: string;
  clock?: () => number;
}

/** Debian's and Ubuntu's package defaults (systemd passes `-S /run/haproxy-master.sock`). */
export const DEBIAN_NODE = {
  configPath: "/etc/haproxy/haproxy.cfg",
  masterSocket: "/run/haproxy-master.sock",
  adminSocket: "/run/haproxy/admin.sock",
} as const;

/**
 * Drives a running HAProxy in master-worker mode through its sockets. A reload keeps the
 * servers' runtime state (weights, drain, maintenance): when the config loads a global
 * server-state-file, the state is dumped there first, as HAProxy never writes it itself;
 * otherwise the overridden servers are set again on the new worker.
 */
export function connectNode(address: NodeAddress): HaproxyNode {
  const master = new MasterCli(address.masterSocket);
  const admin = address.adminSocket ? new AdminSocket(address.adminSocket) : adminVia(master);
  const clock = address.clock ?? Date.now;
  return {
    configPath: address.configPath,
    check: (path) => runHaproxyCheck([path], address.haproxy),
    snapshot: () => admin.snapshot(clock),
    async workerSnapshot(pid) {
      const answer = await master.command(`@!${pid} show stat`);
      return { at: clock(), rows: parseShowStat(answer) };
    },
    runtime: (command) => admin.command(command),
    async reload(onDisk) {
      const model =
        onDisk ??
        parseConfig([{ path: address.configPath, text: readFileSync(address.configPath, "utf8") }], {
          env: process.env,
        }).model;
      const stateFile = loadedServerStateFile(model);
      const saved = stateFile ? await saveServerState(admin, stateFile) : await admin.showServersState();
      const result = await master.reload();
      if (!stateFile) {
        const overridden = new Set(
          saved
            .filter((s) => s.forcedAdminState !== "ready" || s.userWeight !== s.initialWeight)
            .map((s) => `${s.backend}/${s.server}` as ServerKey),
        );
        if (overridden.size > 0) {
          const commands = stateCommandsToReapply(saved, await admin.showServersState(), overridden);
          for (const command of commands) await admin.command(command);
        }
      }
      return {
        workerPid: result.workerPid,
        tookMs: result.tookMs,
        previousWorkerPids: result.previousWorkerPids,
      };
    },
  };
}
