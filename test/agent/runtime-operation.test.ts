import { afterEach, describe, expect, it } from "vitest";
import { runRuntimeOperation } from "../../src/agent/runtime-operation.js";
import { AdminSocket } from "../../src/haproxy/runtime/admin-socket.js";
import { runLoad } from "../../src/lab/load-generator.js";
import { startNodeFixture, type NodeFixture } from "./node-fixture.js";

// Loopback 127.0.33.0/24, ports 18350-18359: this file's own.
const CONFIG = `global
    maxconn 512

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.33.1:18350
    default_backend web

backend web
    balance roundrobin
    server a 127.0.33.21:18351
    server b 127.0.33.22:18351
`;
const SERVERS = [
  { name: "a", host: "127.0.33.21", port: 18351 },
  { name: "b", host: "127.0.33.22", port: 18351 },
];
const SPAN = { file: "inventory.yaml", line: 1, column: 1, endLine: 1, endColumn: 1 };
const INVENTORY = {
  file: "inventory.yaml",
  servers: [
    {
      name: "a",
      role: "web" as const,
      address: "127.0.33.21:18351",
      host: "127.0.33.21",
      port: 18351,
      capacityRps: 100,
      span: SPAN,
    },
    {
      name: "b",
      role: "web" as const,
      address: "127.0.33.22:18351",
      host: "127.0.33.22",
      port: 18351,
      capacityRps: 100,
      span: SPAN,
    },
  ],
};

let fixture: NodeFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

const status = async (f: NodeFixture, server: string): Promise<string | undefined> =>
  (await new AdminSocket(f.adminSocket).showStat()).find((r) => r.proxy === "web" && r.name === server)
    ?.status;

describe("runtime operations through the gate and the watch", () => {
  it("refuses to disable a server when the other cannot carry the load it serves now", async () => {
    fixture = await startNodeFixture(CONFIG, SERVERS, { bakeS: 1 });
    fixture.ctx.inventory = INVENTORY;
    const load = runLoad({ url: "http://127.0.33.1:18350", rps: 150, durationS: 2 });
    await new Promise((r) => setTimeout(r, 300));
    const outcome = await runRuntimeOperation(fixture.node, fixture.ctx, {
      backend: "web",
      server: "a",
      action: { kind: "disable" },
      actor: "test",
    });
    await load;
    expect(outcome.status).toBe("blocked");
    expect(outcome.gate?.findings.map((f) => f.rule)).toContain("capacity/over-capacity");
    expect(await status(fixture, "a")).toBe("no check");
    expect(fixture.ctx.events.read().map((e) => e.type)).toEqual(["runtime.started", "runtime.blocked"]);
  }, 20_000);

  it("drains a server the other can cover, watches, keeps it, and names the undo command", async () => {
    fixture = await startNodeFixture(CONFIG, SERVERS, { bakeS: 1 });
    fixture.ctx.inventory = INVENTORY;
    const load = runLoad({ url: "http://127.0.33.1:18350", rps: 60, durationS: 3 });
    await new Promise((r) => setTimeout(r, 300));
    const outcome = await runRuntimeOperation(fixture.node, fixture.ctx, {
      backend: "web",
      server: "b",
      action: { kind: "drain" },
      actor: "test",
    });
    const records = (await load).records;
    expect(outcome).toMatchObject({
      status: "kept",
      command: "set server web/b state drain",
      revert: "set server web/b state ready",
    });
    expect(await status(fixture, "b")).toBe("DRAIN");
    expect(records.every((r) => r.status === 200)).toBe(true);
    expect(fixture.ctx.journal.current()).toBeUndefined();
  }, 20_000);

  it("keeps a runtime weight across the agent's own reload", async () => {
    fixture = await startNodeFixture(CONFIG, SERVERS, { bakeS: 0 });
    await runRuntimeOperation(fixture.node, fixture.ctx, {
      backend: "web",
      server: "b",
      action: { kind: "weight", weight: 7 },
      actor: "test",
    });
    await fixture.node.reload();
    const row = (await new AdminSocket(fixture.adminSocket).showStat()).find((r) => r.name === "b");
    expect(row?.weight).toBe(7);
  }, 20_000);
});
