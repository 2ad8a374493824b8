// Shared by the benchmarks: the generated configuration, timing under GNU time, medians.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const outDir = join(root, "bench", "out");
export const bin = join(root, "dist", "cli", "bin.js");

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
export function generate(backends, changed) {
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

/** Runs a command under GNU time; returns seconds, peak resident memory in MB and the exit status. */
export function measure(cmd, args) {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", cmd, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  if (r.error) throw new Error("GNU time is missing: apt-get install time");
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const [seconds, kb] = last.split(" ").map(Number);
  return { seconds, mb: kb / 1024, status: r.status, stdout: r.stdout };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The first line of `haproxy -v`, or a note that it is missing. */
export function haproxyVersion() {
  return spawnSync("haproxy", ["-v"], { encoding: "utf8" }).stdout?.split("\n")[0] ?? "haproxy missing";
}
