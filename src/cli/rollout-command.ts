import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import type { Rollout } from "../control/api-types.js";
import { renderChange, renderRollout, rolloutProgress } from "./render/change-text.js";
import {
  idArgument,
  noArguments,
  openControl,
  required,
  SERVER_HELP,
  SERVER_OPTIONS,
  type Control,
} from "./server-options.js";

export const ROLLOUT_HELP = `Usage: lbguard rollout CHANGE [--wait] [options]
       lbguard rollback --to V [-m MESSAGE] [--wait] [options]

rollout   ships an approved change (operator). It is compare-and-swap: the change's parent must
          still be the cluster's current version (otherwise LBG_STALE_PARENT names the newer
          one). The first node by name is the canary; the others get the version only after
          the canary's agent promoted it. A rollback or failure on any node halts the rollout.
rollback  puts version V back on every node (approver): a change approved by you, rolling out
          at once. If the gate blocks version V now, only an admin can roll back to it.

Options:
  --wait                 poll the rollout every 500 ms and print each node's progress until it
                         completes or halts
  --to V                 (rollback) the version to go back to
  -m, --message TEXT     (rollback) why

${SERVER_HELP}

Exit codes: 0 started (with --wait: completed), 1 halted or refused by the server, 2 usage error.
`;

const WAIT_OPTIONS = { ...SERVER_OPTIONS, wait: { type: "boolean", default: false } } as const;

/** `lbguard rollout CHANGE [--wait]`. */
export async function rolloutCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: WAIT_OPTIONS });
  if (values.help) {
    out(ROLLOUT_HELP);
    return 0;
  }
  const id = idArgument("CHANGE", positionals[0]);
  const control = openControl(values, out);
  const rollout = await control.client.rollout(id);
  return follow(control, rollout, values.wait, out);
}

/** `lbguard rollback --to V [-m MESSAGE] [--wait]`. */
export async function rollbackCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...WAIT_OPTIONS, to: { type: "string" }, message: { type: "string", short: "m" } },
  });
  if (values.help) {
    out(ROLLOUT_HELP);
    return 0;
  }
  noArguments("rollback", positionals);
  const to = idArgument("--to", required("to", values.to));
  const control = openControl(values, out);
  const change = await control.client.rollback(await control.cluster(), {
    to,
    ...(values.message !== undefined ? { message: values.message } : {}),
  });
  if (!values.wait || !change.rollout) {
    control.print(change, (c) => renderChange(c, { color: control.color }));
    return 0;
  }
  if (!control.json) out(`change #${change.id} rolls back to version ${to}\n`);
  return follow(control, change.rollout, true, out);
}

/** Prints a rollout just started, or with `wait` follows it to its end; 1 when it halted. */
async function follow(
  control: Control,
  rollout: Rollout,
  wait: boolean,
  out: (s: string) => void,
): Promise<number> {
  if (!wait) {
    control.print(rollout, (r) => renderRollout(r, control.color));
    return 0;
  }
  const print = control.json ? () => {} : out;
  const last = await watchRollout(rollout, (id) => control.client.rolloutStatus(id), print, control.color);
  if (control.json) control.print(last, () => "");
  return last.state === "halted" ? 1 : 0;
}

/**
 * Polls a rollout every `intervalMs` until it is no longer running, printing what each look
 * changed (node by node, then the end); resolves with the last look.
 */
export async function watchRollout(
  first: Rollout,
  look: (id: number) => Promise<Rollout>,
  print: (s: string) => void,
  color: boolean,
  wait: (ms: number) => Promise<unknown> = sleep,
  intervalMs = 500,
): Promise<Rollout> {
  print(renderRollout(first, color));
  let seen = first;
  while (seen.state === "running") {
    await wait(intervalMs);
    const next = await look(seen.id);
    print(rolloutProgress(seen, next, color));
    seen = next;
  }
  return seen;
}
