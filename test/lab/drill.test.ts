import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { AgentEvent } from "../../src/agent/event-log.js";
import type { PostmortemDocument } from "../../src/incidents/types.js";
import type { DrillReport } from "../../src/lab/drill.js";
import { readScenario } from "../../src/lab/scenario.js";
import { SHARED } from "../helpers.js";

/**
 * The acceptance contract of drills: `lbguard drill run` on every shared scenario exits 0, the
 * agent undoes each seed's change within seconds and loses few requests, and the safe change
 * is neither blocked nor rolled back and loses nothing. Runs the built CLI, as a user would.
 */
const BIN = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "lbguard-drill-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function drill(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npm run build' first (npm test does)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "drill", "run", "--out", join(work, "out"), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * The drill's postmortem blames the forced change, its timeline shows the apply, the detection
 * and the rollback within a second of the agent's recorded events, and its impact is within two
 * points of the share of client requests that failed after the apply.
 */
function expectPostmortemOf(report: DrillReport): void {
  const incident = report.incident!;
  const doc = JSON.parse(readFileSync(incident.postmortem_json, "utf8")) as PostmortemDocument;
  const markdown = readFileSync(incident.postmortem, "utf8");
  for (const heading of ["Issue Summary", "Timeline", "Root Cause and Resolution", "Tasks"]) {
    expect(markdown).toContain(`## ${heading}`);
  }
  expect(doc.rootCause?.suspect).toMatchObject({
    kind: "version",
    ref: `apply:${incident.id}`,
    actor: "drill",
  });
  expect(doc.rootCause?.forced).toBe(true);
  const recorded = readFileSync(join(report.dir, "agent", "events.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as AgentEvent)
    .filter((e) => e.apply === incident.id);
  for (const [type, kind] of [
    ["apply.reloaded", "apply"],
    ["apply.breach", "detection"],
    ["apply.rolled-back", "rollback"],
  ] as const) {
    const event = recorded.find((e) => e.type === type);
    expect(event, `${report.scenario}: ${type} recorded`).toBeDefined();
    const entry = doc.timeline.find((t) => t.source.type === type);
    expect(entry?.kind, `${report.scenario}: ${type} in the timeline`).toBe(kind);
    expect(Math.abs(Date.parse(entry!.at) - Date.parse(event!.at))).toBeLessThanOrEqual(1000);
  }
  const clientPct = (100 * report.forced.failed_after_apply) / report.forced.requests_after_apply;
  expect(Math.abs(doc.impact.failedPct - clientPct), `${report.scenario}: impact`).toBeLessThanOrEqual(2);
}

describe("lbguard drill run", () => {
  it("meets every shared scenario's expectations, restores seeds within seconds, and loses nothing on a safe change", async () => {
    const dir = join(SHARED, "scenarios");
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => join(dir, f));
    const run = await drill(["--json", ...files]);
    const reports = JSON.parse(run.stdout) as DrillReport[];
    expect(reports.map((r) => r.scenario)).toEqual(files.map((f) => readScenario(f).name));
    for (const report of reports) {
      expect(report.met_expectations, `${report.scenario}: ${JSON.stringify(report.expectations)}`).toBe(
        true,
      );
    }
    expect(run.code).toBe(0);

    const rolledBack = files
      .map((file, i) => ({ scenario: readScenario(file), report: reports[i]! }))
      .filter(({ scenario }) => scenario.expect.forcedRollback === true);
    expect(rolledBack.length).toBeGreaterThan(0);
    for (const { scenario, report } of rolledBack) {
      expect(report.forced.rolled_back).toBe(true);
      expect(report.forced.detected_after_s).toBeGreaterThan(0);
      expect(report.forced.restored_after_s).toBeGreaterThanOrEqual(report.forced.detected_after_s!);
      // At most three seconds' worth of the scenario's load fails after the apply.
      expect(report.forced.failed_after_apply).toBeLessThanOrEqual(3 * scenario.load.rps);
      expect(report.incident?.id).toMatch(/^apply-/);
      expectPostmortemOf(report);
    }
    expect(median(rolledBack.map(({ report }) => report.forced.restored_after_s!))).toBeLessThanOrEqual(3);

    const kept = files
      .map((file, i) => ({ scenario: readScenario(file), report: reports[i]! }))
      .filter(({ scenario }) => scenario.expect.forcedRollback === false);
    for (const { report } of kept) {
      expect(report.gate.verdict).toBe("pass");
      expect(report.forced).toMatchObject({ rolled_back: false, detected_after_s: null, failed: 0 });
      expect(report.forced.requests).toBeGreaterThan(0);
      expect(report.incident).toBeNull();
    }
  }, 600_000);

  it("runs a scenario of its own with other names, addresses, ports and timings", async () => {
    // Every server disabled by a change: nothing in the code knows these names or addresses.
    const servers = `servers:
  - { name: alpha, role: web, address: 127.0.36.1:18391 }
  - { name: beta, role: web, address: 127.0.36.2:18391, latency_ms: 3 }
load:
  target: http://127.0.36.10:18390
  rps: 80
  paths: { "/shop": 1 }
timing: { warmup_s: 2, bake_s: 4 }
`;
    const config = (flag: string) => `|
  defaults
      mode http
      timeout connect 1s
      timeout client 5s
      timeout server 5s
  listen shop
      bind 127.0.36.10:18390
      server alpha 127.0.36.1:18391${flag}
      server beta 127.0.36.2:18391${flag}
`;
    const file = join(work, "own.yaml");
    writeFileSync(
      file,
      `name: all-disabled\n${servers}before: ${config("")}after: ${config(" disabled")}expect:\n  gate: block\n  forced_rollback: true\n`,
    );
    const run = await drill(["--json", file]);
    expect(run.code, run.stderr).toBe(0);
    const [report] = JSON.parse(run.stdout) as DrillReport[];
    expect(report).toMatchObject({
      scenario: "all-disabled",
      met_expectations: true,
      gate: { verdict: "block" },
    });
    expect(report!.forced.rolled_back).toBe(true);
    expect(report!.forced.restored_after_s).toBeLessThan(3);
    // Two seconds of warm-up and a four-second bake window at 80 req/s: about 6.5 s of load.
    expect(report!.forced.requests).toBeGreaterThan(400);
    expect(report!.forced.requests).toBeLessThan(700);
  }, 60_000);

  it("reports a scenario whose lab cannot start as not met, with the reason, and still runs the next", async () => {
    // HAProxy refuses 'before' (an unknown keyword), so nothing can be measured for it.
    const scenario = (name: string, before: string) => `name: ${name}
servers:
  - { name: alpha, role: web, address: 127.0.36.1:18391 }
load: { target: "http://127.0.36.10:18390", rps: 20 }
timing: { warmup_s: 1, bake_s: 1 }
before: |
  defaults
      mode http
      timeout connect 1s
      timeout client 5s
      timeout server 5s
  listen shop
      bind 127.0.36.10:18390
${before}      server alpha 127.0.36.1:18391
after: |
  defaults
      mode http
  listen shop
      bind 127.0.36.10:18390
      server alpha 127.0.36.1:18391
`;
    const broken = join(work, "refused.yaml");
    const fine = join(work, "fine.yaml");
    writeFileSync(broken, scenario("refused", "      frobnicate yes\n"));
    writeFileSync(fine, scenario("fine", ""));
    const run = await drill(["--json", broken, fine]);
    expect(run.code).toBe(1);
    const [refused, ok] = JSON.parse(run.stdout) as DrillReport[];
    expect(refused).toMatchObject({
      scenario: "refused",
      met_expectations: false,
      gate: { verdict: "not-run" },
    });
    expect(refused!.error).toContain("frobnicate");
    expect(ok).toMatchObject({ scenario: "fine", met_expectations: true });
    expect(ok!.forced.requests).toBeGreaterThan(0);
  }, 60_000);

  it("exits 2 naming the file and line when a scenario is unreadable, before starting anything", async () => {
    const file = join(work, "broken.yaml");
    writeFileSync(
      file,
      "name: broken\nservers:\n  - { name: a, role: web, address: 127.0.36.1:18391 }\n" +
        "load: { target: http://127.0.36.10:18390, rps: 5 }\nbefore: |\n  defaults\nafter: |\n  defaults\n" +
        "expect: { gate: maybe }\n",
    );
    const run = await drill([file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:9:`);
    expect(run.stdout).toBe("");
  }, 30_000);
});
