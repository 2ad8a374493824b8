import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadtestCommand, type LoadtestReport } from "../../src/cli/loadtest-command.js";
import { main } from "../../src/cli/main.js";
import { type EmulatedServer, startEmulatedServer } from "../../src/lab/emulated-server.js";
import { type HaproxyProcess, startHaproxy } from "../../src/lab/haproxy-process.js";
import { cfg } from "../helpers.js";

/*
 * Addresses of this file only: HAProxy binds 127.0.31.21:18315, the servers listen on
 * 127.0.31.22:18316 and 127.0.31.23:18317; nothing listens on 127.0.31.29:18319.
 */
const FRONT = "http://127.0.31.21:18315/";
const DEAD = "http://127.0.31.29:18319/";

const work = mkdtempSync(join(tmpdir(), "lbguard-loadtest-"));
const config = join(work, "haproxy.cfg");
const configText = cfg(
  "defaults",
  "  mode http",
  "  timeout connect 1s",
  "  timeout client 5s",
  "  timeout server 5s",
  "frontend www",
  "  bind 127.0.31.21:18315",
  "  default_backend web",
  "backend web",
  "  balance roundrobin",
  "  server web-01 127.0.31.22:18316 weight 3",
  "  server web-02 127.0.31.23:18317 weight 1",
);
writeFileSync(config, configText);

let haproxy: HaproxyProcess | undefined;
const servers: EmulatedServer[] = [];
beforeAll(async () => {
  servers.push(await startEmulatedServer({ name: "web-01", host: "127.0.31.22", port: 18316 }));
  servers.push(await startEmulatedServer({ name: "web-02", host: "127.0.31.23", port: 18317 }));
  haproxy = await startHaproxy({
    config: await import("node:fs").then((fs) => fs.readFileSync(config, "utf8")),
  });
});
afterAll(async () => {
  await haproxy?.stop();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(work, { recursive: true, force: true });
});

async function run(argv: string[], tty = false) {
  let stdout = "";
  let stderr = "";
  const code = await loadtestCommand(
    argv,
    (s) => void (stdout += s),
    (s) => void (stderr += s),
    tty,
  );
  return { code, stdout, stderr };
}

describe("lbguard loadtest", () => {
  it("puts the observed spread beside the predicted one behind a real HAProxy", async () => {
    const { code, stdout, stderr } = await run([
      FRONT,
      "--rps",
      "200",
      "--duration",
      "2",
      "--paths",
      "/:3,POST /api:1",
      "--config",
      config,
      "--json",
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as LoadtestReport;
    expect(report).toMatchObject({ url: FRONT, rps: 200, durationS: 2, keepAlive: true, interrupted: false });
    expect(report.summary).toMatchObject({
      requests: 400,
      failed: 0,
      succeeded: 400,
      byStatus: { "200": 400 },
    });
    expect(Object.keys(report.summary.latencyMs).sort()).toEqual(["max", "p50", "p95", "p99"]);
    expect(report.summary.achievedRps).toBeGreaterThan(180);
    expect(report.prediction).toMatchObject({ config, frontend: "www" });
    const rows = new Map(report.servers.map((r) => [r.name, r]));
    expect(rows.get("web-01")?.predictedShare).toBeCloseTo(0.75, 2);
    expect(rows.get("web-02")?.predictedShare).toBeCloseTo(0.25, 2);
    expect(rows.get("web-01")?.observedShare).toBeGreaterThan(0.72);
    expect(rows.get("web-01")?.observedShare).toBeLessThan(0.78);
    expect(rows.get("web-02")?.observedShare).toBeGreaterThan(0.22);
    expect(rows.get("web-02")?.observedShare).toBeLessThan(0.28);
    expect((rows.get("web-01")?.observed ?? 0) + (rows.get("web-02")?.observed ?? 0)).toBe(400);
    // Not a terminal: quiet until one final progress line.
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/sent 400 {2}ok 400 {2}failed 0/);
  });

  it("prints a text report with statuses, latency and the servers", async () => {
    const { code, stdout, stderr } = await run(
      [FRONT, "--rps", "50", "--duration", "0.4", "--config", config, "--no-color"],
      true,
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/Requests {2}20 sent at .* 20 ok, 0 failed \(0\.0%\)/);
    expect(stdout).toMatch(/Status {4}200: 20/);
    expect(stdout).toMatch(/Latency {3}p50 .* p95 .* p99 .* max /);
    expect(stdout).toMatch(/web-01 +15 +75\.0% +75\.0% +\+0\.0/);
    expect(stdout).toMatch(/web-02 +5 +25\.0% +25\.0% +\+0\.0/);
    // A terminal gets the progress line rewritten in place.
    expect(stderr.startsWith("\r")).toBe(true);
    expect(stderr.endsWith("\n")).toBe(true);
  });

  it("exits 1 and counts refused connections when requests fail", async () => {
    const { code, stdout } = await run([DEAD, "--rps", "20", "--duration", "0.25", "--json"]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as LoadtestReport;
    expect(report.summary).toMatchObject({ requests: 5, failed: 5, byStatus: { ECONNREFUSED: 5 } });
    expect(report.prediction).toBeNull();
    expect(report.servers).toEqual([]);
  });

  it("refuses runs beyond its bounds and bad options with a usage error", async () => {
    const cases: [string[], RegExp][] = [
      [[FRONT, "--rps", "20001", "--duration", "1"], /--rps is at most 20000/],
      [[FRONT, "--rps", "10", "--duration", "3601"], /--duration is at most 3600/],
      [[FRONT, "--rps", "0", "--duration", "1"], /--rps expects a number above 0/],
      [[FRONT, "--rps", "20000", "--duration", "3600"], /at most 5000000 requests/],
      [[FRONT, "--duration", "1"], /needs --rps/],
      [[FRONT, "--rps", "1"], /needs --duration/],
      [["https://127.0.31.21:18315/", "--rps", "1", "--duration", "1"], /plain HTTP only/],
      [["not a url", "--rps", "1", "--duration", "1"], /expects an http:\/\/ URL/],
      [[FRONT, "--rps", "1", "--duration", "1", "--paths", "nope"], /--paths expects/],
      [[FRONT, "--rps", "1", "--duration", "1", "--inventory", "x.yaml"], /--inventory needs --config/],
    ];
    for (const [argv, message] of cases) {
      let stderr = "";
      const code = await main(
        ["loadtest", ...argv],
        () => {},
        (s) => void (stderr += s),
      );
      expect({ argv, code }).toEqual({ argv, code: 2 });
      expect(stderr).toMatch(message);
    }
  });

  it("documents its exit codes in --help", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Exit codes: 0 every request succeeded/);
  });
});
