import { parseArgs } from "node:util";
import type { Change } from "../control/api-types.js";
import { renderChange } from "./render/change-text.js";
import { escapeControl } from "./render/terminal-safe.js";
import { idArgument, openControl, required, SERVER_HELP, SERVER_OPTIONS } from "./server-options.js";

export const REVIEW_HELP = `Usage: lbguard review CHANGE [options]
       lbguard approve CHANGE -m COMMENT [--override REASON] [options]
       lbguard reject CHANGE -m COMMENT [options]

review   shows a change in full: state, author, verdict, risk, approvals, the gate's findings,
         the plan with each server's traffic before and after, the reviews, the rollout, and
         the diff against its parent version (config changes).
approve  approves it (approver). Nobody reviews their own change. A change the gate blocked
         can only be approved by an admin giving --override, recorded in the audit log.
reject   rejects it (approver); the change cannot be rolled out any more.

Options:
  -m, --message COMMENT  the review's comment (required for approve and reject)
  --override REASON      (approve, admins) why a blocked change may ship anyway

${SERVER_HELP}

Exit codes: 0 done, 1 refused by the server (e.g. LBG_SELF_REVIEW, LBG_OVERRIDE_REQUIRED),
2 usage error.
`;

/** `lbguard review CHANGE`. */
export async function reviewCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: SERVER_OPTIONS });
  if (values.help) {
    out(REVIEW_HELP);
    return 0;
  }
  const control = openControl(values, out);
  const change = await control.client.change(idArgument("CHANGE", positionals[0]));
  const diff =
    change.version !== undefined
      ? (await control.client.diff(change.parent, change.version)).diff
      : undefined;
  control.print({ change, ...(diff !== undefined ? { diff } : {}) }, () =>
    renderChange(change, { color: control.color, plan: "full", ...(diff !== undefined ? { diff } : {}) }),
  );
  return 0;
}

/** `lbguard approve` (decision `approve`) and `lbguard reject` (decision `reject`). */
export async function decideCommand(
  decision: "approve" | "reject",
  argv: string[],
  out: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SERVER_OPTIONS,
      message: { type: "string", short: "m" },
      ...(decision === "approve" ? { override: { type: "string" } as const } : {}),
    },
  });
  if (values.help) {
    out(REVIEW_HELP);
    return 0;
  }
  const id = idArgument("CHANGE", positionals[0]);
  const comment = required("message", values.message);
  const override = (values as { override?: string }).override;
  const control = openControl(values, out);
  const change = await control.client.review(id, { decision, comment, ...(override ? { override } : {}) });
  control.print(change, reviewedText);
  return 0;
}

/** One line on where a change stands after a review, and what comes next. */
export function reviewedText(change: Change): string {
  const state = `change #${change.id} is ${change.state} (${change.approvals} of ${change.approvalsRequired} approvals)`;
  const next =
    change.state === "approved"
      ? `; roll it out with 'lbguard rollout ${change.id} --wait'`
      : change.state === "in-review"
        ? "; it needs more approvals"
        : "";
  return `${escapeControl(state)}${next}\n`;
}
