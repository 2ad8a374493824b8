// Benchmark: `lbguard check` against `haproxy -c` on generated configurations with 100, 1,000
// and 10,000 backends of 4 servers each. Prints wall time and peak memory of both and the ratio.
// Usage: npm run bench   (needs haproxy and GNU time: apt-get install haproxy time)
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "bench", "out");
const bin = join(root, "dist", "cli", "bin.js");
const SIZES = (process.env.BENCH_SIZES ?? "100,1000,10000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** A realistic configuration: every backend reached by a host-based route, 4 checked servers. */
function generate(backends) {
  const lines = [
    "global",
    "    maxconn 50000",
    "    stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners",
    "",
    "defaults",
    "    mode http",
    "    option forwardfor",
    "    option redispatch",
    "    timeout connect 5s",
    "    timeout client 30s",
    "    timeout server 30s",
    "",
    "frontend www",
    "    bind 127.0.0.1:18080",
  ];
  for (let b = 0; b < backends; b++)
    lines.push(`    use_backend app${b} if { hdr(host) -i app${b}.example.internal }`);
  lines.push("    default_backend app0", "");
  for (let b = 0; b < backends; b++) {
    lines.push(`backend app${b}`, "    balance roundrobin", "    option httpchk GET /health");
    for (let s = 0; s < 4; s++) {
      const n = b * 4 + s;
      lines.push(
        `    server s${s} 10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}:8080 check inter 2s weight ${10 + s}`,
      );
    }
    lines.push("");
  }
  return `${lines.join("\n")}`;
}

/** Runs a command under GNU time; returns seconds and peak resident memory in MB. */
function measure(cmd, args) {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", cmd, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (r.error) throw new Error("GNU time is missing: apt-get install time");
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [seconds, kb] = last.split(" ").map(Number);
  return { seconds, mb: kb / 1024, status: r.status };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

mkdirSync(outDir, { recursive: true });
const haproxyVersion =
  spawnSync("haproxy", ["-v"], { encoding: "utf8" }).stdout?.split("\n")[0] ?? "haproxy missing";
console.log(`node ${process.version}; ${haproxyVersion}; median of ${RUNS} runs`);
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
