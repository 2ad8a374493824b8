// Benchmark: the control plane under a fleet. One server (a child process, so that the simulated
// agents do not share its event loop; SQLite in a fresh directory, or with BENCH_DATABASE=postgres
// a fresh PostgreSQL database dropped afterwards) and BENCH_AGENTS simulated agents in this
// process, each holding one long poll open (GET /agent/desired?have=HASH&wait=BENCH_WAIT_S) and
// sending a heartbeat report every BENCH_HEARTBEAT_S seconds, spread over time. When an answer
// carries a new version, the agent notes the time, reports the apply as promoted (with the
// rollout id) and its running hash, as a real agent does, then polls again. A viewer reads
// GET /clusters/web/nodes every BENCH_VIEWER_MS.
// Each of BENCH_ROUNDS rounds: an operator proposes a config change, an approver approves it, and
// the operator rolls it out (canary first: lb-0000 gets it at once, the others once it promoted).
// Printed per round and as medians: seconds from the rollout request (and from the approval
// request, which precedes it at once) to the canary holding the version, from the canary to all
// others, to the last agent holding it (goal: 2 s), and to the rollout completed; the p50/p95/p99
// latency of every non-long-poll request made during the rounds (reports, applies, viewer); long
// poll answers that carried no new version (wake-ups with nothing for that agent); agents that got
// the version only when their poll timed out (a missed wake-up); the server's CPU and event-loop
// delay, also in a steady state before the rounds. A round unfinished after BENCH_ROUND_TIMEOUT_S
// fails the bench. The server child gets `ulimit -n 65536` (else the hard limit) and the bench
// stops if it cannot open a socket per agent. Figures are comparable between versions of lbguard
// on one machine (the agents cost this process about a fifth of a core).
// Usage: npm run bench:control-plane
// Knobs: BENCH_AGENTS (1000), BENCH_ROUNDS (3), BENCH_DATABASE (sqlite | postgres), BENCH_PG_URL
// (postgres://postgres@127.0.0.1:5432/postgres: where to create lbguard_bench_*), BENCH_WAIT_S
// (25), BENCH_HEARTBEAT_S (5), BENCH_VIEWER_MS (200), BENCH_ROUND_TIMEOUT_S (60),
// BENCH_SERVER_PROF (a directory: the server writes a V8 CPU profile there when it stops).
/* global setTimeout, clearTimeout, setInterval, clearInterval, Buffer, URL */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { median, root } from "./lib.mjs";

const AGENTS = Number(process.env.BENCH_AGENTS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DATABASE = process.env.BENCH_DATABASE ?? "sqlite";
const PG_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const WAIT_S = Number(process.env.BENCH_WAIT_S ?? 25);
const HEARTBEAT_S = Number(process.env.BENCH_HEARTBEAT_S ?? 5);
const VIEWER_MS = Number(process.env.BENCH_VIEWER_MS ?? 200);
const ROUND_TIMEOUT_S = Number(process.env.BENCH_ROUND_TIMEOUT_S ?? 60);
const SERVER_PROF = process.env.BENCH_SERVER_PROF;
const GOAL_S = 2;
const CLUSTER = "web";
// Sockets the server needs: a long poll per agent, one or two more for its reports and applies
// (the client keeps them alive), and some slack.
const FDS_NEEDED = AGENTS * 3 + 256;

if (!["sqlite", "postgres"].includes(DATABASE)) {
  console.error(`BENCH_DATABASE must be sqlite or postgres, not ${DATABASE}`);
  process.exit(2);
}

const now = () => performance.now();
const seconds = (ms) => (ms / 1000).toFixed(3);

/** The config of round `round` (0: version 1): only the weight of s1 changes, a low-risk change. */
function config(round) {
  return [
    "global",
    "    maxconn 4096",
    "",
    "defaults",
    "    mode http",
    "    option forwardfor",
    "    option redispatch",
    "    retries 2",
    "    timeout connect 2s",
    "    timeout client 30s",
    "    timeout server 30s",
    "",
    "frontend www",
    "    bind 127.0.0.1:18480",
    "    default_backend app",
    "",
    "backend app",
    "    balance roundrobin",
    "    option httpchk GET /health",
    `    server s1 127.0.0.1:18481 check inter 2s weight ${10 + round}`,
    "    server s2 127.0.0.1:18482 check inter 2s weight 10",
    "",
  ].join("\n");
}

// --- file descriptors -----------------------------------------------------------------------

function ownLimit() {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith("Max open files"));
  const [soft, hard] = (line ?? "").split(/\s+/).slice(3, 5);
  const value = (v) => (v === "unlimited" ? Infinity : Number(v));
  return { soft: value(soft), hard: value(hard) };
}

