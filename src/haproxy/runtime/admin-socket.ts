import { classifyAnswer, RuntimeCommandError } from "./runtime-errors.js";
import {
  parseServersState,
  parseShowInfo,
  parseShowStat,
  type ServerAdminState,
  type ServerStateRow,
} from "./show-stat.js";
import { sendSocketCommand } from "./socket-command.js";
import type { StatRow, StatSnapshot } from "./stat-row.js";

/**
 * Something that carries one runtime command to a HAProxy worker and returns its answer: the
 * admin socket itself, or the master CLI routing to a worker (see `adminVia`).
 */
export interface RuntimeTransport {
  /** Where commands go, for messages: a socket path, `host:port`, or `master.sock @1`. */
  readonly address: string;
  send(command: string): Promise<string>;
}

/** Options for an admin socket. */
export interface AdminSocketOptions {
  /** Deadline per command, in milliseconds (default 5 000). */
  timeoutMs?: number;
}

/** A weight for `setWeight`: absolute (0-256) or relative to the configured weight (`"50%"`). */
export type ServerWeight = number | `${number}%`;

/**
 * HAProxy's own rule for proxy and server names (letters, digits, `-`, `_`, `.`, `:`). Checking
 * names against it keeps a caller's string from adding words, `;`-separated commands or lines.
 */
const NAME = /^[A-Za-z0-9_.:-]+$/;

function serverRef(backend: string, server: string, command: string): string {
  for (const name of [backend, server]) {
    if (!NAME.test(name)) {
      throw new RuntimeCommandError("refused", command, `invalid name '${name}': not sent to haproxy`);
    }
  }
  return `${backend}/${server}`;
}

/**
 * A HAProxy stats socket at admin level (`stats socket <path> level admin`), one connection per
 * command. Answers that are known complaints become `RuntimeCommandError`s; changes that HAProxy
 * answers with any text at all are refused too, since it answers a change it made with nothing.
 */
export class AdminSocket {
  readonly address: string;
  private readonly transport: RuntimeTransport;

  /** Connects to a socket path or `host:port`, or uses a given transport. */
  constructor(target: string | RuntimeTransport, options: AdminSocketOptions = {}) {
    if (typeof target === "string") {
      const timeoutMs = options.timeoutMs ?? 5_000;
      this.transport = {
        address: target,
        send: (command) => sendSocketCommand(target, command, { timeoutMs }),
      };
    } else {
      this.transport = target;
    }
    this.address = this.transport.address;
  }

  /**
   * Sends one raw command and resolves with its answer; rejects with `RuntimeCommandError` when
   * the answer is a complaint HAProxy is known to print, and with `RuntimeConnectError` when
   * the socket cannot be used.
   */
  async command(command: string): Promise<string> {
    const answer = await this.transport.send(command);
    const kind = classifyAnswer(answer);
    if (kind) throw new RuntimeCommandError(kind, command, answer);
    return answer;
  }

  /** Reads `show stat` as typed rows. */
  async showStat(): Promise<StatRow[]> {
    return parseShowStat(await this.command("show stat"));
  }

  /** Reads `show stat` and stamps it with the caller's clock (default `Date.now`). */
  async snapshot(clock: () => number = Date.now): Promise<StatSnapshot> {
    const rows = await this.showStat();
    return { at: clock(), rows };
  }

  /** Reads `show info` as a record of its `Name: value` lines. */
  async showInfo(): Promise<Record<string, string>> {
    return parseShowInfo(await this.command("show info"));
  }

  /** Reads `show servers state`, for every backend or only the one named. */
  async showServersState(backend?: string): Promise<ServerStateRow[]> {
    return parseServersState(await this.showServersStateText(backend));
  }

  /** The raw `show servers state` answer, in the format of a server-state-file. */
  async showServersStateText(backend?: string): Promise<string> {
    if (backend === undefined) return this.command("show servers state");
    const command = `show servers state ${backend}`;
    if (!NAME.test(backend)) {
      throw new RuntimeCommandError("refused", command, `invalid name '${backend}': not sent to haproxy`);
    }
    return this.command(command);
  }

  /**
   * Sets a server's weight: an integer from 0 to 256, or a percentage of its configured weight.
   * HAProxy judges the range (`invalid-weight`); only the form is checked here.
   */
  async setWeight(backend: string, server: string, weight: ServerWeight): Promise<void> {
    const command = `set server ${backend}/${server} weight ${String(weight)}`;
    const valid = typeof weight === "number" ? Number.isInteger(weight) : /^\d+%$/.test(weight);
    if (!valid) throw new RuntimeCommandError("invalid-weight", command, "not an integer or NN%: not sent");
    await this.change(`set server ${serverRef(backend, server, command)} weight ${String(weight)}`);
  }

  /** Sets a server's administrative state: ready, drain (no new sessions) or maint. */
  async setState(backend: string, server: string, state: ServerAdminState): Promise<void> {
    const command = `set server ${backend}/${server} state ${state}`;
    if (state !== "ready" && state !== "drain" && state !== "maint") {
      throw new RuntimeCommandError("refused", command, "state must be ready, drain or maint: not sent");
    }
    await this.change(`set server ${serverRef(backend, server, command)} state ${state}`);
  }

  /** Takes a server out of forced maintenance (`enable server`). */
  async enableServer(backend: string, server: string): Promise<void> {
    const command = `enable server ${backend}/${server}`;
    await this.change(`enable server ${serverRef(backend, server, command)}`);
  }

  /** Puts a server into forced maintenance (`disable server`). */
  async disableServer(backend: string, server: string): Promise<void> {
    const command = `disable server ${backend}/${server}`;
    await this.change(`disable server ${serverRef(backend, server, command)}`);
  }

  /** Runs a change, which HAProxy answers with nothing when it made it. */
  private async change(command: string): Promise<void> {
    const answer = await this.command(command);
    if (answer.trim() !== "") throw new RuntimeCommandError("refused", command, answer);
  }
}
