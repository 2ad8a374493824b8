// Benchmark: hitless reloads under load. Three emulated web servers (127.0.35.1-3:18380) behind a
// master-worker HAProxy on 127.0.35.10:18389 take a constant-rate load of keep-alive clients
// while the master is reloaded BENCH_RELOADS times, evenly spread, each reload confirmed through
// the master CLI's `show proc` and each changing something (a server weight flips between two
// config texts, written atomically). It prints the requests that failed (goal: 0), by kind, near
// a reload or elsewhere, latency percentiles and reload confirm times. A second pass without
// `option idle-close-on-response` (skip with BENCH_COMPARE=0) puts the option's benefit in
// figures: without it an old worker closes idle keep-alive connections at once when it stops,
// and a request the client sends on one of them at that moment is lost.
// Usage: npm run bench:reload   (needs haproxy; knobs: BENCH_RPS, BENCH_DURATION_S, BENCH_RELOADS, BENCH_COMPARE)
/* global AbortController */
import { spawnSync } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { MasterCli } from "../dist/haproxy/runtime/master-cli.js";
import { startMasterWorker } from "../dist/haproxy/runtime/master-process.js";
import { startEmulatedServer } from "../dist/lab/emulated-server.js";
import { runLoad } from "../dist/lab/load-generator.js";
import { isFailure, summarizeLoad } from "../dist/lab/load-summary.js";
import { haproxyVersion, median } from "./lib.mjs";

const RPS = Number(process.env.BENCH_RPS ?? 500);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 120);
const RELOADS = Number(process.env.BENCH_RELOADS ?? 50);
const COMPARE = (process.env.BENCH_COMPARE ?? "1") !== "0";

const SERVERS = [1, 2, 3].map((n) => ({ name: `s${n}`, host: `127.0.35.${n}`, port: 18380 }));
const FRONT = { host: "127.0.35.10", port: 18389 };
const CLIENT_ADDRESS = "127.0.35.20";
// A failure this close to a reload (from its start to its confirmation) counts as near it.
const NEAR_MS = 1000;

// The load generator's own clock (wall time, sub-millisecond), so reload times compare with `sentAt`.
const clock = () => performance.timeOrigin + performance.now();

/** The config of one pass; `flip` alternates s1's weight so that every reload changes something. */
function config(idleClose, flip) {
  return [
    "global",
    "    maxconn 4096",
    "",
    "defaults",
    "    mode http",
    "    option http-keep-alive",
    ...(idleClose ? ["    option idle-close-on-response"] : []),
    "    timeout connect 2s",
    "    timeout client 30s",
    "    timeout server 30s",
    "    timeout http-request 10s",
    "    timeout http-keep-alive 10s",
    "",
    "frontend www",
    `    bind ${FRONT.host}:${FRONT.port}`,
    "    default_backend app",
    "",
    "backend app",
    "    balance roundrobin",
    "    option httpchk GET /health",
    ...SERVERS.map(
      (s, i) => `    server ${s.name} ${s.host}:${s.port} check inter 1s weight ${i === 0 && flip ? 20 : 10}`,
    ),
    "",
  ].join("\n");
}

