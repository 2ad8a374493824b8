import { parseArgs } from "node:util";
import type { Change, RuntimeOperationSpec } from "../control/api-types.js";
import { LbguardError } from "../errors.js";
import { readText } from "./load-inputs.js";
import { renderChange } from "./render/change-text.js";
import {
  idArgument,
  openControl,
  required,
  SERVER_HELP,
  SERVER_OPTIONS,
  type Control,
} from "./server-options.js";

export const PROPOSE_HELP = `Usage: lbguard propose FILE -m MESSAGE [--vrrp PAIR] [--parent V] [--draft] [options]
       lbguard propose --vrrp PAIR -m MESSAGE [--parent V] [--draft] [options]
       lbguard propose --runtime ACTION BACKEND/SERVER -m MESSAGE [options]
       lbguard submit CHANGE [options]

propose  asks for a change to the cluster (operator): FILE is the new haproxy.cfg, or
         --runtime names an operation on one server through HAProxy's runtime API (no new
         version). The server runs the gate against the parent version (rules, haproxy -c
         when it runs with --haproxy-check, the traffic prediction and the plan) and records
         the verdict, findings, plan and risk; the cluster's policy says how many approvals
         the risk needs. --vrrp PAIR gives the keepalived pair file (YAML) the version
         carries beside haproxy.cfg; without FILE the new version keeps the parent's
         haproxy.cfg, without --vrrp the parent's pair file. The pair must name exactly the
         cluster's nodes; a cluster with fewer than two nodes gets a warning.
         Prints the change id, verdict, risk, approvals needed, findings and the plan.
submit   asks for review of a change proposed with --draft (operator).

Options:
  -m, --message TEXT     what the change is for (required)
  --parent V             the version the change is made against (default: the cluster's
                         current version); rolling out fails if it is no longer current
  --draft                keep the change as a draft, not yet in review
  --runtime ACTION       drain, disable, enable or weight=N (0 to 256)
  --vrrp PAIR            a new pair file: VIP, interface, router id, check and the nodes'
                         priorities (see docs/control-plane.md)

${SERVER_HELP}

Exit codes: 0 proposed and the gate passed, 1 the gate blocked it or the server refused it,
2 usage error or unreadable file.
`;

/** `lbguard propose`: 0 when the gate passed, 1 when it blocked the change. */
export async function proposeCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SERVER_OPTIONS,
      message: { type: "string", short: "m" },
      parent: { type: "string" },
      draft: { type: "boolean", default: false },
      runtime: { type: "string" },
      vrrp: { type: "string" },
    },
  });
  if (values.help) {
    out(PROPOSE_HELP);
    return 0;
  }
  const pairOnly = values.vrrp !== undefined && values.runtime === undefined && positionals.length === 0;
  if (positionals.length !== 1 && !pairOnly) {
    throw new LbguardError("LBG_USAGE", {
      detail: values.runtime
        ? "propose --runtime needs one BACKEND/SERVER"
        : "propose needs one FILE, --vrrp PAIR, or both (or --runtime ACTION BACKEND/SERVER)",
    });
  }
  if (values.runtime !== undefined && values.vrrp !== undefined) {
    throw new LbguardError("LBG_USAGE", {
      detail: "--runtime and --vrrp do not go together: propose them apart",
    });
  }
  const message = required("message", values.message);
  const target = positionals[0];
  const change =
    values.runtime !== undefined
      ? { operation: runtimeOperation(values.runtime, target!) }
      : {
          ...(target !== undefined ? { config: await readText(target) } : {}),
          ...(values.vrrp !== undefined ? { vrrp: await readText(values.vrrp) } : {}),
        };
  const parentGiven = values.parent !== undefined ? idArgument("--parent", values.parent) : undefined;
  const control = openControl(values, out);
  const cluster = await control.cluster();
  const parent = parentGiven ?? (await control.client.cluster(cluster)).currentVersion;
  const proposed = await control.client.propose(cluster, {
    parent,
    message,
    ...change,
    ...(values.draft ? { draft: true } : {}),
  });
  printProposed(control, proposed);
  return proposed.verdict === "pass" ? 0 : 1;
}

/** `lbguard submit CHANGE`: a draft goes to review. */
export async function submitCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: SERVER_OPTIONS });
  if (values.help) {
    out(PROPOSE_HELP);
    return 0;
  }
  const control = openControl(values, out);
  const change = await control.client.submit(idArgument("CHANGE", positionals[0]));
  printProposed(control, change);
  return change.verdict === "pass" ? 0 : 1;
}

function printProposed(control: Control, change: Change): void {
  control.print(change, (c) => {
    const next =
      c.state === "draft"
        ? `Submit it for review with 'lbguard submit ${c.id}'.`
        : c.verdict === "block"
          ? `Fix it and propose again, or an admin approves it with 'lbguard approve ${c.id} -m COMMENT --override REASON'.`
          : `Reviewers: 'lbguard review ${c.id}', then 'lbguard approve ${c.id} -m COMMENT'.`;
    return `${renderChange(c, { color: control.color, plan: "summary" })}\n${next}\n`;
  });
}

/** `drain`, `disable`, `enable` or `weight=N` on `BACKEND/SERVER`, as the API takes it. */
export function runtimeOperation(action: string, target: string): RuntimeOperationSpec {
  const where = /^([^/\s]+)\/([^/\s]+)$/.exec(target);
  if (!where)
    throw new LbguardError("LBG_USAGE", { detail: `name the server as BACKEND/SERVER, not '${target}'` });
  const [, backend, server] = where as unknown as [string, string, string];
  if (action === "drain" || action === "disable" || action === "enable") {
    return { backend, server, action: { kind: action } };
  }
  const weight = /^weight=(\d{1,3})$/.exec(action);
  if (weight && Number(weight[1]) <= 256) {
    return { backend, server, action: { kind: "weight", weight: Number(weight[1]) } };
  }
  throw new LbguardError("LBG_USAGE", {
    detail: `--runtime takes drain, disable, enable or weight=N (0 to 256), not '${action}'`,
  });
}
