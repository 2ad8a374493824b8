import type { ChildProcess } from "node:child_process";
import { connect } from "node:net";
import { parseConfig } from "../parse/index.js";
import { sendSocketCommand } from "./socket-command.js";

/** A TCP address HAProxy listens on. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** The binary to run when the caller names none: `LBGUARD_HAPROXY`, else `haproxy` on PATH. */
export function haproxyBinary(explicit?: string): string {
  return explicit ?? process.env.LBGUARD_HAPROXY ?? "haproxy";
}

/** Processes started here and not yet exited, each with what to clean up after killing it. */
const running = new Map<ChildProcess, (() => void) | undefined>();
let guarding = false;

/**
 * Makes sure a child never outlives this process: when Node exits without the caller stopping
 * it (a test worker torn down, an uncaught error), the child would keep its ports and block the
 * next run. Only the PIDs started here are killed; `cleanup` then runs (e.g. removing a
 * temporary directory). For a master-worker HAProxy, killing the master is enough: its workers
 * notice the master is gone and exit.
 */
export function orphanGuard(child: ChildProcess, cleanup?: () => void): void {
  if (!guarding) {
    guarding = true;
    process.on("exit", killOrphans);
  }
  running.set(child, cleanup);
  child.once("exit", () => running.delete(child));
  child.once("error", () => running.delete(child));
}

function killOrphans(): void {
  for (const [child, cleanup] of running) {
    child.kill("SIGKILL");
    cleanup?.();
  }
}

/**
 * Adds lines at the top of the global section, creating one when the config has none. The
 * added lines only give the lab a handle on the process; they change no proxy behaviour.
 */
export function addGlobalLines(config: string, lines: readonly string[]): string {
  const added = lines.map((line) => `    ${line}\n`).join("");
  const match = /^[ \t]*global[ \t]*(?:#.*)?$/m.exec(config);
  if (!match) return `global\n${added}\n${config}`;
  const end = match.index + match[0].length;
  return `${config.slice(0, end)}\n${added}${config.slice(end + 1)}`;
}

/**
 * The TCP addresses on the config's bind lines, with a host that can be probed: a wildcard
 * host is probed on 127.0.0.1 (or ::1).
 */
export function bindAddresses(text: string, path: string): ListenAddress[] {
  const { model } = parseConfig([{ path, text }], { env: {} });
  const addresses: ListenAddress[] = [];
  for (const proxy of model.proxies) {
    for (const bind of proxy.binds) {
      for (const address of bind.addresses) {
        if (address.port === undefined || (address.kind !== "ipv4" && address.kind !== "ipv6")) continue;
        const wildcard = address.host === "" || address.host === "*" || address.host === "0.0.0.0";
        const host = wildcard ? "127.0.0.1" : address.host === "::" ? "::1" : address.host;
        addresses.push({ host, port: address.port });
      }
    }
  }
  return addresses;
}

/** True when a TCP connection to the address succeeds within the timeout. */
export function accepts(address: ListenAddress, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Sends one command on a stats socket and resolves with the answer, read until HAProxy closes
 * the connection (the admin socket closes after one command).
 */
export function runtimeCommand(socketPath: string, command: string, timeoutMs: number): Promise<string> {
  return sendSocketCommand(socketPath, command, { timeoutMs });
}

/** True when the promise settles within the timeout. */
export async function settlesWithin(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const settled = promise.then(() => true as const);
  const result = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return result;
}

/** Resolves after the given number of milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** How a child process ended: its exit, or the error that kept it from running. */
export type ChildEnd =
  | { kind: "exit"; code: number | null; signal: NodeJS.Signals | null }
  | { kind: "spawn-error"; error: Error };

/**
 * Watches a child for its end. `ended` resolves on "close" rather than "exit", because "close"
 * comes after its output is drained, so a failure message is whole.
 */
export function watchEnd(child: ChildProcess): { ended: Promise<void>; end(): ChildEnd | undefined } {
  let end: ChildEnd | undefined;
  const ended = new Promise<void>((resolve) => {
    child.once("close", (code, signal) => {
      end ??= { kind: "exit", code, signal };
      resolve();
    });
    child.once("error", (error) => {
      end ??= { kind: "spawn-error", error };
      resolve();
    });
  });
  return { ended, end: () => end };
}

/** Why a start failed, in words, for a child that ended while starting. */
export function describeEnd(end: ChildEnd, binary: string): string {
  return end.kind === "spawn-error"
    ? `cannot run '${binary}': ${end.error.message}`
    : `haproxy exited (${end.signal ?? `code ${end.code}`}) while starting`;
}
