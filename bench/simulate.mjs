// Benchmark: the simulator playing 1,000,000 requests through one backend of 100 servers, for
// each balancing algorithm, in process (the simulator alone) and through the CLI (start-up,
// parsing and rendering included). Target: under 1 s per million requests.
// Usage: npm run build && node bench/simulate.mjs   (BENCH_REQUESTS, BENCH_RUNS to change)
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const outDir = join(root, "bench", "out");
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ALGORITHMS = [
  "roundrobin",
  "static-rr",
  "leastconn",
  "first",
  "random",
  "source",
  "uri",
  "uri consistent",
];

const { parseConfig } = await import(join(dist, "haproxy", "parse", "index.js"));
const { simulate } = await import(join(dist, "simulate", "simulate.js"));

/** One frontend, one backend of 100 servers with weights 1..10, checked. */
function generate(algorithm) {
  const [balance, hashType] = algorithm.split(" ");
  const lines = [
    "defaults",
    "    mode http",
    "",
    "frontend www",
    "    bind 127.0.0.1:18080",
    "    default_backend app",
    "",
  ];
  lines.push("backend app", `    balance ${balance}`);
  if (hashType) lines.push(`    hash-type ${hashType}`);
  for (let s = 0; s < 100; s++)
    lines.push(`    server s${s} 10.0.${s >> 8}.${s & 255}:8080 check weight ${1 + (s % 10)}`);
  return `${lines.join("\n")}\n`;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const paths = Array.from({ length: 50 }, (_, i) => `/p${i}:${1 + (i % 5)}`).join(",");
mkdirSync(outDir, { recursive: true });
console.log(
  `node ${process.version}; ${REQUESTS.toLocaleString("en")} requests over 100 servers; median of ${RUNS} runs`,
);
console.log("algorithm        in-process s  req/s (millions)  CLI s   vs 1 s target");
for (const algorithm of ALGORITHMS) {
  const text = generate(algorithm);
  const file = join(outDir, `simulate-${algorithm.replace(" ", "-")}.cfg`);
  writeFileSync(file, text);
  const { model } = parseConfig([{ path: file, text }], { env: {} });
  const requests = paths.split(",").map((p) => {
    const [path, weight] = p.split(":");
    return { method: "GET", path, weight: Number(weight) };
  });
  const inProcess = [];
  const cli = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    simulate(model, { rps: 1000, samples: REQUESTS, requests }, undefined, { failures: false });
    inProcess.push((performance.now() - start) / 1000);
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [
        join(dist, "cli", "bin.js"),
        "simulate",
        "--json",
        "--samples",
        String(REQUESTS),
        "--paths",
        paths,
        file,
      ],
      {
        encoding: "utf8",
        maxBuffer: 1 << 28,
      },
    );
    if (r.status !== 0) throw new Error(`lbguard simulate failed: ${r.stderr}`);
    cli.push((performance.now() - t0) / 1000);
  }
  const s = median(inProcess);
  const c = median(cli);
  console.log(
    `${algorithm.padEnd(16)} ${s.toFixed(3).padStart(12)}  ${(REQUESTS / s / 1e6).toFixed(2).padStart(16)}  ${c.toFixed(2).padStart(5)}   ${(c / 1).toFixed(2)}x`,
  );
}
