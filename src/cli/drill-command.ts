import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import { secondsOption } from "./seconds-option.js";
import { haproxyBinary } from "../haproxy/runtime/process-helpers.js";
import { runDrill, unfinishedDrill, type DrillReport } from "../lab/drill.js";
import { readScenario } from "../lab/scenario.js";
import { painter } from "./render/paint.js";
import { useColor } from "./terminal.js";

export const DRILL_HELP = `Usage: lbguard drill run [options] SCENARIO...

Rehearses load-balancer changes against a real HAProxy on this machine. For each scenario file
(format: docs/drills.md): starts its servers on their loopback addresses and HAProxy on
'before', sends its load at a constant rate, judges 'after' with the gate (rules, haproxy -c,
predicted traffic, live probes), then applies 'after' anyway and lets the agent bake it and
roll it back by itself if live traffic breaks; the load runs to the end of the bake window.
Scenarios run one after another; everything started is stopped.

Options:
  --json               print one JSON array, one object per scenario
  --out DIR            where each drill keeps the configs, the agent's data and report.json
                       (default .lbguard/drills)
  --warmup SECONDS     override the scenarios' warm-up (default: theirs, else 5)
  --bake SECONDS       override the scenarios' bake window (default: theirs, else 20)
  --policy FILE        bake thresholds (see docs/policy.md)
  --haproxy PATH       the haproxy binary (default: haproxy on PATH, or $LBGUARD_HAPROXY)
  --color, --no-color  force colours on or off
  -h, --help           show this help

A scenario that cannot run (its addresses taken, HAProxy refusing 'before') is reported with
an 'error' field and counts as not met; the others still run.

Exit codes: 0 every scenario met its expectations, 1 otherwise, 2 an unreadable scenario.
`;

/** `lbguard drill run`. */
export async function drillCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      out: { type: "string", default: ".lbguard/drills" },
      warmup: { type: "string" },
      bake: { type: "string" },
      policy: { type: "string" },
      haproxy: { type: "string" },
      color: { type: "boolean" },
      "no-color": { type: "boolean" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    out(DRILL_HELP);
    return 0;
  }
  const [verb, ...files] = positionals;
  if (verb !== "run") throw new LbguardError("LBG_USAGE", { detail: "drill needs 'run' and scenario files" });
  if (files.length === 0)
    throw new LbguardError("LBG_USAGE", { detail: "drill run needs at least one scenario file" });
  const warmupS = secondsOption("warmup", values.warmup);
  const bakeS = secondsOption("bake", values.bake);
  // Every file is read before anything starts: a typo in the last one should not cost a run.
  const scenarios = files.map((file) => readScenario(file));
  const policy = values.policy
    ? await (await import("../agent/bake/policy.js")).readPolicy(values.policy)
    : undefined;
  const reports: DrillReport[] = [];
  for (const scenario of scenarios) {
    // One scenario that cannot run (an address taken, HAProxy refusing to start) is reported
    // as not met; the others still run.
    const report = await runDrill(scenario, {
      outDir: values.out,
      haproxy: haproxyBinary(values.haproxy),
      ...(warmupS !== undefined ? { warmupS } : {}),
      ...(bakeS !== undefined ? { bakeS } : {}),
      ...(policy ? { policy } : {}),
      onPhase: (name, phase) => err(`${name}: ${phase}\n`),
    }).catch((error: unknown) => unfinishedDrill(scenario, error, values.out));
    reports.push(report);
    if (!values.json) out(renderDrill(report, useColor(values)));
  }
  if (values.json) out(`${JSON.stringify(reports, null, 2)}\n`);
  return reports.every((r) => r.met_expectations) ? 0 : 1;
}

function renderDrill(report: DrillReport, color: boolean): string {
  const paint = painter(color);
  const f = report.forced;
  const mark = report.met_expectations ? paint(["green", "bold"], "MET") : paint(["red", "bold"], "NOT MET");
  const lines = [`${mark}  ${report.scenario}`];
  if (report.error) return `${lines[0]}\n  could not run: ${report.error}\n\n`;
  const blocking = report.gate.findings.filter((x) => x.severity === "error");
  lines.push(
    `  gate: ${report.gate.verdict}${blocking.length > 0 ? ` (${blocking.map((x) => x.rule).join(", ")})` : ""}`,
  );
  lines.push(
    f.rolled_back
      ? `  forced apply: rolled back by the agent; detected after ${f.detected_after_s} s, restored after ${f.restored_after_s} s`
      : `  forced apply: kept (${report.apply})`,
  );
  for (const breach of report.breaches) lines.push(`    ${breach}`);
  lines.push(
    `  clients: ${f.requests} requests, ${f.failed} failed, ${f.failed_after_apply} of them after the apply`,
  );
  for (const e of report.expectations) {
    lines.push(
      `  expect ${e.field}: ${String(e.expected)}, got ${String(e.actual)}${e.met ? "" : paint("red", "  ✗")}`,
    );
  }
  lines.push(`  files: ${report.dir}`);
  return `${lines.join("\n")}\n\n`;
}
