// Benchmark: `lbguard check` against `haproxy -c` on generated configurations with 100, 1,000
// and 10,000 backends of 4 servers each. Prints wall time and peak memory of both and the ratio.
// Usage: npm run bench   (needs haproxy and GNU time: apt-get install haproxy time)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bin, generate, haproxyVersion, measure, median, outDir } from "./lib.mjs";

const SIZES = (process.env.BENCH_SIZES ?? "100,1000,10000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

mkdirSync(outDir, { recursive: true });
console.log(`node ${process.version}; ${haproxyVersion()}; median of ${RUNS} runs`);
console.log("backends  lines   lbguard s  lbguard MB  haproxy -c s  haproxy MB  time ratio  memory ratio");
for (const size of SIZES) {
  const file = join(outDir, `bench-${size}.cfg`);
  const text = generate(size);
  writeFileSync(file, `${text}\n`);
  const ours = [];
  const theirs = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(measure(process.execPath, [bin, "check", "--no-haproxy", "--format", "json", file]));
    theirs.push(measure("haproxy", ["-c", "-f", file]));
  }
  const o = { s: median(ours.map((r) => r.seconds)), mb: median(ours.map((r) => r.mb)) };
  const h = { s: median(theirs.map((r) => r.seconds)), mb: median(theirs.map((r) => r.mb)) };
  console.log(
    [
      String(size).padStart(8),
      String(text.split("\n").length).padStart(6),
      o.s.toFixed(2).padStart(10),
      o.mb.toFixed(0).padStart(11),
      h.s.toFixed(2).padStart(13),
      h.mb.toFixed(0).padStart(11),
      `${(o.s / h.s).toFixed(2)}x`.padStart(11),
      `${(o.mb / h.mb).toFixed(2)}x`.padStart(13),
    ].join(" "),
  );
}
