// Benchmark: `lbguard plan BEFORE AFTER --json` on two generated configurations of 10,000
// backends (4 servers each; AFTER changes a few hundred weights and addresses and adds and
// removes some backends), against `haproxy -c` on AFTER. Prints wall time and peak memory of
// both and the ratio, like bench/check-scale.mjs.
// Usage: npm run build && node bench/plan.mjs   (needs haproxy and GNU time: apt-get install haproxy time)
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outDir = join(root, "bench", "out");
const bin = join(root, "dist", "cli", "bin.js");
const SIZES = (process.env.BENCH_SIZES ?? "10000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

/** Server address number `n` as 10.x.y.z. */
function address(n) {
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/**
 * The configuration of bench/check-scale.mjs (every backend reached by a host-based route, 4
 * checked servers), and with `changed`: every 37th backend gets a new weight on one server,
 * every 53rd a server moved to another address, every 101st is removed (with its route) and
 * backends are added past the end, one per 100.
 */
function generate(backends, changed) {
  const kept = (b) => !changed || b % 101 !== 50;
  const total = changed ? backends + Math.floor(backends / 100) : backends;
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
  for (let b = 0; b < total; b++)
    if (kept(b)) lines.push(`    use_backend app${b} if { hdr(host) -i app${b}.example.internal }`);
  lines.push("    default_backend app0", "");
  for (let b = 0; b < total; b++) {
    if (!kept(b)) continue;
    lines.push(`backend app${b}`, "    balance roundrobin", "    option httpchk GET /health");
    for (let s = 0; s < 4; s++) {
      const n = b * 4 + s;
      let weight = 10 + s;
      let host = address(n);
      if (changed && s === 0 && b % 37 === 0) weight = 40;
      if (changed && s === 1 && b % 53 === 0) host = address(n + (1 << 20));
      lines.push(`    server s${s} ${host}:8080 check inter 2s weight ${weight}`);
    }
    lines.push("");
  }
  return lines.join("\n");
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
  return { seconds, mb: kb / 1024, status: r.status, stdout: r.stdout };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

mkdirSync(outDir, { recursive: true });
const haproxyVersion =
  spawnSync("haproxy", ["-v"], { encoding: "utf8" }).stdout?.split("\n")[0] ?? "haproxy missing";
console.log(`node ${process.version}; ${haproxyVersion}; median of ${RUNS} runs`);
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
