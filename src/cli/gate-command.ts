import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import { evaluateChange } from "../gate/evaluate-change.js";
import type { GateResult } from "../gate/gate.js";
import { formatSpan } from "../model/span.js";
import { loadConfigFiles, loadInventory } from "./load-inputs.js";
import { painter } from "./render/paint.js";
import { useColor } from "./terminal.js";
import { PREDICTION_OPTIONS, TRAFFIC_HELP, trafficFromOptions } from "./traffic-options.js";

export const GATE_HELP = `Usage: lbguard gate [options] BEFORE AFTER

The pre-apply verdict on a change: 'pass' or 'block', with the reasons. It blocks when AFTER
has an error-level check finding (lbguard's rules or 'haproxy -c'), when a server is predicted
over its inventory capacity (only a warning when BEFORE already loaded it as much), when
traffic is predicted to reach a backend with no usable server or a server whose inventory role
is not web, when requests match no backend, or when a listening address clients use is
removed, moved, disabled or switched to or from TLS. What one server's failure would do (overload
the others, or leave a backend with no server) is reported as a warning.

Options:
  --inventory FILE     servers with role and capacity_rps (a drill scenario file works too)
  --json               print the verdict as JSON
  --no-haproxy         do not run 'haproxy -c' on AFTER
  --haproxy PATH       the haproxy binary (default: haproxy on PATH, or $LBGUARD_HAPROXY)
  --color, --no-color  force colours on or off
  -h, --help           show this help

${TRAFFIC_HELP}

Exit codes: 0 pass, 1 block, 2 usage or unreadable input.
`;

/** `lbguard gate`: returns 0 for pass, 1 for block. */
export async function gateCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...PREDICTION_OPTIONS,
      "no-haproxy": { type: "boolean", default: false },
      haproxy: { type: "string" },
    },
  });
  if (values.help) {
    out(GATE_HELP);
    return 0;
  }
  if (positionals.length !== 2) {
    throw new LbguardError("LBG_USAGE", { detail: "gate needs two configurations, BEFORE and AFTER" });
  }
  const traffic = trafficFromOptions(values);
  const [beforeFiles, afterFiles, loaded] = await Promise.all([
    loadConfigFiles([positionals[0]!]),
    loadConfigFiles([positionals[1]!]),
    values.inventory ? loadInventory(values.inventory) : undefined,
  ]);
  const judged = await evaluateChange({
    before: beforeFiles,
    after: afterFiles,
    traffic,
    ...(loaded ? { inventory: loaded.inventory } : {}),
    ...(values["no-haproxy"] ? {} : { haproxy: values.haproxy ?? process.env.LBGUARD_HAPROXY ?? "haproxy" }),
  });
  if (judged.haproxy && !judged.haproxy.available) {
    err(
      "lbguard: haproxy -c not run, haproxy is not installed (apt-get install haproxy, or pass --no-haproxy)\n",
    );
  }
  const { result, plan, predictedAfter } = judged;
  if (values.json) {
    out(
      `${JSON.stringify({ ...result, risk: plan.overall, assumptions: predictedAfter.traffic.assumptions }, null, 2)}\n`,
    );
  } else {
    out(renderGateText(result, plan.overall, predictedAfter.traffic.assumptions, useColor(values)));
  }
  return result.verdict === "pass" ? 0 : 1;
}

function renderGateText(result: GateResult, risk: string, assumptions: string[], color: boolean): string {
  const paint = painter(color);
  const verdict =
    result.verdict === "pass" ? paint(["green", "bold"], "PASS") : paint(["red", "bold"], "BLOCK");
  const blocking = result.findings.filter((f) => f.severity === "error").length;
  const lines = [`gate: ${verdict}  (${blocking} blocking, plan risk ${risk})`];
  for (const f of result.findings) {
    const mark = f.severity === "error" ? paint("red", "block") : paint("yellow", "warn ");
    const where = f.span ? `${formatSpan(f.span)}  ` : "";
    lines.push(`  ${mark}  ${where}${f.message}  ${paint("dim", f.rule)}`);
  }
  if (assumptions.length > 0) lines.push("Assumed:", ...assumptions.map((a) => `  - ${a}`));
  return `${lines.join("\n")}\n`;
}