/** Replaces the file in one step, so a reload never reads half a config. */
function writeAtomically(path, text) {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** One load run with reloads through it; returns the figures of the pass. */
async function pass(dir, idleClose, started) {
  const configPath = join(dir, idleClose ? "idle-close.cfg" : "plain.cfg");
  for (const flip of [false, true]) {
    writeAtomically(configPath, config(idleClose, flip));
    const check = spawnSync("haproxy", ["-c", "-q", "-f", configPath], { encoding: "utf8" });
    if (check.status !== 0) throw new Error(`haproxy -c rejects ${configPath}:\n${check.stderr}`);
  }
  writeAtomically(configPath, config(idleClose, false));
  const haproxy = await startMasterWorker({ configPath, masterSocket: join(dir, "master.sock") });
  started.add(haproxy);
  // Stops the sending should anything below throw, so that no load outlives the pass.
  const abort = new AbortController();
  try {
    const cli = new MasterCli(haproxy.masterSocket);
    const reloads = [];
    const reloadErrors = [];
    let maxOldWorkers = 0;
    const load = runLoad({
      url: `http://${FRONT.host}:${FRONT.port}/`,
      rps: RPS,
      durationS: DURATION_S,
      keepAlive: true,
      localAddress: CLIENT_ADDRESS,
      clock,
      signal: abort.signal,
    });
    const loadStart = clock();
    for (let i = 0; i < RELOADS; i++) {
      const due = loadStart + ((i + 1) * DURATION_S * 1000) / (RELOADS + 1);
      await sleep(Math.max(0, due - clock()));
      writeAtomically(configPath, config(idleClose, i % 2 === 0));
      const start = clock();
      try {
        const result = await cli.reload();
        reloads.push({ start, end: clock(), tookMs: result.tookMs });
        const table = await cli.showProc().catch(() => undefined);
        maxOldWorkers = Math.max(maxOldWorkers, table?.oldWorkers.length ?? 0);
      } catch (error) {
        reloads.push({ start, end: clock() });
        reloadErrors.push(error instanceof Error ? error.message : String(error));
      }
    }
    const result = await load;
    const finalOldWorkers = (await cli.showProc().catch(() => undefined))?.oldWorkers.length ?? "?";

    const summary = summarizeLoad(result.records);
    let near = 0;
    for (const record of result.records) {
      if (!isFailure(record)) continue;
      const at = record.sentAt + record.latencyMs;
      if (reloads.some((r) => at >= r.start - NEAR_MS && at <= r.end + NEAR_MS)) near += 1;
    }
    // The time the near windows cover (their union), to weigh the near count against.
    let nearMs = 0;
    let coveredTo = -Infinity;
    for (const r of reloads) {
      const from = Math.max(r.start - NEAR_MS, coveredTo);
      coveredTo = Math.max(coveredTo, r.end + NEAR_MS);
      nearMs += Math.max(0, coveredTo - from);
    }
    const took = reloads.filter((r) => r.tookMs !== undefined).map((r) => r.tookMs);
    return {
      summary,
      connections: result.connections,
      reloadsDone: took.length,
      reloadErrors,
      tookMedian: took.length > 0 ? median(took) : null,
      tookMax: took.length > 0 ? Math.max(...took) : null,
      near,
      elsewhere: summary.failed - near,
      nearShare: nearMs / (result.endedAt - result.startedAt),
      maxOldWorkers,
      finalOldWorkers,
    };
  } finally {
    abort.abort();
    await haproxy.stop();
    started.delete(haproxy);
  }
}

const ms = (value) => (value === null ? "-" : `${value.toFixed(1)} ms`);

function rows(r) {
  const s = r.summary;
  const failures = Object.entries(s.byStatus)
    .filter(([key]) => !/^[23]\d\d$/.test(key))
    .sort((a, b) => b[1] - a[1])
    .map(([key, n]) => `${key}: ${n}`);
  return [
    ["requests", String(s.requests)],
    ["failed", `${s.failed} (${((100 * s.failed) / Math.max(1, s.requests)).toFixed(3)}%)`],
    ["failures by kind", failures.length > 0 ? failures.join(", ") : "none"],
    ["latency p50 / p95 / p99", `${ms(s.latencyMs.p50)} / ${ms(s.latencyMs.p95)} / ${ms(s.latencyMs.p99)}`],
    ["latency max", ms(s.latencyMs.max)],
    ["achieved rps", s.achievedRps.toFixed(1)],
    ["client connections opened", String(r.connections)],
    [
      "reloads done",
      `${r.reloadsDone}/${RELOADS}${r.reloadErrors.length > 0 ? ` (${r.reloadErrors.length} failed)` : ""}`,
    ],
    ["reload confirm median / max", `${r.tookMedian ?? "-"} ms / ${r.tookMax ?? "-"} ms`],
    ["old workers max / at end", `${r.maxOldWorkers} / ${r.finalOldWorkers}`],
    [
      `failures within ±${NEAR_MS / 1000} s of a reload`,
      `${r.near} (windows cover ${(100 * Math.min(1, r.nearShare)).toFixed(0)}% of the run)`,
    ],
    ["failures elsewhere", String(r.elsewhere)],
  ];
}

const started = new Set();
const servers = [];
let dir;
let status = 0;
const cleanup = async () => {
  for (const haproxy of started) await haproxy.stop().catch(() => {});
  await Promise.all(servers.map((server) => server.close().catch(() => {})));
  if (dir) rmSync(dir, { recursive: true, force: true });
};
process.once("SIGINT", () => {
  cleanup().finally(() => process.exit(130));
});

try {
  dir = mkdtempSync(join(tmpdir(), "lbguard-bench-reload-"));
  for (const s of SERVERS) servers.push(await startEmulatedServer(s));
  console.log(`node ${process.version}; ${haproxyVersion()}`);
  console.log(
    `${RPS} req/s for ${DURATION_S} s with keep-alive, ${RELOADS} reloads (one every ${(DURATION_S / (RELOADS + 1)).toFixed(2)} s), master-worker`,
  );
  const variants = [{ label: "idle-close-on-response", idleClose: true }];
  if (COMPARE) variants.push({ label: "without it", idleClose: false });
  const results = [];
  for (const v of variants) {
    process.stderr.write(`running the pass ${v.label} (${DURATION_S} s)...\n`);
    results.push(await pass(dir, v.idleClose, started));
  }
  const table = results.map(rows);
  const labelWidth = Math.max(...table[0].map(([label]) => label.length));
  const widths = results.map((_, i) =>
    Math.max(variants[i].label.length, ...table[i].map(([, value]) => value.length)),
  );
  console.log(["".padEnd(labelWidth), ...variants.map((v, i) => v.label.padStart(widths[i]))].join("  "));
  for (let row = 0; row < table[0].length; row++) {
    console.log(
      [table[0][row][0].padEnd(labelWidth), ...table.map((t, i) => t[row][1].padStart(widths[i]))].join("  "),
    );
  }
  for (const [i, r] of results.entries())
    for (const message of r.reloadErrors) console.log(`reload error (${variants[i].label}): ${message}`);
} catch (error) {
  console.error(`setup error: ${error instanceof Error ? error.message : String(error)}`);
  status = 1;
} finally {
  await cleanup();
}
process.exit(status);