const limit = ownLimit();
if (limit.soft < FDS_NEEDED) {
  // Node cannot raise its own limit; the server child gets its own below, this process cannot.
  console.error(
    `this process may open ${limit.soft} files; ${AGENTS} agents need ${FDS_NEEDED}. Run: ulimit -n ${Math.min(limit.hard, 65536)}; npm run bench:control-plane`,
  );
  process.exit(2);
}
// The child raises its limit in the shell that starts it: to 65536 (root may raise the hard
// limit too), else to the hard limit.
const childFds = Math.max(FDS_NEEDED, 65536);

// --- the server, in a child process ---------------------------------------------------------

const SERVER_SCRIPT = `
import { readdirSync, readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { startServer } from ${JSON.stringify(join(root, "dist", "server", "start-server.js"))};
const server = await startServer({
  ...(process.env.BENCH_SERVER_DATABASE ? { database: process.env.BENCH_SERVER_DATABASE } : {}),
  dataDir: process.env.BENCH_SERVER_DATA,
  host: "127.0.0.1",
  port: 0,
  logger: false,
});
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
let cpu = process.cpuUsage();
const fdLimit = readFileSync("/proc/self/limits", "utf8").split("\\n").find((l) => l.startsWith("Max open files")).split(/\\s+/)[3];
process.stdout.write(JSON.stringify({ url: server.url, bootstrapToken: server.bootstrapToken }) + "\\n");
createInterface({ input: process.stdin }).on("line", () => {
  const used = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const stats = {
    cpuMs: (used.user + used.system) / 1000,
    delayP99Ms: delay.percentile(99) / 1e6,
    delayMaxMs: delay.max / 1e6,
    rssMb: process.memoryUsage().rss / 1048576,
    fds: readdirSync("/proc/self/fd").length,
    fdLimit: fdLimit === "unlimited" ? 1e9 : Number(fdLimit),
  };
  delay.reset();
  process.stdout.write(JSON.stringify({ stats }) + "\\n");
});
const stop = () => {
  setTimeout(() => process.exit(1), 5000).unref();
  server.close().then(() => process.exit(0), () => process.exit(1));
};
process.once("SIGTERM", stop);
process.stdin.once("end", stop);
`;

/** Starts the server child; resolves with its url, bootstrap token, pid and a stats reader. */
function startServerChild(env) {
  // `ulimit` in the shell, then exec: the pid is node's, and only node has to be killed.
  const child = spawn(
    "sh",
    [
      "-c",
      `ulimit -n ${childFds} 2>/dev/null || ulimit -n ${limit.hard === Infinity ? "unlimited" : limit.hard}; exec "$0" $2 --input-type=module -e "$1"`,
      process.execPath,
      SERVER_SCRIPT,
      SERVER_PROF ? `--cpu-prof --cpu-prof-dir=${SERVER_PROF}` : "",
    ],
    { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] },
  );
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  let onStarted;
  const started = new Promise((resolve, reject) => {
    onStarted = resolve;
    child.once("exit", (code, signal) =>
      reject(new Error(`the server exited (${signal ?? code}) before it listened`)),
    );
    setTimeout(() => reject(new Error("the server did not listen within 60 s")), 60_000).unref();
  });
  lines.on("line", (line) => {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      process.stderr.write(`server: ${line}\n`);
      return;
    }
    if (message.url) onStarted(message);
    else if (message.stats) waiting.shift()?.(message.stats);
  });
  const stats = () =>
    new Promise((resolve) => {
      waiting.push(resolve);
      child.stdin.write("stats\n");
    });
  return { child, started, stats };
}

