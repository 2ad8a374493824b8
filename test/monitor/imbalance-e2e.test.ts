import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAgentContext } from "../../src/agent/agent-context.js";
import { DEFAULT_POLICY } from "../../src/agent/bake/policy.js";
import { connectNode } from "../../src/agent/haproxy-node.js";
import { runManagedAgent, type ManagedAgent } from "../../src/agent/managed/managed-agent.js";
import { ApiClient } from "../../src/client/api-client.js";
import { AdminSocket } from "../../src/haproxy/runtime/admin-socket.js";
import { startMasterWorker, type MasterWorker } from "../../src/haproxy/runtime/master-process.js";
import { startEmulatedServer, type EmulatedServer } from "../../src/lab/emulated-server.js";
import { runLoad } from "../../src/lab/load-generator.js";
import { DEFAULT_ALERT_RULES } from "../../src/monitor/alert-config.js";
import type { Alert } from "../../src/monitor/types.js";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { until } from "../helpers.js";

// Loopback 127.0.61.0/24, ports 18620-18639: this file's own.
const FRONT = "http://127.0.61.10:18620";

/**
 * A weight set by hand on the admin socket, under load, against a running control plane and a
 * managed agent: the imbalance rule sees the observed shares leave the simulator's, the alert
 * fires naming the hand change first among its suspects, and the webhook gets it.
 */
describe("imbalance alert on a weight set by hand", () => {
  const root = mkdtempSync(join(tmpdir(), "lbg-imbalance-"));
  const adminSocketPath = join(root, "lb-1", "admin.sock");
  const config = `global
    maxconn 512
    stats socket ${adminSocketPath} level admin

defaults
    mode http
    option idle-close-on-response
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.61.10:18620
    default_backend web

backend web
    balance roundrobin
    option httpchk GET /health
    server web-01 127.0.61.1:18621 weight 100 check inter 500ms
    server web-02 127.0.61.2:18621 weight 100 check inter 500ms
`;
  let cp: RunningServer;
  let hook: Server;
  const received: { alert: { rule: string; kind: string }; status: string }[] = [];
  const web: EmulatedServer[] = [];
  let haproxy: MasterWorker;
  let agent: ManagedAgent;
  let viewer: ApiClient;

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push(JSON.parse(body) as (typeof received)[number]);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    cp = await startServer({
      dataDir: join(root, "server"),
      port: 0,
      alerts: {
        rules: [...DEFAULT_ALERT_RULES],
        receivers: [{ name: "test", url: hookUrl, format: "generic", minSeverity: "warning" }],
      },
    });
    const admin = new ApiClient({ server: cp.url, token: cp.bootstrapToken as string });
    await admin.createUser({ name: "vera", role: "viewer" });
    viewer = new ApiClient({ server: cp.url, token: (await admin.createToken({ user: "vera" })).token });
    await admin.createCluster({ name: "web", config, rps: 100 });

    for (const [name, host] of [
      ["web-01", "127.0.61.1"],
      ["web-02", "127.0.61.2"],
    ] as const) {
      web.push(await startEmulatedServer({ name, host, port: 18621 }));
    }
    const dir = join(root, "lb-1");
    mkdirSync(dir, { recursive: true });
    const configPath = join(dir, "haproxy.cfg");
    const masterSocket = join(dir, "master.sock");
    writeFileSync(configPath, config);
    haproxy = await startMasterWorker({ configPath, masterSocket });
    const { token } = await admin.createNode("web", "lb-1");
    agent = runManagedAgent({
      node: connectNode({ configPath, masterSocket, haproxy: "haproxy" }),
      ctx: openAgentContext(join(dir, "data"), DEFAULT_POLICY),
      client: new ApiClient({ server: cp.url, token: token.token }),
      haproxy: "haproxy",
      intervalMs: 500,
      waitS: 10,
    });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await haproxy?.stop();
    await Promise.all(web.map((s) => s.close()));
    await cp?.close();
    await new Promise((resolve) => hook?.close(resolve));
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it("fires within 10 s, names the hand change first, and notifies the webhook", async () => {
    const load = runLoad({ url: FRONT, rps: 100, durationS: 35, keepAlive: false });
    const imbalance = async (state: "open" | "firing"): Promise<Alert | undefined> =>
      (await viewer.alerts({ cluster: "web", state })).find((a) => a.kind === "imbalance");

    // Balanced traffic first: samples flowing and no imbalance in sight.
    await until("stats samples from lb-1", 15_000, async () => {
      const { nodes } = await viewer.metrics("web", {
        from: new Date(Date.now() - 60_000).toISOString(),
        to: new Date().toISOString(),
      });
      return (nodes["lb-1"]?.length ?? 0) >= 6 ? true : undefined;
    });
    expect(await imbalance("open")).toBeUndefined();

    const setAt = Date.now();
    await new AdminSocket(adminSocketPath).setWeight("web", "web-02", 10);
    const alert = await until("the imbalance alert to fire", 20_000, () => imbalance("firing"));
    const firedAfterMs = Date.parse(alert.firedAt!) - setAt;
    console.log(`imbalance alert fired ${firedAfterMs} ms after the weight was set by hand`);
    expect(firedAfterMs).toBeLessThanOrEqual(10_000);
    expect(alert.labels).toMatchObject({ node: "lb-1", backend: "web" });

    const [first] = alert.suspects;
    expect(first?.kind).toBe("hand-change");
    expect(first?.touches.servers).toContain("web/web-02");
    expect(first?.rollback).toContain("web/web-02");

    const notified = await until("the webhook notification", 15_000, async () =>
      received.find((r) => r.status === "firing" && r.alert.kind === "imbalance"),
    );
    expect(notified.alert.rule).toBe("imbalance");
    const events = await viewer.events({ cluster: "web", type: "alert", limit: 1000 });
    expect(events.some((e) => e.type === "alert.fired" && e.subject === `alert:${alert.id}`)).toBe(true);
    await load;
  }, 90_000);
});
