import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isProcessAlive } from "../../src/haproxy/runtime/master-process.js";
import { reloadKeepalived, startKeepalived, stopKeepalived } from "../../src/vrrp/keepalived-process.js";
import {
  keepalivedConfPath,
  nodePaths,
  renderCheckScript,
  renderKeepalivedConf,
  renderNotifyScript,
} from "../../src/vrrp/render-keepalived.js";
import { readVrrpStatus, type VrrpStatus } from "../../src/vrrp/vrrp-state.js";
import { until } from "../helpers.js";
import { samplePair } from "./pair-fixtures.js";

/**
 * One real keepalived, started with startKeepalived in a network namespace this test creates
 * (a veth pair inside it stands for the LAN; the host's interfaces are never touched), with the
 * rendered health and notify scripts and a tiny HTTP server on the namespace's own loopback
 * standing in for HAProxy. It checks what the agent relies on: the state file follows
 * keepalived's transitions, the VIP comes and goes with MASTER and FAULT, SIGHUP reloads, and
 * a stop leaves STOPPED and no VIP.
 */

const support =
  process.getuid?.() === 0
    ? spawnSync("ip", ["netns", "list"]).status === 0
      ? { ok: true as const }
      : { ok: false as const, reason: "`ip netns` does not work here" }
    : { ok: false as const, reason: "not running as root: `ip netns add` and keepalived need it" };
const mustRun = process.env.CI === "true";
if (!support.ok)
  process.stderr.write(
    `keepalived-live: ${mustRun ? "FAILING (CI=true)" : "skipped"}: ${support.reason}. This test runs keepalived in a network namespace.\n`,
  );

if (!support.ok)
  it.skipIf(!mustRun)("runs where it can build network namespaces (CI=true)", () => {
    expect.fail(support.reason);
  });

const NETNS = `lbgv1-${process.pid}`;
const HEALTH = { host: "127.0.80.1", port: 18806 };
const pair = samplePair({
  vip: "198.51.100.100/24",
  interface: "eth0",
  check: {
    url: `http://${HEALTH.host}:${HEALTH.port}/healthz`,
    intervalSeconds: 1,
    timeoutSeconds: 1,
    fall: 1,
    rise: 1,
  },
  nodes: [{ name: "lb-1", priority: 150 }],
});

describe.skipIf(!support.ok)("keepalived started by startKeepalived in a network namespace", () => {
  const dir = mkdtempSync(join(tmpdir(), "lbguard-keepalived-live-"));
  const paths = nodePaths(dir);
  const conf = keepalivedConfPath(dir);
  const pidFile = join(dir, "keepalived.pid");
  const logFile = join(dir, "keepalived.log");
  let health: ChildProcess | undefined;
  let pid: number | undefined;

  const ip = (...args: string[]) => {
    const run = spawnSync("ip", args, { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`ip ${args.join(" ")}: ${run.stderr}`);
  };
  const status = (): Promise<VrrpStatus> => readVrrpStatus(pair, paths, pidFile, { netns: NETNS });
  const waitFor = (what: string, want: VrrpStatus) =>
    until(`${what} (log: ${logFile})`, 20_000, async () => {
      const now = await status();
      return now.state === want.state && now.holdsVip === want.holdsVip ? now : undefined;
    });

  beforeAll(async () => {
    ip("netns", "add", NETNS);
    ip("-n", NETNS, "link", "set", "lo", "up");
    ip("-n", NETNS, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0peer");
    ip("-n", NETNS, "addr", "add", "198.51.100.11/24", "dev", "eth0");
    ip("-n", NETNS, "link", "set", "eth0", "up");
    ip("-n", NETNS, "link", "set", "eth0peer", "up");
    const server = `require("node:http").createServer((q, s) => s.end("ok")).listen(${HEALTH.port}, "${HEALTH.host}")`;
    health = spawn("ip", ["netns", "exec", NETNS, process.execPath, "-e", server], { stdio: "ignore" });
    writeFileSync(paths.checkScript, renderCheckScript(pair, paths.maintenanceFile), { mode: 0o755 });
    writeFileSync(paths.notifyScript, renderNotifyScript(paths.stateFile), { mode: 0o755 });
    writeFileSync(conf, renderKeepalivedConf(pair, "lb-1", paths));
    pid = await startKeepalived({ conf, pidFile, vrrpPidFile: join(dir, "vrrp.pid"), logFile, netns: NETNS });
  });

  afterAll(async () => {
    if (pid !== undefined) await stopKeepalived(pid);
    if (health?.pid !== undefined && isProcessAlive(health.pid)) health.kill("SIGKILL");
    spawnSync("ip", ["netns", "del", NETNS]);
    if (!process.env.LBGUARD_KEEP_LOGS) rmSync(dir, { recursive: true, force: true });
    expect(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout).not.toContain(NETNS);
  });

  it("becomes MASTER and takes the VIP when it is the only node and HAProxy answers", async () => {
    expect(readFileSync(pidFile, "utf8").trim()).toBe(String(pid));
    await waitFor("MASTER with the VIP", { state: "MASTER", holdsVip: true });
    expect(readFileSync(paths.stateFile, "utf8")).toBe("MASTER 150\n");
  });

  it("goes to FAULT and gives the VIP away while the maintenance file exists, and back after", async () => {
    writeFileSync(paths.maintenanceFile, "");
    await waitFor("FAULT without the VIP", { state: "FAULT", holdsVip: false });
    rmSync(paths.maintenanceFile);
    await waitFor("MASTER again", { state: "MASTER", holdsVip: true });
  });

  it("re-reads its configuration on reloadKeepalived and keeps running", async () => {
    writeFileSync(conf, renderKeepalivedConf(pair, "lb-1", paths, { source: "a reload test" }));
    await reloadKeepalived(pidFile);
    await until("keepalived to log the reload", 10_000, () => /reload/i.test(readFileSync(logFile, "utf8")));
    expect(isProcessAlive(pid!)).toBe(true);
    await waitFor("MASTER after the reload", { state: "MASTER", holdsVip: true });
  });

  it("stops on stopKeepalived, removing the VIP and reporting STOPPED", async () => {
    await stopKeepalived(pid!);
    expect(isProcessAlive(pid!)).toBe(false);
    pid = undefined;
    expect(await status()).toEqual({ state: "STOPPED", holdsVip: false });
    expect(readFileSync(paths.stateFile, "utf8")).toMatch(/^STOP /);
  });
});