// --- HTTP, with latency recorded per kind ---------------------------------------------------

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: AGENTS * 2 + 64 });
let base = "";
let recording = false;
const latencies = new Map(); // kind -> ms[], during the rounds
let steady; // kind -> ms[], during the warm-up before the rounds (no rollout)
const failures = new Map(); // kind -> count
const failureReasons = new Map(); // kind -> the first reason
const count = (map, kind) => map.set(kind, (map.get(kind) ?? 0) + 1);
function failed(kind, error) {
  count(failures, kind);
  if (!failureReasons.has(kind))
    failureReasons.set(kind, error instanceof Error ? error.message : String(error));
}

/** One request; resolves with the parsed answer, rejects on a non-2xx answer or after `timeoutMs`. */
function call(method, path, token, body, { kind, timeoutMs = 30_000 } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const started = now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      `${base}/api/v1${path}`,
      {
        method,
        agent: httpAgent,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload !== undefined
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
            : {}),
        },
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString("utf8");
          const into = recording ? latencies : steady;
          if (kind && into) {
            const list = into.get(kind) ?? [];
            list.push(now() - started);
            into.set(kind, list);
          }
          if (response.statusCode < 200 || response.statusCode >= 300) {
            reject(new Error(`${method} ${path}: ${response.statusCode} ${text.slice(0, 300)}`));
            return;
          }
          resolve(text === "" ? undefined : JSON.parse(text));
        });
      },
    );
    const timer = setTimeout(
      () => request.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)),
      timeoutMs,
    );
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(payload);
  });
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// --- simulated agents -----------------------------------------------------------------------

let running = true;
const agents = [];
const arrivals = new Map(); // version id -> { count, canaryAt, lastAt, late, done }
let sameAnswers = 0; // long poll answers without a new version, while recording

/** Notes that `agent` holds `version` at `at`; resolves the round waiting on it when all do. */
function arrived(agent, version, at, pollStartedAt) {
  const entry = arrivals.get(version);
  if (!entry) return;
  entry.count++;
  // Answered by the poll's own timeout rather than a wake-up: the notification was missed.
  if (at - pollStartedAt >= (WAIT_S - 0.5) * 1000) entry.late++;
  entry.lastAt = Math.max(entry.lastAt, at);
  if (agent.index === 0) entry.canaryAt = at;
  if (entry.count === agents.length) entry.done();
}

async function heartbeat(agent) {
  if (!running || agent.hash === undefined) return;
  try {
    await call(
      "POST",
      "/agent/report",
      agent.token,
      { runningHash: agent.hash, health: { haproxy: "up" } },
      { kind: "report" },
    );
  } catch (error) {
    if (running) failed("report", error);
  }
}

async function pollLoop(agent) {
  while (running) {
    let desired;
    const pollStartedAt = now();
    try {
      const have = agent.hash ? `&have=${agent.hash}` : "";
      desired = await call("GET", `/agent/desired?wait=${WAIT_S}${have}`, agent.token, undefined, {
        timeoutMs: (WAIT_S + 15) * 1000,
      });
    } catch (error) {
      if (!running) return;
      failed("long poll", error);
      await sleep(1000);
      continue;
    }
    if (desired.version.hash === agent.hash) {
      if (recording) sameAnswers++;
      continue;
    }
    const at = now();
    const first = agent.hash === undefined;
    agent.hash = desired.version.hash;
    if (first) {
      // Started on the current version: nothing to apply, only the first report.
      agent.ready();
      await heartbeat(agent);
      continue;
    }
    arrived(agent, desired.version.id, at, pollStartedAt);
    try {
      await call(
        "POST",
        "/agent/applies",
        agent.token,
        {
          version: desired.version.id,
          ...(desired.rollout !== undefined ? { rollout: desired.rollout } : {}),
          apply: `bench-${agent.name}-${desired.version.id}`,
          status: "promoted",
        },
        { kind: "apply" },
      );
    } catch (error) {
      if (running) failed("apply", error);
    }
    await heartbeat(agent);
  }
}

// --- the bench ------------------------------------------------------------------------------

