import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openAgentContext } from "../../../src/agent/agent-context.js";
import { DEFAULT_POLICY } from "../../../src/agent/bake/policy.js";
import { connectNode } from "../../../src/agent/haproxy-node.js";
import { runManagedAgent, type ManagedAgent } from "../../../src/agent/managed/managed-agent.js";
import { ApiClient } from "../../../src/client/api-client.js";
import { startMasterWorker, type MasterWorker } from "../../../src/haproxy/runtime/master-process.js";
import { until } from "../../helpers.js";
import { startFakeControlPlane, type FakeControlPlane } from "./fake-control-plane.js";

// Loopback 127.0.82.0/24, ports 18830-18849: this file's own.
const TOKEN = "agent-token-lb-1";
const CONFIG = `global
    master-worker

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.82.1:18830
    default_backend web

backend web
    balance roundrobin
    server web-01 127.0.82.11:18831
    server web-02 127.0.82.12:18831
`;

let dir: string | undefined;
let haproxy: MasterWorker | undefined;
let plane: FakeControlPlane | undefined;
let agent: ManagedAgent | undefined;
afterEach(async () => {
  await agent?.stop();
  await plane?.close();
  await haproxy?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  agent = plane = haproxy = dir = undefined;
});

describe("managed agent health reports around reloads, on a real HAProxy with only its master socket", () => {
  it("does not report HAProxy down while it reloads, and reports it down within seconds once it stops", async () => {
    dir = mkdtempSync(join(tmpdir(), "lbguard-reload-health-"));
    const configPath = join(dir, "haproxy.cfg");
    const masterSocket = join(dir, "master.sock");
    writeFileSync(configPath, CONFIG);
    haproxy = await startMasterWorker({ configPath, masterSocket, binary: "/usr/sbin/haproxy" });
    // As the demo drives its nodes: every read goes through the master CLI, which refuses
    // connections while the master re-executes.
    const node = connectNode({ configPath, masterSocket, haproxy: "/usr/sbin/haproxy" });
    plane = await startFakeControlPlane("127.0.82.1", 18840, TOKEN, CONFIG);
    agent = runManagedAgent({
      node,
      ctx: openAgentContext(join(dir, "data"), { ...DEFAULT_POLICY }),
      client: new ApiClient({ server: plane.url, token: TOKEN }),
      haproxy: "/usr/sbin/haproxy",
      // Looks at HAProxy every 50 ms, so that many looks fall inside the reloads' windows.
      intervalMs: 50,
      waitS: 5,
    });
    await until("a first report", 10_000, () => plane!.reports.at(-1)?.health.haproxy === "up");

    let reloads = 0;
    for (; reloads < 12; reloads++) {
      await node.reload();
      await new Promise((r) => setTimeout(r, 150));
    }
    // A look after the last reload, so a failure it caught would have been reported by now.
    await new Promise((r) => setTimeout(r, 500));
    expect(reloads).toBe(12);
    expect(plane.reports.filter((r) => r.health.haproxy === "down").map((r) => r.health.error)).toEqual([]);

    const stoppedAt = Date.now();
    await haproxy.stop();
    const down = await until("a report of HAProxy down", 10_000, () =>
      plane!.reports.find((r) => r.health.haproxy === "down"),
    );
    expect(down.health.error).toBeTruthy();
    // Generous bound: the agent confirms for 2 s; a dead HAProxy must not wait for a heartbeat.
    expect(Date.now() - stoppedAt).toBeLessThan(8_000);
  }, 60_000);
});
