// Runs every drill scenario (../shared/scenarios by default, or the files given) through the
// built CLI and prints, per scenario, what the agent did: gate verdict, whether it rolled the
// forced change back, seconds to detect and to restore, the client requests that failed, and
// the share of requests failed after the apply as the clients saw it beside the impact the
// drafted postmortem measured from HAProxy's stats.
// BENCH_RUNS repeats the whole set and reports medians; BENCH_BAKE_S / BENCH_WARMUP_S override
// the scenarios' timing. Figures are comparable between versions of lbguard on one machine.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bin, haproxyVersion, median, root } from "./lib.mjs";

const shared = process.env.LBGUARD_SHARED ?? join(root, "..", "shared");
const files =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(join(shared, "scenarios"))
        .filter((f) => f.endsWith(".yaml"))
        .sort()
        .map((f) => join(shared, "scenarios", f));
const runs = Number(process.env.BENCH_RUNS ?? 1);
const out = mkdtempSync(join(tmpdir(), "lbguard-bench-drills-"));
const timing = [
  ...(process.env.BENCH_BAKE_S ? ["--bake", process.env.BENCH_BAKE_S] : []),
  ...(process.env.BENCH_WARMUP_S ? ["--warmup", process.env.BENCH_WARMUP_S] : []),
];

const results = new Map();
try {
  for (let run = 0; run < runs; run++) {
    const child = spawnSync(
      process.execPath,
      [bin, "drill", "run", "--json", "--out", out, ...timing, ...files],
      {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (child.status === 2 || !child.stdout.trim().startsWith("[")) {
      process.stderr.write(child.stderr);
      process.exit(2);
    }
    for (const report of JSON.parse(child.stdout)) {
      // Read before the output folder goes.
      report.impactPct = report.incident
        ? JSON.parse(readFileSync(report.incident.postmortem_json, "utf8")).impact.failedPct
        : null;
      const list = results.get(report.scenario) ?? [];
      list.push(report);
      results.set(report.scenario, list);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

const fmt = (v) => (v === null || v === undefined ? "-" : typeof v === "number" ? String(v) : v);
const med = (values) => {
  const known = values.filter((v) => typeof v === "number");
  return known.length > 0 ? Math.round(median(known) * 1000) / 1000 : null;
};
console.log(`drills: ${files.length} scenarios x ${runs} run(s), ${haproxyVersion()}`);
const header = [
  "scenario",
  "gate",
  "rolled back",
  "detected s",
  "restored s",
  "requests",
  "failed",
  "failed after apply",
  "client failed %",
  "postmortem impact %",
  "met",
];
const clientPct = (r) =>
  r.forced.requests_after_apply > 0
    ? (100 * r.forced.failed_after_apply) / r.forced.requests_after_apply
    : null;
const rows = [...results].map(([name, reports]) => [
  name,
  reports.map((r) => r.gate.verdict).join("/"),
  reports.map((r) => (r.forced.rolled_back ? "yes" : "no")).join("/"),
  fmt(med(reports.map((r) => r.forced.detected_after_s))),
  fmt(med(reports.map((r) => r.forced.restored_after_s))),
  fmt(med(reports.map((r) => r.forced.requests))),
  fmt(med(reports.map((r) => r.forced.failed))),
  fmt(med(reports.map((r) => r.forced.failed_after_apply))),
  fmt(med(reports.map(clientPct))),
  fmt(med(reports.map((r) => r.impactPct))),
  reports.every((r) => r.met_expectations) ? "yes" : "NO",
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
for (const row of [header, ...rows]) console.log(row.map((c, i) => String(c).padEnd(widths[i])).join("  "));
const restored = [...results.values()]
  .flat()
  .map((r) => r.forced.restored_after_s)
  .filter((v) => v !== null);
if (restored.length > 0)
  console.log(`median restored_after_s over rolled-back drills: ${med(restored)} s (goal: at most 3 s)`);
