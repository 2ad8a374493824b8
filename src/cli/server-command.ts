import { parseArgs } from "node:util";
import { runRuntimeOperation, type RuntimeAction, type RuntimeOutcome } from "../agent/runtime-operation.js";
import { LbguardError } from "../errors.js";
import { secondsOption } from "./seconds-option.js";
import { explicitTraffic, NODE_HELP, NODE_OPTIONS, onNode } from "./node-options.js";
import { TRAFFIC_OPTIONS } from "./traffic-options.js";
import { breachLine } from "./render/event-text.js";

export const SERVER_HELP = `Usage: lbguard server drain|disable|enable BACKEND/SERVER [options]
       lbguard server weight BACKEND/SERVER N [options]

Changes one server through HAProxy's runtime API (no reload), through the same gate and watch
as 'lbguard apply': the change is predicted against the load HAProxy serves now and refused
when the remaining servers could not carry it (over an inventory capacity, or no server left);
then the live stats are watched for the bake window and the server is put back as it was on a
breach. drain: no new connections; disable: maintenance; enable: ready again; weight: 0-256.

Options:
  --force                skip the gate (recorded in the event log)
  --bake SECONDS         the watch window (default: the policy's)
  --json                 print the outcome as JSON
  -h, --help             show this help
  --rps N, --frontend NAME=N, --paths LIST
                         traffic to predict with (default: what HAProxy serves now)

${NODE_HELP}

Exit codes: 0 done, 1 blocked, reverted or refused by HAProxy, 2 usage error.
`;

const ACTIONS = new Set(["drain", "disable", "enable", "weight"]);

/** `lbguard server`. */
export async function serverCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...NODE_OPTIONS,
      ...TRAFFIC_OPTIONS,
      force: { type: "boolean", default: false },
      bake: { type: "string" },
    },
  });
  if (values.help) {
    out(SERVER_HELP);
    return 0;
  }
  const [verb, target, weightText] = positionals;
  if (!verb || !ACTIONS.has(verb)) {
    throw new LbguardError("LBG_USAGE", {
      detail: "server needs an action: drain, disable, enable or weight",
    });
  }
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(target ?? "");
  if (!match)
    throw new LbguardError("LBG_USAGE", {
      detail: `server ${verb} needs BACKEND/SERVER, not '${target ?? ""}'`,
    });
  const action = actionFor(verb, weightText);
  const bakeS = secondsOption("bake", values.bake);
  const traffic = explicitTraffic(values);
  const outcome: RuntimeOutcome = await onNode(values, err, ({ node, ctx, actor }) =>
    runRuntimeOperation(node, ctx, {
      backend: match[1]!,
      server: match[2]!,
      action,
      actor,
      ...(values.force ? { force: true } : {}),
      ...(bakeS !== undefined ? { bakeS } : {}),
      ...(traffic ? { traffic } : {}),
    }),
  );
  if (values.json) out(`${JSON.stringify(outcome, null, 2)}\n`);
  else if (outcome.status === "blocked") {
    const reasons = outcome.gate?.findings.filter((f) => f.severity === "error").map((f) => f.message) ?? [];
    out(`blocked '${outcome.command}': ${reasons.join("; ")} (use --force to do it anyway)\n`);
  } else if (outcome.status === "reverted") {
    out(`reverted '${outcome.command}' with '${outcome.revert}': ${breachLine(outcome.breaches)}\n`);
  } else out(`done: ${outcome.command}\n`);
  return outcome.status === "kept" ? 0 : 1;
}

function actionFor(verb: string, weightText: string | undefined): RuntimeAction {
  if (verb !== "weight") return { kind: verb as "drain" | "disable" | "enable" };
  const weight = Number(weightText);
  if (weightText === undefined || !Number.isInteger(weight) || weight < 0 || weight > 256) {
    throw new LbguardError("LBG_USAGE", {
      detail: `server weight needs a whole number from 0 to 256, not '${weightText ?? ""}'`,
    });
  }
  return { kind: "weight", weight };
}
