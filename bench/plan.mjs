// Benchmark: `lbguard plan BEFORE AFTER --json` on two generated configurations of 10,000
// backends (4 servers each; AFTER changes a few hundred weights and addresses and adds and
// removes some backends), against `haproxy -c` on AFTER. Prints wall time and peak memory of
// both and the ratio, like bench/check-scale.mjs.
// Usage: npm run build && node bench/plan.mjs   (needs haproxy and GNU time: apt-get install haproxy time)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, generate, haproxyVersion, measure, median, outDir } from "./lib.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "10000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

mkdirSync(outDir, { recursive: true });
console.log(`node ${process.version}; ${haproxyVersion()}; median of ${RUNS} runs`);
console.log("backends  lines   changes  plan s  plan MB  haproxy -c s  haproxy MB  time ratio  memory ratio");
for (const size of SIZES) {
  const before = join(outDir, `plan-before-${size}.cfg`);
  const after = join(outDir, `plan-after-${size}.cfg`);
  const afterText = generate(size, true);
  writeFileSync(before, `${generate(size, false)}\n`);
  writeFileSync(after, `${afterText}\n`);
  const ours = [];
  const theirs = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(measure(process.execPath, [bin, "plan", before, after, "--json"]));
    theirs.push(measure("haproxy", ["-c", "-f", after]));
  }
  const first = ours[0];
  if (first.status !== 0) throw new Error(`plan exited with ${first.status}`);
  const changes = JSON.parse(first.stdout).changes.length;
  const o = { s: median(ours.map((r) => r.seconds)), mb: median(ours.map((r) => r.mb)) };
  const h = { s: median(theirs.map((r) => r.seconds)), mb: median(theirs.map((r) => r.mb)) };
  console.log(
    [
      String(size).padStart(8),
      String(afterText.split("\n").length).padStart(6),
      String(changes).padStart(8),
      o.s.toFixed(2).padStart(7),
      o.mb.toFixed(0).padStart(8),
      h.s.toFixed(2).padStart(13),
      h.mb.toFixed(0).padStart(11),
      `${(o.s / h.s).toFixed(2)}x`.padStart(11),
      `${(o.mb / h.mb).toFixed(2)}x`.padStart(13),
    ].join(" "),
  );
}
