import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { openAgentContext } from "../agent/agent-context.js";
import { applyConfig, type ApplyOutcome } from "../agent/apply.js";
import { DEFAULT_POLICY, type BakePolicy } from "../agent/bake/policy.js";
import { connectNode } from "../agent/haproxy-node.js";
import { preflight } from "../agent/preflight.js";
import { evaluateChange } from "../gate/evaluate-change.js";
import { sampleBeforeReload, StatsRecorder } from "../monitor/stats-recorder.js";
import type { MetricSample } from "../monitor/types.js";
import type { Plan } from "../plan/types.js";
import { draftDrillIncident, DRILL_NODE } from "./drill-incident.js";
import { addGlobalLines } from "../haproxy/runtime/process-helpers.js";
import type { TrafficInput } from "../simulate/types.js";
import { startLab } from "./lab.js";
import { runLoad } from "./load-generator.js";
import { summarizeLoad } from "./load-summary.js";
import type { Scenario } from "./scenario.js";

/** One scenario's result, in the JSON shape the scenarios README specifies (plus detail). */
export interface DrillReport {
  scenario: string;
  gate: {
    /** `not-run` only when the drill could not get that far. */
    verdict: "pass" | "block" | "not-run";
    findings: { rule: string; severity: "error" | "warning"; message: string }[];
  };
  forced: {
    rolled_back: boolean;
    detected_after_s: number | null;
    restored_after_s: number | null;
    requests: number;
    failed: number;
    /** Requests sent after the forced apply, and how many of them failed. */
    requests_after_apply: number;
    failed_after_apply: number;
  };
  /**
   * Null when the change was kept; otherwise the apply that went wrong, the drafted postmortem
   * (Markdown; its JSON document beside it) and the events it was drafted from.
   */
  incident: { id: string; postmortem: string; postmortem_json: string; events: string } | null;
  met_expectations: boolean;
  /** Each expectation the file states, with what happened. */
  expectations: { field: string; expected: unknown; actual: unknown; met: boolean }[];
  /** The agent's reasons for rolling back. */
  breaches: string[];
  /** How the forced apply ended (`promoted`, `rolled-back`, `failed`…). */
  apply: ApplyOutcome["status"];
  /** Client-side outcomes after the forced apply, by status code or error. */
  after_apply_by_status: Record<string, number>;
  /** The drill's working directory: the configs, the agent's data, the report. */
  dir: string;
  /** Why the drill could not run to the end (the lab did not start…); absent when it did. */
  error?: string;
}

/**
 * The report of a drill that could not run to the end: nothing was measured, so nothing is
 * claimed and no expectation counts as met.
 */
export function unfinishedDrill(scenario: Scenario, error: unknown, outDir: string): DrillReport {
  return {
    scenario: scenario.name,
    gate: { verdict: "not-run", findings: [] },
    forced: {
      rolled_back: false,
      detected_after_s: null,
      restored_after_s: null,
      requests: 0,
      failed: 0,
      requests_after_apply: 0,
      failed_after_apply: 0,
    },
    incident: null,
    met_expectations: false,
    expectations: [],
    breaches: [],
    apply: "failed",
    after_apply_by_status: {},
    dir: outDir,
    error: error instanceof Error ? error.message : String(error),
  };
}

/** How to run drills. */
export interface DrillOptions {
  /** Where each drill keeps its files (one sub-directory per scenario run). */
  outDir: string;
  haproxy: string;
  /** Overrides of the scenario's timing. */
  warmupS?: number;
  bakeS?: number;
  policy?: BakePolicy;
  /** Told about each phase, for a progress line. */
  onPhase?: (scenario: string, phase: string) => void;
}

/**
 * Runs one drill as the scenarios README describes: starts the scenario's servers and HAProxy
 * on `before`, runs the open-loop load, lets it warm up, judges `after` with the gate (rules,
 * `haproxy -c`, prediction with the scenario's load, and live probes against the lab), then
 * applies `after` with the gate bypassed and lets the agent bake it and decide, keeps the load
 * until the end of the bake window, stops everything it started and reports.
 */
