import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { ApiClient } from "../../src/client/api-client.js";
import { DEMO_RECORD, readDemoRecord, type DemoRecord } from "../../src/demo/demo-record.js";
import { parseShowProc } from "../../src/haproxy/runtime/master-cli.js";
import { stopProcess } from "../../src/haproxy/runtime/master-process.js";
import { accepts } from "../../src/haproxy/runtime/process-helpers.js";
import { sendSocketCommand } from "../../src/haproxy/runtime/socket-command.js";
import { sendRequest } from "../../src/lab/http-client.js";
import { processCommand } from "../../src/lab/process-command.js";
import { until } from "../helpers.js";

// This file's own loopback range and ports: 127.0.92.0/24, 18970-18989 (HAProxy on 18970, the
// servers on 18980 and 18981); the control plane on a free port.
const NETWORK = ["--addresses", "127.0.92", "--first-port", "18970"];
const BIN = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "lbg-democmd-"));
/** Demos a test started and must not leave running, whatever happens. */
const running = new Set<SpawnedDemo>();

// A demo stopped by SIGTERM stops its HAProxy processes, so a failed test leaves the addresses
// free for the next.
afterEach(async () => {
  for (const demo of running) {
    demo.child.kill("SIGTERM");
    await Promise.race([demo.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    if (demo.child.pid !== undefined) await stopProcess(demo.child.pid, 2_000).catch(() => undefined);
  }
  running.clear();
}, 30_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `lbguard ARGV` in this process. */
async function lbguard(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(
    argv,
    (s) => void (out += s),
    (s) => void (err += s),
  );
  return { code, out, err };
}

/** A `lbguard demo` started as a person starts it, with its output as it comes. */
interface SpawnedDemo {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnDemo(dir: string, ...extra: string[]): SpawnedDemo {
  const child = spawn(
    process.execPath,
    [BIN, "demo", "--listen", "127.0.0.1:0", "--dir", dir, ...NETWORK, ...extra],
    { cwd: work, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => void (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => void (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const demo = { child, stdout: () => stdout, stderr: () => stderr, exited };
  running.add(demo);
  void exited.then(() => running.delete(demo));
  return demo;
}

/** Waits for the banner, failing with the demo's output when it exits first. */
async function banner(demo: SpawnedDemo): Promise<string> {
  let ended = false;
  void demo.exited.then(() => (ended = true));
  return until("the demo's banner", 30_000, () => {
    if (ended) throw new Error(`the demo exited:\n${demo.stdout()}\n${demo.stderr()}`);
    return demo.stdout().includes("Ctrl-C stops the demo.") ? demo.stdout() : undefined;
  });
}

/** Every HAProxy PID of the demo: the recorded masters and workers, and the workers running now. */
async function haproxyPids(record: DemoRecord): Promise<number[]> {
  const pids = record.haproxy.flatMap((h) => [h.masterPid, ...h.workerPids]);
  for (const node of record.haproxy) {
    const answer = await sendSocketCommand(node.masterSocket, "show proc", { timeoutMs: 2_000, quit: true });
    pids.push(...(parseShowProc(answer)?.workers.map((w) => w.pid) ?? []));
  }
  return [...new Set(pids)];
}

describe("lbguard demo", () => {
  it("prints the dashboard URL and a token per role, serves traffic, and stops on SIGINT with exit 0", async () => {
    const dir = join(work, "demo-a");
    const demo = spawnDemo(dir, "--rps", "20");
    const text = await banner(demo);

    const url = /^Dashboard: (http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(text)?.[1];
    expect(url).toBeDefined();
    const token = (name: string) => new RegExp(`^ {4}export ${name}=(lbg_\\S+)$`, "m").exec(text)?.[1];
    const expected = { OLIVIA: "operator", AVERY: "approver", ADMIN: "admin", VAL: "viewer" };
    for (const [name, role] of Object.entries(expected)) {
      const me = await new ApiClient({ server: url!, token: token(name)! }).whoami();
      expect([me.name, me.role]).toEqual([name.toLowerCase(), role]);
    }
    expect(text).toMatch(/^Sign in first as olivia, the operator/m);
    // Moved to this test's addresses, the example changes are written where the banner says.
    const good = join(dir, "examples", "good.cfg");
    expect(text).toContain(`propose ${relative(work, good)} -m`);
    expect(readFileSync(good, "utf8")).toContain("server web-03 127.0.92.13:18980");
    expect(readFileSync(join(dir, "examples", "bad.cfg"), "utf8")).toContain(
      "server db-01 127.0.92.20:18981",
    );
    expect(text).toContain("both on http://127.0.92.10:18970");
    expect((await sendRequest({ target: "http://127.0.92.10:18970", path: "/" })).status).toBe(200);

    const record = readDemoRecord(dir)!;
    expect(record.pid).toBe(demo.child.pid);
    const pids = await haproxyPids(record);
    expect(pids.length).toBeGreaterThanOrEqual(4);
    for (const pid of pids) expect(processCommand(pid)).toContain(`haproxy -W -db -S ${dir}/`);

    demo.child.kill("SIGINT");
    expect(await demo.exited).toEqual({ code: 0, signal: null });
    expect(demo.stdout()).toContain("lbguard demo: SIGINT, stopping\nlbguard demo: stopped\n");
    for (const pid of pids) expect(processCommand(pid)).toBeUndefined();
    expect(existsSync(join(dir, DEMO_RECORD))).toBe(false);
  }, 60_000);

  it("refuses a second demo in the same directory, and --stop stops what a killed demo left", async () => {
    const dir = join(work, "demo-b");
    const demo = spawnDemo(dir, "--rps", "0");
    await banner(demo);

    const second = await lbguard("demo", "--listen", "127.0.0.1:0", "--dir", dir, ...NETWORK);
    expect(second.code).toBe(2);
    expect(second.err).toContain(`a demo is already running in ${dir} (pid ${demo.child.pid}`);

    // Killed outright, the demo cannot stop its HAProxy processes (they run in their own group).
    const record = readDemoRecord(dir)!;
    const pids = await haproxyPids(record);
    demo.child.kill("SIGKILL");
    await demo.exited;
    for (const { masterPid } of record.haproxy) expect(processCommand(masterPid)).toContain("haproxy -W");

    const stop = await lbguard("demo", "--stop", "--dir", dir);
    expect(stop.code).toBe(0);
    expect(stop.out).toMatch(/was no longer running; stopped its HAProxy processes left behind: \d+/);
    for (const pid of pids) expect(processCommand(pid)).toBeUndefined();
    expect(existsSync(join(dir, DEMO_RECORD))).toBe(false);
    expect((await lbguard("demo", "--stop", "--dir", dir)).out).toBe(`no demo is running in ${dir}\n`);
  }, 60_000);

  it("says how to install HAProxy, and exits 2, when it cannot run it", async () => {
    const run = await lbguard("demo", "--haproxy", join(work, "no-such-haproxy"), "--dir", join(work, "x"));
    expect(run.code).toBe(2);
    expect(run.err).toContain("sudo apt-get install -y haproxy");
    expect(existsSync(join(work, "x"))).toBe(false);
  });

  it("exits 1, leaving nothing running, when the control plane's address is taken", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(18999, "127.0.92.50", resolve));
    try {
      const dir = join(work, "demo-c");
      const run = await lbguard("demo", "--listen", "127.0.92.50:18999", "--dir", dir, ...NETWORK);
      expect(run.code).toBe(1);
      expect(run.err).toContain("the demo did not start: listen EADDRINUSE");
      expect(existsSync(join(dir, DEMO_RECORD))).toBe(false);
      expect(await accepts({ host: "127.0.92.11", port: 18980 }, 500)).toBe(false);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("refuses addresses off loopback and a directory it did not make", async () => {
    const offLoopback = await lbguard("demo", "--addresses", "10.0.0", "--dir", join(work, "y"));
    expect(offLoopback.code).toBe(2);
    expect(offLoopback.err).toContain("--addresses 10.0.0");
    const foreign = join(work, "foreign");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "notes.txt"), "mine\n");
    const refused = await lbguard("demo", "--listen", "127.0.0.1:0", "--dir", foreign, ...NETWORK);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("is not empty and was not made by 'lbguard demo'");
    expect(readFileSync(join(foreign, "notes.txt"), "utf8")).toBe("mine\n");
  });
});
