import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openAgentContext, type HaproxyNode } from "../../../src/agent/agent-context.js";
import { DEFAULT_POLICY } from "../../../src/agent/bake/policy.js";
import { contentHash } from "../../../src/agent/config-store.js";
import { runManagedAgent, type ManagedAgent } from "../../../src/agent/managed/managed-agent.js";
import { loadManagedState } from "../../../src/agent/managed/managed-state.js";
import { ApiClient } from "../../../src/client/api-client.js";
import type { Drift } from "../../../src/control/api-types.js";
import { LbguardError } from "../../../src/errors.js";
import { AdminSocket } from "../../../src/haproxy/runtime/admin-socket.js";
import { RuntimeConnectError } from "../../../src/haproxy/runtime/runtime-errors.js";
import { startNodeFixture, type NodeFixture } from "../node-fixture.js";
import { startFakeControlPlane, type FakeControlPlane } from "./fake-control-plane.js";

// Loopback 127.0.40.0/24, ports 18400-18449: this file's own.
const TOKEN = "agent-token-lb-1";
const config = (port: number, weightA = ""): string => `global
    maxconn 512

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.40.1:${port}
    default_backend web

backend web
    balance roundrobin
    server a 127.0.40.11:${port + 1}${weightA}
    server b 127.0.40.12:${port + 1}
`;
const servers = (port: number) => [
  { name: "a", host: "127.0.40.11", port: port + 1 },
  { name: "b", host: "127.0.40.12", port: port + 1 },
];

let fixture: NodeFixture | undefined;
let plane: FakeControlPlane | undefined;
let agent: ManagedAgent | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await agent?.stop();
  await plane?.close();
  await fixture?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  agent = plane = fixture = scratch = undefined;
});

/** Resolves with the first truthy value of `probe`, polled every 100 ms, or fails after `timeoutMs`. */
async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lastDrift = (p: FakeControlPlane, kind: Drift["kind"]): Drift | undefined =>
  p.reports.at(-1)?.drift?.find((d) => d.kind === kind);

async function weightOf(f: NodeFixture, server: string): Promise<number | undefined> {
  return (await new AdminSocket(f.adminSocket).showServersState("web")).find((s) => s.server === server)
    ?.userWeight;
}

function startAgent(f: NodeFixture, p: FakeControlPlane, token = TOKEN): ManagedAgent {
  return runManagedAgent({
    node: f.node,
    ctx: f.ctx,
    client: new ApiClient({ server: p.url, token }),
    haproxy: "haproxy",
    waitS: 5,
  });
}