let server;
let dataDir;
let pgDatabase;
let status = 0;

async function stopServer() {
  if (!server || server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGTERM");
  const killed = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!killed) {
    server.child.kill("SIGKILL");
    await exited;
  }
}

async function cleanup() {
  running = false;
  for (const agent of agents) {
    clearTimeout(agent.timer);
    clearInterval(agent.timer);
  }
  await stopServer().catch(() => {});
  httpAgent.destroy();
  if (pgDatabase) {
    const admin = new pg.Client({ connectionString: PG_URL });
    try {
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
    } catch (error) {
      console.error(`could not drop the database ${pgDatabase}: ${error.message}`);
    } finally {
      await admin.end().catch(() => {});
    }
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

process.once("SIGINT", () => {
  cleanup().finally(() => process.exit(130));
});
// Whatever happens, the child does not outlive the bench.
process.once("exit", () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null)
    server.child.kill("SIGKILL");
});

/** Runs `tasks` (functions returning promises) `width` at a time. */
async function inParallel(tasks, width) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]();
  };
  await Promise.all(Array.from({ length: width }, worker));
}

/** Waits for `promise`, or fails after `ms` with `message()`. */
async function within(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function round(number, tokens, parent) {
  const change = await call("POST", `/clusters/${CLUSTER}/changes`, tokens.operator, {
    parent,
    message: `bench round ${number}: weight of s1`,
    config: config(number),
  });
  if (change.verdict !== "pass")
    throw new Error(`the gate blocked the round's change: ${JSON.stringify(change.findings)}`);
  if (change.approvalsRequired !== 1)
    throw new Error(
      `the change needs ${change.approvalsRequired} approvals (risk ${change.risk}); the bench has one approver`,
    );
  await server.stats(); // resets the server's CPU and event-loop figures
  const cpuBefore = process.cpuUsage();
  recording = true;
  const approvedAt = now();
  const approved = await call("POST", `/changes/${change.id}/reviews`, tokens.approver, {
    decision: "approve",
    comment: "bench",
  });
  if (approved.state !== "approved")
    throw new Error(`change ${change.id} is ${approved.state} after the approval`);
  let done;
  const entry = { count: 0, canaryAt: NaN, lastAt: 0, late: 0, done: () => done() };
  const allHold = new Promise((resolve) => (done = resolve));
  arrivals.set(change.version, entry);
  const startedAt = now();
  const rollout = await call("POST", `/changes/${change.id}/rollout`, tokens.operator);
  const rolloutAnsweredAt = now();
  const deadline = startedAt + ROUND_TIMEOUT_S * 1000;
  await within(
    allHold,
    ROUND_TIMEOUT_S * 1000 - (now() - startedAt),
    () =>
      `round ${number} did not finish in ${ROUND_TIMEOUT_S} s: ${entry.count} of ${agents.length} agents hold version ${change.version}`,
  );
  let completedAt;
  for (;;) {
    const state = await call("GET", `/rollouts/${rollout.id}`, tokens.operator);
    if (state.state === "completed") {
      completedAt = now();
      break;
    }
    if (state.state !== "running") throw new Error(`rollout ${rollout.id} is ${state.state}`);
    if (now() > deadline)
      throw new Error(
        `round ${number} did not finish in ${ROUND_TIMEOUT_S} s: rollout ${rollout.id} still running, ${state.nodes.filter((n) => n.state === "applied").length} of ${state.nodes.length} nodes applied`,
      );
    await sleep(50);
  }
  recording = false;
  const cpu = process.cpuUsage(cpuBefore);
  const serverStats = await server.stats();
  const elapsed = completedAt - approvedAt;
  return {
    version: change.version,
    approvalMs: startedAt - approvedAt,
    rolloutRequestMs: rolloutAnsweredAt - startedAt,
    canaryMs: entry.canaryAt - startedAt,
    canaryToAllMs: entry.lastAt - entry.canaryAt,
    allMs: entry.lastAt - startedAt,
    allFromApprovalMs: entry.lastAt - approvedAt,
    completedMs: completedAt - startedAt,
    late: entry.late,
    serverCpu: serverStats.cpuMs / elapsed,
    benchCpu: (cpu.user + cpu.system) / 1000 / elapsed,
    delayP99Ms: serverStats.delayP99Ms,
    delayMaxMs: serverStats.delayMaxMs,
    rssMb: serverStats.rssMb,
    fds: serverStats.fds,
    fdLimit: serverStats.fdLimit,
  };
}

try {
  let database;
  if (DATABASE === "postgres") {
    pgDatabase = `lbguard_bench_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${pgDatabase}`);
    } finally {
      await admin.end();
    }
    const url = new URL(PG_URL);
    url.pathname = `/${pgDatabase}`;
    database = url.toString();
  }
  dataDir = mkdtempSync(join(tmpdir(), "lbguard-bench-control-plane-"));
  server = startServerChild({
    BENCH_SERVER_DATA: dataDir,
    ...(database ? { BENCH_SERVER_DATABASE: database } : {}),
  });
  const { url, bootstrapToken } = await server.started;
  base = url;
  const startup = await server.stats();
  console.log(
    `node ${process.version}; ${AGENTS} agents, ${ROUNDS} rounds, store ${DATABASE}; long poll wait ${WAIT_S} s, heartbeat every ${HEARTBEAT_S} s, viewer every ${VIEWER_MS} ms`,
  );
  console.log(
    `server file descriptors: limit ${startup.fdLimit} (needs about ${FDS_NEEDED}); this process: ${limit.soft}`,
  );
  if (Number(startup.fdLimit) < FDS_NEEDED)
    throw new Error(
      `the server may open ${startup.fdLimit} files; run as root or raise the hard limit (ulimit -Hn ${FDS_NEEDED})`,
    );

  // Cluster, people, nodes.
  const admin = bootstrapToken;
  if (!admin) throw new Error("the server did not create an admin (the store was not empty)");
  const setupStarted = now();
  const cluster = await call("POST", "/clusters", admin, { name: CLUSTER, config: config(0) });
  const tokens = {};
  for (const role of ["operator", "approver", "viewer"]) {
    await call("POST", "/users", admin, { name: `bench-${role}`, role });
    tokens[role] = (await call("POST", "/tokens", admin, { user: `bench-${role}`, label: "bench" })).token;
  }
  const names = Array.from({ length: AGENTS }, (_, i) => `lb-${String(i).padStart(4, "0")}`);
  await inParallel(
    names.map((name, index) => async () => {
      const created = await call("POST", `/clusters/${CLUSTER}/nodes`, admin, { name });
      agents[index] = { index, name, token: created.token.token, hash: undefined };
    }),
    8,
  );
  const setupMs = now() - setupStarted;

  // Every agent polls once to learn its version, then keeps its long poll open.
  const ready = agents.map((agent) => new Promise((resolve) => (agent.ready = resolve)));
  for (const agent of agents) void pollLoop(agent);
  await within(
    Promise.all(ready),
    120_000,
    () => "the agents did not all get their first desired state in 120 s",
  );
  for (const agent of agents) {
    agent.timer = setTimeout(
      () => {
        void heartbeat(agent);
        agent.timer = setInterval(() => void heartbeat(agent), HEARTBEAT_S * 1000);
      },
      Math.random() * HEARTBEAT_S * 1000,
    );
  }
  const viewer = setInterval(() => {
    call("GET", `/clusters/${CLUSTER}/nodes`, tokens.viewer, undefined, { kind: "viewer" }).catch((error) => {
      if (running) failed("viewer", error);
    });
  }, VIEWER_MS);
  console.log(`setup: cluster, 3 users and ${AGENTS} nodes in ${seconds(setupMs)} s; agents polling`);
  // One heartbeat period, so that reports run at their steady rate, then one more measured: the
  // load of a fleet with nothing to roll out.
  await sleep(HEARTBEAT_S * 1000);
  await server.stats();
  steady = new Map();
  await sleep(HEARTBEAT_S * 1000);
  const idle = await server.stats();
  const steadyAll = [...steady.values()].flat().sort((a, b) => a - b);
  steady = undefined;
  console.log(
    `steady state (no rollout, ${seconds(HEARTBEAT_S * 1000)} s): server CPU ${((idle.cpuMs / HEARTBEAT_S / 1000) * 100).toFixed(0)}%, ` +
      `event-loop delay p99 ${idle.delayP99Ms.toFixed(0)} ms; ${steadyAll.length} requests, p50 ${percentile(steadyAll, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(steadyAll, 99).toFixed(1)} ms`,
  );

  const results = [];
  let parent = cluster.currentVersion;
  for (let n = 1; n <= ROUNDS; n++) {
    const r = await round(n, tokens, parent);
    parent = r.version;
    results.push(r);
    console.log(
      `round ${n}: rollout -> canary ${seconds(r.canaryMs)} s, canary -> all ${seconds(r.canaryToAllMs)} s, rollout -> all ${seconds(r.allMs)} s ` +
        `(approval -> all ${seconds(r.allFromApprovalMs)} s), rollout completed ${seconds(r.completedMs)} s; ` +
        `${r.late} agents got it only when their poll timed out; ` +
        `server CPU ${(r.serverCpu * 100).toFixed(0)}%, event-loop delay p99 ${r.delayP99Ms.toFixed(0)} ms max ${r.delayMaxMs.toFixed(0)} ms, ` +
        `bench CPU ${(r.benchCpu * 100).toFixed(0)}%`,
    );
    // Let the wake-ups of the last applies settle before the next round.
    await sleep(1000);
  }
  clearInterval(viewer);

  const med = (key) => median(results.map((r) => r[key]));
  const rows = [
    ["approval request", `${seconds(med("approvalMs"))} s`],
    ["rollout request", `${seconds(med("rolloutRequestMs"))} s`],
    ["rollout -> canary holds it", `${seconds(med("canaryMs"))} s`],
    ["canary -> all others hold it", `${seconds(med("canaryToAllMs"))} s`],
    ["rollout -> all agents hold it", `${seconds(med("allMs"))} s`],
    ["approval -> all agents hold it", `${seconds(med("allFromApprovalMs"))} s`],
    ["rollout -> rollout completed", `${seconds(med("completedMs"))} s`],
    ["server CPU (100% = one core)", `${(med("serverCpu") * 100).toFixed(0)}%`],
    ["server RSS", `${med("rssMb").toFixed(0)} MB`],
    ["server open files", `${med("fds")}`],
    ["long poll answers without a new version", `${(sameAnswers / ROUNDS).toFixed(0)} per round`],
    ["agents reached only by their poll's timeout", `${med("late")} per round`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`medians of ${ROUNDS} rounds:`);
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);

  console.log("latency of non-long-poll requests during the rounds (ms):");
  const all = [...latencies.values()].flat();
  const kinds = [...[...latencies.keys()].sort().map((k) => [k, latencies.get(k)]), ["all", all]];
  for (const [kind, values] of kinds) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(
      `  ${kind.padEnd(7)} n=${String(sorted.length).padStart(6)}  p50 ${percentile(sorted, 50).toFixed(1).padStart(7)}  ` +
        `p95 ${percentile(sorted, 95).toFixed(1).padStart(7)}  p99 ${percentile(sorted, 99).toFixed(1).padStart(7)}  max ${(sorted.at(-1) ?? NaN).toFixed(1).padStart(7)}`,
    );
  }
  for (const [kind, n] of failures)
    console.log(`failed requests: ${kind} ${n}, the first: ${failureReasons.get(kind)}`);
  const sortedAll = [...all].sort((a, b) => a - b);
  const medianAll = med("allFromApprovalMs");
  console.log(
    `goal: approval -> all ${AGENTS} agents hold the new version within ${GOAL_S} s: median ${seconds(medianAll)} s ` +
      `(rollout -> all ${seconds(med("allMs"))} s), p99 API latency ${percentile(sortedAll, 99).toFixed(1)} ms — ` +
      `${medianAll <= GOAL_S * 1000 ? "met" : `MISSED by ${seconds(medianAll - GOAL_S * 1000)} s`}`,
  );
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  status = 1;
} finally {
  await cleanup();
}
process.exit(status);
