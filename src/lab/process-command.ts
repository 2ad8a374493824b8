import { readFileSync } from "node:fs";
import { parseShowProc } from "../haproxy/runtime/master-cli.js";
import { sendSocketCommand } from "../haproxy/runtime/socket-command.js";

/**
 * The command line of a live process, from /proc; undefined when the process is gone (or a
 * zombie), or "" when /proc cannot be read but the PID exists, in which case callers trust
 * the PID as recorded. Comparing it with the command line recorded at start keeps a
 * reused PID from ever being signalled.
 */
export function processCommand(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z") return undefined;
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
  } catch {
    try {
      process.kill(pid, 0);
      return "";
    } catch {
      return undefined;
    }
  }
}

/**
 * The command line of each PID that still runs, by PID, as a record of what to compare with
 * before signalling one of them later.
 */
export function commandLinesOf(pids: readonly number[]): Record<string, string> {
  return Object.fromEntries(
    pids.flatMap((pid) => {
      const command = processCommand(pid);
      return command === undefined ? [] : [[String(pid), command]];
    }),
  );
}

/** The worker PIDs the HAProxy master answers on its CLI with `show proc`; empty when it does not answer. */
export async function workerPidsOf(masterSocket: string, timeoutMs: number): Promise<number[]> {
  const answer = await sendSocketCommand(masterSocket, "show proc", { timeoutMs, quit: true }).catch(
    () => "",
  );
  return parseShowProc(answer)?.workers.map((w) => w.pid) ?? [];
}