describe("managed agent against a control plane, on a real HAProxy", () => {
  it("applies a new desired version and reports it, then reports hand edits of the file and the runtime API as drift", async () => {
    fixture = await startNodeFixture(config(18400), servers(18400));
    const v1 = readFileSync(fixture.configPath, "utf8");
    plane = await startFakeControlPlane("127.0.40.1", 18449, TOKEN, v1);
    plane.setPolicy({ drift: "report", bakeS: 1 });
    agent = startAgent(fixture, plane);

    await eventually(() => plane!.applies.find((a) => a.version === 1), 10_000, "the first version");
    expect(plane.applies[0]).toMatchObject({ version: 1, status: "unchanged" });

    const v2 = fixture.withSockets(config(18400, " weight 3"));
    plane.publish(v2, 1);
    const applied = await eventually(() => plane!.applies.find((a) => a.version === 2), 15_000, "version 2");
    expect(applied).toMatchObject({ rollout: 1, status: "promoted" });
    expect(readFileSync(fixture.configPath, "utf8")).toBe(v2);
    expect(await weightOf(fixture, "a")).toBe(3);
    await eventually(
      () => plane!.reports.some((r) => r.runningHash === contentHash(v2)),
      5000,
      "a report of v2",
    );
    await eventually(() => plane!.events.some((e) => e.type === "apply.promoted"), 5000, "the node's events");
    expect(plane.reports.at(-1)?.health).toMatchObject({ haproxy: "up", serversTotal: 0 });

    const edited = v2.replace("balance roundrobin", "balance leastconn");
    const editedAt = Date.now();
    writeFileSync(fixture.configPath, edited);
    const fileDrift = await eventually(() => lastDrift(plane!, "file"), 5000, "file drift");
    expect(Date.now() - editedAt).toBeLessThan(5000);
    expect(fileDrift.runningHash).toBe(contentHash(edited));
    expect(fileDrift.diff.split("\n")).toEqual(
      expect.arrayContaining(["-    balance roundrobin", "+    balance leastconn"]),
    );
    // Policy `report`: the edit stays.
    expect(readFileSync(fixture.configPath, "utf8")).toBe(edited);

    writeFileSync(fixture.configPath, v2);
    await eventually(() => plane!.reports.at(-1)?.drift?.length === 0, 5000, "the drift to clear");

    const setAt = Date.now();
    await new AdminSocket(fixture.adminSocket).setWeight("web", "b", 50);
    const runtimeDrift = await eventually(() => lastDrift(plane!, "runtime"), 5000, "runtime drift");
    expect(Date.now() - setAt).toBeLessThan(5000);
    expect(runtimeDrift.diff).toContain("web/b");
    expect(runtimeDrift.diff).not.toContain("web/a");
    expect(await weightOf(fixture, "b")).toBe(50);
    expect(fixture.ctx.events.read().map((e) => e.type)).toEqual(
      expect.arrayContaining(["drift.seen", "drift.cleared"]),
    );
    expect(loadManagedState(fixture.dataDir).applied).toEqual({ version: 2, hash: contentHash(v2) });
  }, 40_000);

  it("puts the approved file and server state back under the restore policy", async () => {
    fixture = await startNodeFixture(config(18410), servers(18410));
    const v1 = readFileSync(fixture.configPath, "utf8");
    plane = await startFakeControlPlane("127.0.40.1", 18448, TOKEN, v1);
    plane.setPolicy({ drift: "restore", bakeS: 1 });
    agent = startAgent(fixture, plane);
    await eventually(() => plane!.applies.find((a) => a.version === 1), 10_000, "the first version");

    writeFileSync(fixture.configPath, v1.replace("maxconn 512", "maxconn 4"));
    await eventually(() => lastDrift(plane!, "file"), 5000, "file drift");
    await eventually(() => readFileSync(fixture!.configPath, "utf8") === v1, 15_000, "the file put back");
    const restore = await eventually(
      () => plane!.applies.find((a) => a.version === 1 && a.apply !== plane!.applies[0]!.apply),
      10_000,
      "the restore's report",
    );
    expect(restore.status).toBe("promoted");
    const restoreEvents = fixture.ctx.events.read().filter((e) => e.apply === restore.apply);
    expect(restoreEvents.every((e) => e.actor === "lbguard-drift-restore")).toBe(true);
    await eventually(() => plane!.reports.at(-1)?.drift?.length === 0, 5000, "the drift to clear");

    await new AdminSocket(fixture.adminSocket).setWeight("web", "a", 40);
    await new AdminSocket(fixture.adminSocket).setState("web", "b", "maint");
    await eventually(async () => (await weightOf(fixture!, "a")) === 1, 5000, "web/a's weight put back");
    const b = await eventually(
      async () =>
        (await new AdminSocket(fixture!.adminSocket).showServersState("web")).find(
          (s) => s.server === "b" && s.forcedAdminState === "ready",
        ),
      5000,
      "web/b ready again",
    );
    expect(b.userWeight).toBe(1);
    expect(plane.reports.some((r) => r.drift?.some((d) => d.kind === "runtime"))).toBe(true);
  }, 40_000);
});

/** A node whose HAProxy never answers, over a real live file. */
function unreachableNode(dir: string, text: string): HaproxyNode {
  const configPath = join(dir, "haproxy.cfg");
  writeFileSync(configPath, text);
  const down = (): Promise<never> =>
    Promise.reject(
      new RuntimeConnectError(join(dir, "admin.sock"), "refused", "show stat", "connection refused"),
    );
  return { configPath, check: down, reload: down, snapshot: down, runtime: down };
}

describe("managed agent when things are out of reach", () => {
  it("keeps running while the control plane is unreachable, and reports HAProxy down once it answers", async () => {
    scratch = mkdtempSync(join(tmpdir(), "lbguard-managed-"));
    const text = "global\n";
    const node = unreachableNode(scratch, text);
    const ctx = openAgentContext(join(scratch, "data"), { ...DEFAULT_POLICY });
    const lines: string[] = [];
    agent = runManagedAgent({
      node,
      ctx,
      client: new ApiClient({ server: "http://127.0.40.1:18447", token: TOKEN }),
      haproxy: "haproxy",
      waitS: 5,
      log: (line) => lines.push(line),
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect(lines.some((l) => l.includes("cannot reach"))).toBe(true);
    plane = await startFakeControlPlane("127.0.40.1", 18447, TOKEN, text);
    const report = await eventually(() => plane!.reports.at(-1), 10_000, "a report");
    expect(report.health).toMatchObject({ haproxy: "down" });
    expect(report.health.error).toBeTruthy();
    expect(report.runningHash).toBe(contentHash(text));
    await eventually(
      () => plane!.applies.find((a) => a.version === 1 && a.status === "unchanged"),
      10_000,
      "the version",
    );
  }, 30_000);

  it("stops with the catalog error when the control plane refuses the token", async () => {
    scratch = mkdtempSync(join(tmpdir(), "lbguard-managed-"));
    const node = unreachableNode(scratch, "global\n");
    const ctx = openAgentContext(join(scratch, "data"), { ...DEFAULT_POLICY });
    plane = await startFakeControlPlane("127.0.40.1", 18446, TOKEN, "global\n");
    agent = runManagedAgent({
      node,
      ctx,
      client: new ApiClient({ server: plane.url, token: "wrong" }),
      haproxy: "haproxy",
    });
    const error = await agent.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LbguardError);
    expect((error as LbguardError).code).toBe("LBG_UNAUTHENTICATED");
  }, 15_000);
});
