import { connect, type Socket } from "node:net";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSocket } from "../../../src/haproxy/runtime/admin-socket.js";
import { adminVia, MasterCli } from "../../../src/haproxy/runtime/master-cli.js";
import {
  type MasterWorker,
  startMasterWorker,
  stopProcess,
} from "../../../src/haproxy/runtime/master-process.js";
import { ReloadFailedError, RuntimeConnectError } from "../../../src/haproxy/runtime/runtime-errors.js";
import { sendSocketCommand } from "../../../src/haproxy/runtime/socket-command.js";
import { saveServerState, stateCommandsToReapply } from "../../../src/haproxy/runtime/server-state.js";
import { sendRequest } from "../../../src/lab/http-client.js";

/*
 * This file's addresses only: HAProxy binds 127.0.30.2:18310-18319. Nothing listens on the
 * servers' ports; the frontend answers HTTP itself, and checks are off so servers stay UP.
 */
const HOST = "127.0.30.2";
const PORT = 18310;
const TARGET = `http://${HOST}:${PORT}`;

let dir: string;
let configPath: string;
let goodConfig: string;
let haproxy: MasterWorker;
let master: MasterCli;
let admin: AdminSocket;
const started: number[] = [];

function config(extra = ""): string {
  return `global
    stats socket ${dir}/admin.sock level admin mode 600
    server-state-file ${dir}/state
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 5s
    load-server-state-from-file global
frontend fe
    bind ${HOST}:${PORT}
    http-request return status 200 content-type text/plain string ok
backend be
    server s1 ${HOST}:18311
    server s2 ${HOST}:18312 weight 5
backend plain
    load-server-state-from-file none
    server p1 ${HOST}:18313 weight 4
${extra}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lbguard-runtime-"));
  configPath = join(dir, "haproxy.cfg");
  goodConfig = config();
  writeFileSync(configPath, goodConfig);
  haproxy = await startMasterWorker({ configPath, masterSocket: join(dir, "master.sock") });
  started.push(haproxy.pid);
  master = new MasterCli(haproxy.masterSocket);
  admin = new AdminSocket(join(dir, "admin.sock"));
});

afterAll(async () => {
  for (const pid of started) await stopProcess(pid);
  rmSync(dir, { recursive: true, force: true });
});

/** Opens a TCP connection to the frontend and keeps it open, so that its worker cannot finish. */
function holdConnection(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port: PORT });
    socket.once("connect", () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("master-worker HAProxy", () => {
  it("starts a master with one worker, reachable through the master CLI", async () => {
    const table = await master.showProc();
    expect(table.master.pid).toBe(haproxy.pid);
    expect(table.master.type).toBe("master");
    expect(table.workers).toHaveLength(1);
    expect((await sendRequest({ target: TARGET })).status).toBe(200);
    const viaMaster = await adminVia(master).showStat();
    expect(viaMaster.find((r) => r.proxy === "be" && r.name === "s2")?.weight).toBe(5);
  });

  it("confirms a reload: the reload count grows by one and a new worker takes over", async () => {
    const before = await master.showProc();
    const result = await master.reload({ timeoutMs: 5_000 });
    expect(result.reloads).toBe(before.master.reloads + 1);
    expect(result.previousWorkerPids).toEqual(before.workers.map((w) => w.pid));
    expect(result.previousWorkerPids).not.toContain(result.workerPid);
    expect((await master.showProc()).workers.map((w) => w.pid)).toEqual([result.workerPid]);
    expect((await admin.showInfo()).Pid).toBe(String(result.workerPid));
  });

  it("lists a worker that still holds a connection under old workers after a reload", async () => {
    const held = await holdConnection();
    try {
      const result = await master.reload({ timeoutMs: 5_000 });
      const table = await master.showProc();
      const old = table.oldWorkers.find((w) => result.previousWorkerPids.includes(w.pid));
      expect(old?.type).toBe("worker");
      expect(old?.reloads).toBeGreaterThanOrEqual(1);
    } finally {
      held.destroy();
    }
  });

  it("rejects a reload of a broken config with ReloadFailedError while the old worker keeps serving", async () => {
    const before = await master.showProc();
    writeFileSync(configPath, config("backend broken\n    bogus_directive 1\n"));
    try {
      const failure = await master.reload({ timeoutMs: 5_000 }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ReloadFailedError);
      expect((failure as ReloadFailedError).failed).toBe(1);
      expect((failure as ReloadFailedError).reloads).toBe(before.master.reloads + 1);
      const after = await master.showProc();
      expect(after.workers.map((w) => w.pid)).toEqual(before.workers.map((w) => w.pid));
      expect((await sendRequest({ target: TARGET })).status).toBe(200);
    } finally {
      writeFileSync(configPath, goodConfig);
    }
    // The next good reload clears the failure mark.
    await master.reload({ timeoutMs: 5_000 });
    expect((await master.showProc()).master.failed).toBe(0);
  });

  it("keeps a drained server drained across a reload through the server-state-file", async () => {
    await admin.setState("be", "s1", "drain");
    await admin.setWeight("be", "s2", 7);
    await saveServerState(admin, join(dir, "state"));
    expect(readFileSync(join(dir, "state"), "utf8")).toMatch(/^1\n# be_id be_name srv_id/);
    await master.reload({ timeoutMs: 5_000 });
    const rows = await admin.showServersState("be");
    expect(rows.find((r) => r.server === "s1")?.adminState).toBe("drain");
    expect(rows.find((r) => r.server === "s2")?.userWeight).toBe(7);
    await admin.setState("be", "s1", "ready");
    await admin.setWeight("be", "s2", 5);
  });

  it("restores a touched server's state with set server commands when the backend loads no state", async () => {
    await admin.setState("plain", "p1", "maint");
    await admin.setWeight("plain", "p1", 2);
    const saved = await admin.showServersState();
    await master.reload({ timeoutMs: 5_000 });
    const lost = await admin.showServersState("plain");
    expect(lost[0]).toMatchObject({ forcedAdminState: "ready", userWeight: 4 });
    const commands = stateCommandsToReapply(saved, lost, new Set(["plain/p1"] as const));
    expect(commands).toEqual(["set server plain/p1 weight 2", "set server plain/p1 state maint"]);
    for (const command of commands) expect(await admin.command(command)).toBe("\n");
    expect((await admin.showServersState("plain"))[0]).toMatchObject({ adminState: "maint", userWeight: 2 });
  });

  it("rejects a start with a broken config, carrying HAProxy's alert", async () => {
    const broken = join(dir, "broken.cfg");
    writeFileSync(broken, `frontend f\n    bind ${HOST}:${PORT + 5}\n    bogus_directive 1\n`);
    await expect(
      startMasterWorker({
        configPath: broken,
        masterSocket: join(dir, "broken.sock"),
        startTimeoutMs: 5_000,
      }),
    ).rejects.toThrow(/unknown keyword 'bogus_directive'/);
  });

  it("starts a detached master that stopProcess stops by PID", async () => {
    const path = join(dir, "detached.cfg");
    writeFileSync(
      path,
      `defaults\n    mode http\n    timeout client 1s\nfrontend f\n    bind ${HOST}:${PORT + 6}\n`,
    );
    const detached = await startMasterWorker({
      configPath: path,
      masterSocket: join(dir, "detached.sock"),
      detached: true,
      pidFile: join(dir, "detached.pid"),
    });
    started.push(detached.pid);
    expect(readFileSync(join(dir, "detached.pid"), "utf8").trim()).toBe(String(detached.pid));
    await stopProcess(detached.pid);
    // The PID may linger as a zombie until Node reaps it, so ask the master socket instead.
    await expect(
      sendSocketCommand(detached.masterSocket, "show proc", { quit: true }),
    ).rejects.toBeInstanceOf(RuntimeConnectError);
    expect(detached.stderr()).toMatch(/New worker \(\d+\) forked/);
  });
});
