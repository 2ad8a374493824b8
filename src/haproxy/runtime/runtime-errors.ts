/** What kind of complaint HAProxy's runtime API answered with. */
export type RuntimeComplaintKind =
  | "no-such-backend"
  | "no-such-server"
  | "invalid-weight"
  | "permission-denied"
  | "unknown-command"
  /** Any other textual complaint: a usage message, a refused change, an unknown process. */
  | "refused";

/**
 * The first lines of HAProxy 2.6's complaints, as it prints them (each checked against a live
 * 2.6.12). A command that succeeds answers nothing (changes) or data (`show ...`), which never
 * starts with one of these.
 */
const COMPLAINTS: ReadonlyArray<readonly [RegExp, RuntimeComplaintKind]> = [
  [/^No such server\./, "no-such-server"],
  [/^No such backend\./, "no-such-backend"],
  // `show servers state <name>` for a backend that does not exist.
  [/^Can't find backend\./, "no-such-backend"],
  [/^Absolute weight can only be between/, "invalid-weight"],
  [/^Relative weight must be positive\./, "invalid-weight"],
  [/^Empty weight string/, "invalid-weight"],
  [/^Backend is using a static LB algorithm and only accepts weights/, "invalid-weight"],
  [/^Require <weight> or <weight%>\./, "invalid-weight"],
  [/^Permission denied/, "permission-denied"],
  [/^Unknown command/, "unknown-command"],
  [/^Require 'backend\/server'\./, "refused"],
  [/^'set server <srv> state' expects/, "refused"],
  // The master CLI, for `@N` / `@!PID` prefixes naming no live process.
  [/^Can't find the target PID/, "refused"],
];

/**
 * Classifies an answer: the kind of complaint it is, or undefined when it is not one HAProxy is
 * known to print. Only the first line counts, so data that merely mentions such words later on
 * is not mistaken for a complaint.
 */
export function classifyAnswer(answer: string): RuntimeComplaintKind | undefined {
  const first = answer.trimStart().split("\n", 1)[0] ?? "";
  for (const [pattern, kind] of COMPLAINTS) if (pattern.test(first)) return kind;
  return undefined;
}

/** HAProxy understood the connection but refused the command; `answer` is its own text. */
export class RuntimeCommandError extends Error {
  override readonly name = "RuntimeCommandError";
  readonly kind: RuntimeComplaintKind;
  readonly command: string;
  readonly answer: string;

  constructor(kind: RuntimeComplaintKind, command: string, answer: string) {
    const said = answer.trim() || "(no answer)";
    super(`haproxy refused '${command}' (${kind}): ${said.split("\n", 1)[0]}`);
    this.kind = kind;
    this.command = command;
    this.answer = answer;
  }
}

/** Why a runtime socket could not be used. */
export type RuntimeConnectReason = "missing" | "refused" | "timeout" | "closed" | "other";

/**
 * The runtime socket could not be reached or did not answer in time: the file is missing, no
 * process listens on it (a stale socket file or a closed port), or the deadline passed.
 */
export class RuntimeConnectError extends Error {
  override readonly name = "RuntimeConnectError";
  /** The socket path or `host:port`. */
  readonly address: string;
  readonly reason: RuntimeConnectReason;
  readonly command: string;

  constructor(
    address: string,
    reason: RuntimeConnectReason,
    command: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot run '${command}' on ${address}: ${detail}`, options);
    this.address = address;
    this.reason = reason;
    this.command = command;
  }
}

/**
 * The master re-read the configuration and refused it: no new worker was started and the
 * previous workers keep serving with the configuration they had.
 */
export class ReloadFailedError extends Error {
  override readonly name = "ReloadFailedError";
  /** The master's `[failed: N]` after the reload. */
  readonly failed: number;
  /** The master's reload count after the reload. */
  readonly reloads: number;
  /** The workers that still serve. */
  readonly workerPids: number[];

  constructor(failed: number, reloads: number, workerPids: number[]) {
    super(
      `haproxy refused the reload (reload ${reloads}, failed: ${failed}); ` +
        `the previous worker${workerPids.length === 1 ? "" : "s"} ${workerPids.join(", ") || "(none)"} keep serving`,
    );
    this.failed = failed;
    this.reloads = reloads;
    this.workerPids = workerPids;
  }
}

/** A reload was asked for but neither its success nor its failure showed within the deadline. */
export class ReloadTimeoutError extends Error {
  override readonly name = "ReloadTimeoutError";
  readonly timeoutMs: number;
  /** The master's reload count before the reload was sent. */
  readonly reloadsBefore: number;
  /** The last reload count read, when one could be read. */
  readonly reloadsSeen: number | undefined;

  constructor(timeoutMs: number, reloadsBefore: number, reloadsSeen: number | undefined) {
    super(
      `haproxy did not confirm the reload within ${timeoutMs} ms ` +
        `(reloads before: ${reloadsBefore}, last seen: ${reloadsSeen ?? "unreadable"})`,
    );
    this.timeoutMs = timeoutMs;
    this.reloadsBefore = reloadsBefore;
    this.reloadsSeen = reloadsSeen;
  }
}
