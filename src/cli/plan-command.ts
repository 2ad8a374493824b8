import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import type { Diagnostic } from "../model/diagnostic.js";
import { planChange } from "../plan/index.js";
import { simulate } from "../simulate/simulate.js";
import { loadConfig, loadInventory } from "./load-inputs.js";
import { packageVersion } from "./package-files.js";
import { renderPlanJson } from "./render/plan-json.js";
import { renderPlanText } from "./render/plan-text.js";
import { useColor } from "./terminal.js";
import { PREDICTION_OPTIONS, TRAFFIC_HELP, trafficFromOptions } from "./traffic-options.js";

export const PLAN_HELP = `Usage: lbguard plan [options] BEFORE AFTER

Shows what a configuration change does, element by element: listening addresses, routing
rules and ACLs, backends, servers, timeouts and options, each marked + added, - removed or
~ changed with its file:line, a risk (low, medium, high) and the reasons for it; and, from a
traffic prediction of both configurations, each server's share and rate before and after.
BEFORE and AFTER are each a file or a directory of *.cfg files.

Options:
  --inventory FILE     servers with role and capacity_rps (a drill scenario file works too):
                       the prediction then flags servers over capacity or not web servers
  --json               print the plan as JSON
  --color, --no-color  force colours on or off (default: on for a terminal, off with NO_COLOR)
  -h, --help           show this help

${TRAFFIC_HELP}

Exit codes: 0 planned (whatever the risk; 'lbguard gate' decides), 2 usage or unreadable input.
`;

/** `lbguard plan`: returns the exit code. */
export async function planCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...PREDICTION_OPTIONS,
    },
  });
  if (values.help) {
    out(PLAN_HELP);
    return 0;
  }
  if (positionals.length !== 2)
    throw new LbguardError("LBG_USAGE", {
      detail: "plan needs two configurations, BEFORE and AFTER (each a file or a directory)",
    });
  const traffic = trafficFromOptions(values);
  const [beforePath, afterPath] = positionals as [string, string];
  const [before, after, loaded] = await Promise.all([
    loadConfig(beforePath),
    loadConfig(afterPath),
    values.inventory ? loadInventory(values.inventory) : undefined,
  ]);
  warnAboutParseErrors(beforePath, before.diagnostics, err);
  warnAboutParseErrors(afterPath, after.diagnostics, err);

  const inventory = loaded?.inventory;
  // Both sides see the same traffic, so every difference in the prediction comes from the change.
  const plan = planChange(before.model, after.model, {
    before: simulate(before.model, traffic, inventory, { failures: false }),
    after: simulate(after.model, traffic, inventory, { failures: false }),
  });
  if (values.json)
    out(
      renderPlanJson({
        version: packageVersion(),
        before: before.model.files,
        after: after.model.files,
        plan,
      }),
    );
  else out(renderPlanText({ plan, color: useColor(values) }));
  return 0;
}

/** A plan of a configuration the parser could not fully read leaves those lines out: say so. */
function warnAboutParseErrors(
  path: string,
  diagnostics: readonly Diagnostic[],
  err: (s: string) => void,
): void {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors > 0)
    err(
      `lbguard: ${path}: ${errors} line${errors === 1 ? "" : "s"} could not be read and ${errors === 1 ? "is" : "are"} left out of the plan; run 'lbguard check ${path}'\n`,
    );
}
