import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import { renderEvents, verificationText } from "./render/audit-text.js";
import {
  idArgument,
  noArguments,
  openControl,
  runAction,
  SERVER_HELP,
  SERVER_OPTIONS,
} from "./server-options.js";

export const AUDIT_HELP = `Usage: lbguard audit [--type TYPE] [--limit N] [--after SEQ] [options]
       lbguard audit verify [options]

audit         the append-only event log, oldest first: sequence number, time (UTC), actor,
              type and subject. Every proposal, review, override, rollout, apply, rollback,
              drift, token and user is there.
audit verify  checks the log's hash chain from the first event to the last.

Options:
  --type TYPE    only events of this type, e.g. change.proposed, review.approved
  --limit N      at most N events, the oldest first: the server answers a page at a time
  --after SEQ    only events after sequence number SEQ (the next page)
  --cluster NAME only that cluster's events (default $LBGUARD_CLUSTER; without either, every
                 event, whatever its cluster)

${SERVER_HELP}

Exit codes: 0 shown, or 'N events, chain intact'; 1 the chain is broken (the first broken
link is named) or the server refused; 2 usage error.
`;

const LIST_OPTIONS = {
  ...SERVER_OPTIONS,
  type: { type: "string" },
  limit: { type: "string" },
  after: { type: "string" },
} as const;

/** `lbguard audit` and `lbguard audit verify`. */
export async function auditCommand(argv: string[], out: (s: string) => void): Promise<number> {
  return runAction("audit", argv, { verify }, AUDIT_HELP, out, list);

  async function list(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: LIST_OPTIONS });
    if (values.help) return help();
    noArguments("audit", positionals);
    const limit = values.limit !== undefined ? idArgument("--limit", values.limit) : undefined;
    const after = values.after !== undefined ? idArgument("--after", values.after, 0) : undefined;
    const control = openControl(values, out);
    const events = await control.client.events({
      ...(control.namedCluster ? { cluster: control.namedCluster } : {}),
      ...(values.type !== undefined ? { type: values.type } : {}),
      ...(after !== undefined ? { after } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    control.print(events, (e) => renderEvents(e, control.color));
    return 0;
  }

  async function verify(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVER_OPTIONS });
    if (values.help) return help();
    noArguments("audit verify", positionals);
    const control = openControl(values, out);
    const verification = await control.client.verifyAudit();
    if (control.json) {
      control.print(verification, () => "");
      return verification.ok ? 0 : 1;
    }
    if (!verification.ok)
      throw new LbguardError("LBG_AUDIT_BROKEN", { detail: verificationText(verification) });
    out(`${verificationText(verification)}\n`);
    return 0;
  }

  function help(): number {
    out(AUDIT_HELP);
    return 0;
  }
}
