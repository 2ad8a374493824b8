/**
 * Every error lbguard reports to a person or a client, with a stable code. The CLI maps them to
 * exit codes and the HTTP layer (later) to statuses, by code, never by message text.
 * docs/errors.md lists the same codes; a test keeps the two in step.
 */
export const ERRORS = {
  LBG_USAGE: { exitCode: 2, httpStatus: 400, message: "{detail}", hint: "Run 'lbguard --help' for usage." },
  LBG_UNREADABLE_INPUT: {
    exitCode: 2,
    httpStatus: 400,
    message: "cannot read {path}: {reason}",
    hint: "Check the path and that the current user may read it.",
  },
  LBG_BAD_INVENTORY: {
    exitCode: 2,
    httpStatus: 400,
    message: "the inventory {path} is not usable:\n{problems}",
    hint: "Fix the lines named above; an inventory is YAML with a 'servers:' list of { name, role, address }.",
  },
  LBG_UNKNOWN_RULE: {
    exitCode: 2,
    httpStatus: 404,
    message: "there is no rule '{rule}'{suggestion}",
    hint: "Run 'lbguard rules' to list the rules.",
  },
  LBG_HAPROXY_REFUSED: {
    exitCode: 1,
    httpStatus: 422,
    message: "haproxy -c refuses {path}; nothing was changed:\n{errors}",
    hint: "Fix the lines named above and apply again.",
  },
  LBG_RUNTIME_UNREACHABLE: {
    exitCode: 1,
    httpStatus: 502,
    message: "cannot talk to HAProxy on {socket}: {reason}",
    hint: "Check that HAProxy runs in master-worker mode (-W -S SOCKET) and that --master-socket / --admin-socket name its sockets.",
  },
  LBG_RUNTIME_REFUSED: {
    exitCode: 1,
    httpStatus: 422,
    message: "HAProxy refused '{command}': {answer}",
    hint: "Check the backend and server names with 'lbguard simulate' or 'show stat'; weights are 0 to 256.",
  },
  LBG_AGENT_FAILED: {
    exitCode: 1,
    httpStatus: 500,
    message: "{detail}",
    hint: "Read DATA/events.jsonl for the steps taken; 'lbguard agent --once' finishes or undoes an interrupted apply.",
  },
  LBG_NODE_BUSY: {
    exitCode: 1,
    httpStatus: 409,
    message: "{detail}",
    hint: "Wait for the other apply to finish; a lock left by a killed process is taken over automatically.",
  },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error from the catalog, carrying its code and the data its message names. */
export class LbguardError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: number;

  constructor(code: ErrorCode, data: Record<string, string>, options?: { cause?: unknown }) {
    const entry = ERRORS[code];
    super(
      entry.message.replace(/\{(\w+)\}/g, (_, key: string) => data[key] ?? ""),
      options,
    );
    this.name = "LbguardError";
    this.code = code;
    this.hint = entry.hint;
    this.exitCode = entry.exitCode;
  }
}
