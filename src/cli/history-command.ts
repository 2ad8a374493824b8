import { parseArgs } from "node:util";
import { CHANGE_STATES, type ChangeState } from "../control/api-types.js";
import { LbguardError } from "../errors.js";
import { renderChangeList, renderDiff } from "./render/change-text.js";
import { renderVersions } from "./render/cluster-text.js";
import { idArgument, noArguments, openControl, SERVER_HELP, SERVER_OPTIONS } from "./server-options.js";

export const HISTORY_HELP = `Usage: lbguard history [--state STATE] [options]
       lbguard history --versions [options]
       lbguard diff V1 V2 [options]

history             the cluster's changes, newest first: id, state, author, gate verdict,
                    risk, what it changes (versions or runtime operation), message
history --versions  the cluster's versions, newest first; '*' marks the current one
diff V1 V2          the unified diff between two versions, from the server

Options:
  --state STATE       only changes in this state: draft, in-review, approved, rolling-out,
                      applied, rolled-back, rejected or superseded
  --versions          list versions instead of changes

${SERVER_HELP}

Exit codes: 0 shown, 1 refused by the server (e.g. no such version), 2 usage error.
`;

/** `lbguard history`. */
export async function historyCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...SERVER_OPTIONS, state: { type: "string" }, versions: { type: "boolean", default: false } },
  });
  if (values.help) {
    out(HISTORY_HELP);
    return 0;
  }
  noArguments("history", positionals);
  const state = values.state as ChangeState | undefined;
  if (state !== undefined && !(CHANGE_STATES as readonly string[]).includes(state)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `--state must be one of ${CHANGE_STATES.join(", ")}, not '${state}'`,
    });
  }
  const control = openControl(values, out);
  const cluster = await control.cluster();
  if (values.versions) {
    const [versions, current] = await Promise.all([
      control.client.versions(cluster),
      control.client.cluster(cluster).then((c) => c.currentVersion),
    ]);
    control.print(versions, (v) => renderVersions(v, current, control.color));
  } else {
    const changes = await control.client.changes(cluster, state);
    control.print(changes, (c) => renderChangeList(c, control.color));
  }
  return 0;
}

/** `lbguard diff V1 V2`. */
export async function diffCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: SERVER_OPTIONS });
  if (values.help) {
    out(HISTORY_HELP);
    return 0;
  }
  if (positionals.length !== 2)
    throw new LbguardError("LBG_USAGE", { detail: "diff needs two versions, V1 and V2" });
  const [from, to] = positionals.map((p) => idArgument("a version", p)) as [number, number];
  const control = openControl(values, out);
  const answer = await control.client.diff(from, to);
  control.print(answer, (a) => renderDiff(a.diff, control.color));
  return 0;
}
