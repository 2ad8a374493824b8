import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdminSocket } from "../../../src/haproxy/runtime/admin-socket.js";
import { MasterCli } from "../../../src/haproxy/runtime/master-cli.js";
import {
  type MasterWorker,
  startMasterWorker,
  stopProcess,
} from "../../../src/haproxy/runtime/master-process.js";
import { RuntimeCommandError, RuntimeConnectError } from "../../../src/haproxy/runtime/runtime-errors.js";

/* This file's addresses only: HAProxy binds 127.0.30.1:18300, its servers are 18301-18302. */
const HOST = "127.0.30.1";
const PORT = 18300;

let dir: string;
let haproxy: MasterWorker;
let admin: AdminSocket;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "lbguard-admin-"));
  const configPath = join(dir, "haproxy.cfg");
  writeFileSync(
    configPath,
    `global
    stats socket ${dir}/admin.sock level admin mode 600
    stats socket ${dir}/user.sock level user mode 600
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind ${HOST}:${PORT}
    default_backend be
backend be
    server s1 ${HOST}:18301
    server s2 ${HOST}:18302 weight 5
backend fixed
    balance static-rr
    server f1 ${HOST}:18301
`,
  );
  haproxy = await startMasterWorker({ configPath, masterSocket: join(dir, "master.sock") });
  admin = new AdminSocket(join(dir, "admin.sock"), { timeoutMs: 2_000 });
});

afterAll(async () => {
  if (haproxy) await stopProcess(haproxy.pid);
  rmSync(dir, { recursive: true, force: true });
});

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

async function statOf(backend: string, server: string) {
  return (await admin.showStat()).find((r) => r.proxy === backend && r.name === server);
}

describe("AdminSocket against HAProxy", () => {
  it("reads show stat, show info and show servers state of the running worker", async () => {
    const rows = await admin.showStat();
    expect(rows.map((r) => `${r.proxy}/${r.name}:${r.type}`)).toEqual([
      "fe/FRONTEND:frontend",
      "be/s1:server",
      "be/s2:server",
      "be/BACKEND:backend",
      "fixed/f1:server",
      "fixed/BACKEND:backend",
    ]);
    expect(rows[2]).toMatchObject({ status: "no check", weight: 5, address: `${HOST}:18302` });
    const snapshot = await admin.snapshot(() => 42);
    expect(snapshot.at).toBe(42);
    const info = await admin.showInfo();
    const workers = (await new MasterCli(haproxy.masterSocket).showProc()).workers.map((w) => String(w.pid));
    expect(workers).toContain(info.Pid);
    expect((await admin.showServersState("be")).map((r) => r.server)).toEqual(["s1", "s2"]);
  });

  it("sets a weight that show stat then shows, absolute or relative", async () => {
    await admin.setWeight("be", "s1", 3);
    expect((await statOf("be", "s1"))?.weight).toBe(3);
    await admin.setWeight("be", "s2", "40%");
    expect((await statOf("be", "s2"))?.weight).toBe(2);
    await admin.setWeight("be", "s1", 1);
    await admin.setWeight("be", "s2", "100%");
  });

  it("drains, disables and enables a server", async () => {
    await admin.setState("be", "s1", "drain");
    expect((await statOf("be", "s1"))?.status).toBe("DRAIN");
    expect((await admin.showServersState("be"))[0]?.adminState).toBe("drain");
    await admin.disableServer("be", "s1");
    expect((await statOf("be", "s1"))?.status).toBe("MAINT");
    await admin.enableServer("be", "s1");
    await admin.setState("be", "s1", "ready");
    expect((await admin.showServersState("be"))[0]?.adminState).toBe("ready");
  });

  it.each([
    ["an unknown server", () => admin.setWeight("be", "nope", 2), "no-such-server", "No such server."],
    [
      "an unknown backend",
      () => admin.setState("nope", "s1", "drain"),
      "no-such-backend",
      "No such backend.",
    ],
    [
      "a weight over 256",
      () => admin.setWeight("be", "s1", 300),
      "invalid-weight",
      "Absolute weight can only be between 0 and 256 inclusive.",
    ],
    [
      "a weight a static algorithm cannot take",
      () => admin.setWeight("fixed", "f1", 5),
      "invalid-weight",
      "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.",
    ],
    [
      "an unknown backend for show servers state",
      () => admin.showServersState("nope"),
      "no-such-backend",
      "Can't find backend.",
    ],
    ["an unknown command", () => admin.command("frobnicate"), "unknown-command", "Unknown command"],
    [
      "a change on a user-level socket",
      () => new AdminSocket(join(dir, "user.sock")).setWeight("be", "s1", 2),
      "permission-denied",
      "Permission denied",
    ],
    [
      "a server named without its backend",
      () => admin.command("set weight be 3"),
      "refused",
      "Require 'backend/server'.",
    ],
  ])("refuses %s with a typed error carrying HAProxy's answer", async (_, run, kind, answer) => {
    const error = await failure(run());
    expect(error).toBeInstanceOf(RuntimeCommandError);
    expect((error as RuntimeCommandError).kind).toBe(kind);
    expect((error as RuntimeCommandError).answer.startsWith(answer)).toBe(true);
  });

  it("sends no name that could add words or commands", async () => {
    const error = await failure(admin.setState("be", "s1 weight 0; disable server be/s2", "drain"));
    expect(error).toMatchObject({ kind: "refused" });
    expect((await statOf("be", "s2"))?.status).toBe("no check");
  });

  it("tells a missing socket from a refusal", async () => {
    const error = await failure(new AdminSocket(join(dir, "missing.sock")).showStat());
    expect(error).toBeInstanceOf(RuntimeConnectError);
    expect(error).toMatchObject({ reason: "missing", address: join(dir, "missing.sock") });
  });

  it("times out on a socket that never answers", async () => {
    // The master CLI keeps the connection open when the command is not followed by quit.
    const silent = new AdminSocket(haproxy.masterSocket, { timeoutMs: 200 });
    expect(await failure(silent.command("show proc"))).toMatchObject({ reason: "timeout" });
  });
});