export async function runDrill(scenario: Scenario, options: DrillOptions): Promise<DrillReport> {
  const phase = (name: string): void => options.onPhase?.(scenario.name, name);
  const dir = join(options.outDir, `${scenario.name}-${new Date().toISOString().replace(/[-:.]/g, "")}`);
  mkdirSync(dir, { recursive: true });
  const warmupS = options.warmupS ?? scenario.timing.warmupS;
  const bakeS = options.bakeS ?? scenario.timing.bakeS;
  phase("starting the lab");
  // The lab's sockets go to a short temporary directory: a Unix socket path has at most about
  // a hundred bytes (HAProxy refuses longer ones), which an --out path can exceed.
  const lab = await startLab({ servers: scenario.servers, config: scenario.before });
  const stopLoad = new AbortController();
  let recorder: StatsRecorder | undefined;
  try {
    const dataDir = join(dir, "agent");
    const ctx = openAgentContext(dataDir, { ...(options.policy ?? DEFAULT_POLICY), bakeS });
    const lbNode = connectNode({
      configPath: lab.configPath,
      masterSocket: lab.masterSocket,
      adminSocket: lab.adminSocket,
      haproxy: options.haproxy,
    });
    // Stats every second, as a managed agent streams them, and one right before each reload so
    // the old worker's last counts are kept: the postmortem's impact is measured from them.
    const samples: MetricSample[] = [];
    recorder = new StatsRecorder({ node: lbNode, name: DRILL_NODE, sink: (s) => void samples.push(s) });
    recorder.start();
    const node = sampleBeforeReload(lbNode, recorder);
    const traffic: TrafficInput = {
      rps: scenario.load.rps,
      requests: scenario.load.paths.map((p) => ({ method: "GET", path: p.path, weight: p.weight })),
    };
    // Long enough for warm-up, the apply and the bake; stopped as soon as the bake window ends.
    // One connection per request: a drill measures what the change does to clients. With
    // keep-alive, a request racing the old worker's close of its idle connection at a reload
    // can be reset whatever the change (bench/reload.mjs measures that separately).
    const loadRun = runLoad({
      keepAlive: false,
      url: scenario.load.target.href,
      rps: scenario.load.rps,
      durationS: warmupS + bakeS + 60,
      paths: scenario.load.paths,
      signal: stopLoad.signal,
    });
    phase("warming up");
    const gateRun = judgeAfter(scenario, traffic, options.haproxy, dir);
    await sleep(warmupS * 1000);
    const gate = await gateRun;

    phase("applying the change, gate bypassed");
    const outcome = await applyConfig(node, ctx, {
      text: addGlobalLines(scenario.after, lab.addedGlobalLines),
      source: `${scenario.path} (after)`,
      actor: "drill",
      force: true,
      bakeS,
      traffic,
      haproxy: options.haproxy,
    });
    const appliedAt = outcome.times.appliedAt ?? outcome.times.startedAt;
    const bakeEnd = appliedAt + bakeS * 1000;
    if (Date.now() < bakeEnd) {
      phase(
        outcome.status === "rolled-back" ? "rolled back; load runs to the end of the bake window" : "baking",
      );
      await sleep(bakeEnd - Date.now());
    }
    stopLoad.abort();
    const records = (await loadRun).records;
    await recorder.flush();
    await recorder.stop();
    writeFileSync(join(dir, "stats.jsonl"), samples.map((s) => `${JSON.stringify(s)}\n`).join(""));
    const whole = summarizeLoad(records);
    const afterApply = summarizeLoad(records, { from: appliedAt });
    const rolledBack = outcome.status === "rolled-back";
    const wentWrong = outcome.status !== "promoted" && outcome.status !== "unchanged";
    const seconds = (at: number | undefined): number | null =>
      rolledBack && at !== undefined ? Math.round(at - appliedAt) / 1000 : null;
    const expectations = [
      ...(scenario.expect.gate !== undefined
        ? [{ field: "gate", expected: scenario.expect.gate, actual: gate.verdict }]
        : []),
      ...(scenario.expect.forcedRollback !== undefined
        ? [{ field: "forced_rollback", expected: scenario.expect.forcedRollback, actual: rolledBack }]
        : []),
    ].map((e) => ({ ...e, met: e.expected === e.actual }));
    const report: DrillReport = {
      scenario: scenario.name,
      gate: { verdict: gate.verdict, findings: gate.findings },
      forced: {
        rolled_back: rolledBack,
        detected_after_s: seconds(outcome.times.decidedAt),
        restored_after_s: seconds(outcome.times.restoredAt),
        requests: whole.requests,
        failed: whole.failed,
        requests_after_apply: afterApply.requests,
        failed_after_apply: afterApply.failed,
      },
      incident: wentWrong
        ? writeIncident(dir, {
            scenario: scenario.name,
            apply: outcome.apply,
            events: ctx.events.read(),
            samples,
            appliedAt,
            endedAt: Math.max(bakeEnd, Date.now()),
            before: scenario.before,
            after: scenario.after,
            findings: gate.findings,
            ...(gate.plan ? { plan: gate.plan } : {}),
            status: outcome.status,
            now: Date.now(),
          })
        : null,
      met_expectations: expectations.every((e) => e.met),
      expectations,
      breaches: (outcome.breaches ?? []).map((b) => b.message),
      apply: outcome.status,
      after_apply_by_status: afterApply.byStatus,
      dir,
    };
    writeFileSync(join(dir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    stopLoad.abort();
    await recorder?.stop();
    phase("stopping the lab");
    await lab.stop();
  }
}

/** The gate's verdict on `after`, with live probes against the running lab. */
async function judgeAfter(
  scenario: Scenario,
  traffic: TrafficInput,
  haproxy: string,
  dir: string,
): Promise<DrillReport["gate"] & { plan?: Plan }> {
  // Real files, because `haproxy -c` reads files; findings name them.
  const before = { path: join(dir, "before.cfg"), text: scenario.before };
  const after = { path: join(dir, "after.cfg"), text: scenario.after };
  for (const file of [before, after]) writeFileSync(file.path, file.text);
  const judged = await evaluateChange({
    before: [before],
    after: [after],
    inventory: { file: scenario.path, servers: scenario.servers },
    traffic,
    haproxy,
  });
  const probes = await preflight(judged.afterModel, judged.beforeModel);
  const findings = [
    ...judged.result.findings.flatMap((f) =>
      f.severity === "info" ? [] : [{ rule: f.rule, severity: f.severity, message: f.message }],
    ),
    ...probes.map((p) => ({ rule: `probe/${p.probe}`, severity: p.severity, message: p.message })),
  ];
  const blocked = judged.result.verdict === "block" || probes.some((p) => p.severity === "error");
  return { verdict: blocked ? "block" : "pass", findings, plan: judged.plan };
}

/** Drafts the incident's postmortem and writes it beside the report, with its events. */
function writeIncident(
  dir: string,
  input: Parameters<typeof draftDrillIncident>[0],
): DrillReport["incident"] {
  const incident = draftDrillIncident(input);
  const files = {
    postmortem: join(dir, "postmortem.md"),
    postmortem_json: join(dir, "postmortem.json"),
    events: join(dir, "incident-events.jsonl"),
  };
  writeFileSync(files.postmortem, incident.markdown);
  writeFileSync(files.postmortem_json, `${JSON.stringify(incident.document, null, 2)}\n`);
  writeFileSync(files.events, incident.events.map((e) => `${JSON.stringify(e)}\n`).join(""));
  return { id: input.apply, ...files };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
