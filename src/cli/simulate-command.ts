import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import { simulate } from "../simulate/simulate.js";
import { loadConfig, loadInventory } from "./load-inputs.js";
import { renderSimulationText } from "./render/simulate-text.js";
import { useColor } from "./terminal.js";
import { PREDICTION_OPTIONS, TRAFFIC_HELP, trafficFromOptions } from "./traffic-options.js";

export const SIMULATE_HELP = `Usage: lbguard simulate [options] CONFIG

Predicts how HAProxy will spread traffic: for every frontend where each kind of request goes,
and for every backend the share and rate of each server, the way HAProxy 2.6's balancing
algorithms pick them; with an inventory, each server's use of its capacity now and after any
one server fails.

Options:
  --inventory FILE     servers with role and capacity_rps (a drill scenario file works too)
  --json               print the prediction as JSON
  --all                also show backends no traffic reaches
  --color, --no-color  force colours on or off
  -h, --help           show this help

${TRAFFIC_HELP}

Exit codes: 0 predicted, 2 usage or unreadable input.
`;

/** `lbguard simulate`: returns the exit code. */
export async function simulateCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...PREDICTION_OPTIONS,
      all: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    out(SIMULATE_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new LbguardError("LBG_USAGE", {
      detail: "simulate needs exactly one configuration (file or directory)",
    });
  }
  const traffic = trafficFromOptions(values);
  const { model, diagnostics } = await loadConfig(positionals[0]!);
  for (const d of diagnostics.filter((x) => x.severity === "error")) {
    err(`lbguard: ${d.span.file}:${d.span.line}: ${d.message} (the prediction ignores that line)\n`);
  }
  const inventory = values.inventory ? (await loadInventory(values.inventory)).inventory : undefined;
  const result = simulate(model, traffic, inventory);
  if (values.json) out(`${JSON.stringify(result, null, 2)}\n`);
  else out(renderSimulationText(result, { color: useColor(values), all: values.all }));
  return 0;
}
