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
  LBG_BAD_REQUEST: {
    exitCode: 2,
    httpStatus: 400,
    message: "{detail}",
    hint: "Fix the field named above; docs/api.md lists every endpoint's body.",
  },
  LBG_UNAUTHENTICATED: {
    exitCode: 2,
    httpStatus: 401,
    message: "{detail}",
    hint: "Pass a token with --token or LBGUARD_TOKEN (HTTP: 'Authorization: Bearer TOKEN'); an admin creates one with 'lbguard token create'.",
  },
  LBG_FORBIDDEN: {
    exitCode: 1,
    httpStatus: 403,
    message: "{detail}",
    hint: "Ask an admin for a token with the role named above.",
  },
  LBG_SELF_REVIEW: {
    exitCode: 1,
    httpStatus: 403,
    message: "{detail}",
    hint: "Another user with the approver role must review it.",
  },
  LBG_OVERRIDE_REQUIRED: {
    exitCode: 1,
    httpStatus: 403,
    message: "{detail}",
    hint: "Fix the change so the gate passes, or have an admin approve it with --override 'REASON'.",
  },
  LBG_NOT_FOUND: {
    exitCode: 1,
    httpStatus: 404,
    message: "{detail}",
    hint: "List what exists with 'lbguard history', 'lbguard nodes' or GET /api/v1/clusters.",
  },
  LBG_STALE_PARENT: {
    exitCode: 1,
    httpStatus: 409,
    message: "{detail}",
    hint: "Propose the change again against the current version (lbguard diff shows what changed since).",
  },
  LBG_WRONG_STATE: {
    exitCode: 1,
    httpStatus: 409,
    message: "{detail}",
    hint: "Check the change's state with 'lbguard history'; only approved changes roll out.",
  },
  LBG_EXISTS: {
    exitCode: 1,
    httpStatus: 409,
    message: "{detail}",
    hint: "Choose another name.",
  },
  LBG_TOO_LARGE: {
    exitCode: 2,
    httpStatus: 413,
    message: "{detail}",
    hint: "Send a smaller body; 'lbguard serve --body-limit' raises the limit.",
  },
  LBG_SERVER_UNREACHABLE: {
    exitCode: 1,
    httpStatus: 502,
    message: "cannot reach the lbguard server at {url}: {reason}",
    hint: "Check --server (or LBGUARD_SERVER) and that 'lbguard serve' runs there.",
  },
  LBG_STORE_FAILED: {
    exitCode: 1,
    httpStatus: 503,
    message: "the store {store} failed: {reason}",
    hint: "Check the database URL (--database or DATABASE_URL) and that the database is up; nothing half-written was kept.",
  },
  LBG_BAD_BACKUP: {
    exitCode: 2,
    httpStatus: 400,
    message: "{path} is not a usable lbguard backup: {reason}",
    hint: "Use a file written by 'lbguard backup create'; restore into an empty store or pass --replace.",
  },
  LBG_AUDIT_BROKEN: {
    exitCode: 1,
    httpStatus: 500,
    message: "{detail}",
    hint: "The event log was altered outside lbguard; restore the store from a backup taken before the broken event and investigate who had database access.",
  },
  LBG_INCIDENT_NOT_FOUND: {
    exitCode: 1,
    httpStatus: 404,
    message: "{detail}",
    hint: "List the incidents with 'lbguard incident list' or GET /api/v1/incidents.",
  },
  LBG_INCIDENT_RESOLVED: {
    exitCode: 1,
    httpStatus: 409,
    message: "{detail}",
    hint: "A resolved incident stays resolved; add a note to it, or open a new one with 'lbguard incident open' if the trouble is back.",
  },
  LBG_WEBHOOK_FAILED: {
    exitCode: 1,
    httpStatus: 502,
    message: "the webhook at {host} failed: {reason}",
    hint: "Check the receiver's URL and that the service behind it accepts a JSON POST; lbguard retries with backoff and records each failure as a notification.failed event.",
  },
  LBG_ALERT_NOT_FOUND: {
    exitCode: 1,
    httpStatus: 404,
    message: "{detail}",
    hint: "List the alerts with 'lbguard alerts --state all' or GET /api/v1/alerts.",
  },
  LBG_SILENCE_NOT_FOUND: {
    exitCode: 1,
    httpStatus: 404,
    message: "{detail}",
    hint: "List the silences with 'lbguard silence list --all' or GET /api/v1/silences.",
  },
  LBG_BAD_SILENCE_MATCHER: {
    exitCode: 2,
    httpStatus: 400,
    message: "{detail}",
    hint: "Match on rule, severity, node, frontend, backend or server, e.g. --match backend=web.",
  },
  LBG_BAD_SILENCE_END: {
    exitCode: 2,
    httpStatus: 400,
    message: "{detail}",
    hint: "Give a duration (--for 2h, 45m, 1d) or an end time in the future, at most 30 days away.",
  },
  LBG_BAD_ALERT_RULES: {
    exitCode: 2,
    httpStatus: 400,
    message: "the alert rules {path} are not usable:{problems}",
    hint: "Fix the lines named above; docs/alerts.md lists every rule kind, its parameters and the receivers' fields.",
  },
  LBG_HAPROXY_MISSING: {
    exitCode: 2,
    httpStatus: 500,
    message: "{binary} cannot be run ({reason}), and {command} runs real HAProxy load balancers",
    hint: "Install HAProxy: sudo apt-get install -y haproxy (Debian, Ubuntu); or name the binary with --haproxy PATH.",
  },
  LBG_DEMO_FAILED: {
    exitCode: 1,
    httpStatus: 500,
    message: "the demo did not start: {detail}",
    hint: "An address in use is usually another demo or 'lbguard serve': stop it, or move the demo with --listen, --addresses and --first-port; the logs are in the demo's directory.",
  },
  LBG_BAD_VRRP: {
    exitCode: 2,
    httpStatus: 400,
    message: "the pair file {path} is not usable:{problems}",
    hint: "Fix the lines named above; docs/vrrp.md lists every field of a pair file with its limits.",
  },
  LBG_KEEPALIVED_NOT_RUNNING: {
    exitCode: 1,
    httpStatus: 502,
    message: "keepalived is not running: {detail}",
    hint: "Start keepalived (systemctl start keepalived) and name its pid file with --keepalived-pid; 'lbguard vrrp render PAIR --node NAME --dir DIR' writes its first configuration.",
  },
  LBG_INTERNAL: {
    exitCode: 1,
    httpStatus: 500,
    message: "{detail}",
    hint: "This is a bug in lbguard; the server's log has the stack trace.",
  },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error from the catalog, carrying its code and the data its message names. */
export class LbguardError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: number;
  readonly httpStatus: number;

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
    this.httpStatus = entry.httpStatus;
  }
}
