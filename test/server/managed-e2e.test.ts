import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openAgentContext } from "../../src/agent/agent-context.js";
import { DEFAULT_POLICY } from "../../src/agent/bake/policy.js";
import { connectNode } from "../../src/agent/haproxy-node.js";
import { runManagedAgent, type ManagedAgent } from "../../src/agent/managed/managed-agent.js";
import { ApiClient } from "../../src/client/api-client.js";
import type { NodeStatus, Rollout, StoredEvent } from "../../src/control/api-types.js";
import { startMasterWorker, type MasterWorker } from "../../src/haproxy/runtime/master-process.js";
import { startDbServer, type DbServer } from "../../src/lab/db-server.js";
import { startEmulatedServer, type EmulatedServer } from "../../src/lab/emulated-server.js";
import { runLoad } from "../../src/lab/load-generator.js";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { until } from "../helpers.js";

// Loopback 127.0.50.0/24, ports 18500-18519: this file's own. Both HAProxy nodes bind the same
// frontend (HAProxy sets SO_REUSEPORT), as two LB nodes of one cluster run the same config.
const FRONT = "http://127.0.50.10:18500";
const config = (servers: string): string => `global
    maxconn 512

defaults
    mode http
    option idle-close-on-response
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.50.10:18500
    default_backend web

backend web
    balance roundrobin
    option httpchk GET /health
${servers}`;
const server = (name: string, address: string, weight: number) =>
  `    server ${name} ${address} weight ${weight} check inter 500ms fall 2 rise 2\n`;
const BEFORE = config(server("web-01", "127.0.50.1:18510", 10) + server("web-02", "127.0.50.2:18510", 10));
const SAFE = config(server("web-01", "127.0.50.1:18510", 10) + server("web-02", "127.0.50.2:18510", 12));
/** Seed 002's typo: over web-01's capacity at the cluster's rate, so the gate blocks it. */
const OVERLOADED = config(
  server("web-01", "127.0.50.1:18510", 100) + server("web-02", "127.0.50.2:18510", 1),
);
/** Seed 003: the database put in the web pool; the gate blocks it and live traffic fails on it. */
const DATABASE_IN_POOL = config(
  server("web-01", "127.0.50.3:18511", 10) + server("web-02", "127.0.50.3:18511", 10),
);
const INVENTORY = `servers:
  - { name: web-01, role: web, address: 127.0.50.1:18510, capacity_rps: 120 }
  - { name: web-02, role: web, address: 127.0.50.2:18510, capacity_rps: 120 }
  - { name: db-01, role: db, address: 127.0.50.3:18511 }
`;

interface LbNode {
  name: string;
  dir: string;
  configPath: string;
  haproxy: MasterWorker;
  agent: ManagedAgent;
}

describe("two HAProxy nodes managed by one control plane", () => {
  let cp: RunningServer;
  const root = mkdtempSync(join(tmpdir(), "lbg-e2e-"));
  const web: EmulatedServer[] = [];
  let db: DbServer;
  const nodes: LbNode[] = [];
  let admin: ApiClient;
  let operator: ApiClient;
  let approver: ApiClient;
  let viewer: ApiClient;

  beforeAll(async () => {
    cp = await startServer({ dataDir: join(root, "server"), port: 0 });
    admin = new ApiClient({ server: cp.url, token: cp.bootstrapToken as string });
    const tokenFor = async (name: string, role: "operator" | "approver" | "viewer") => {
      await admin.createUser({ name, role });
      return new ApiClient({ server: cp.url, token: (await admin.createToken({ user: name })).token });
    };
    operator = await tokenFor("olga", "operator");
    approver = await tokenFor("arne", "approver");
    viewer = await tokenFor("vera", "viewer");
    await admin.createCluster({
      name: "web",
      config: BEFORE,
      inventory: INVENTORY,
      rps: 160,
      policy: { bakeS: 4 },
    });

    web.push(await startEmulatedServer({ name: "web-01", host: "127.0.50.1", port: 18510 }));
    web.push(await startEmulatedServer({ name: "web-02", host: "127.0.50.2", port: 18510 }));
    db = await startDbServer({ name: "db-01", host: "127.0.50.3", port: 18511 });
    for (const name of ["lb-1", "lb-2"]) {
      const dir = join(root, name);
      const configPath = join(dir, "haproxy.cfg");
      const masterSocket = join(dir, "master.sock");
      mkdirSync(dir, { recursive: true });
      writeFileSync(configPath, BEFORE);
      const haproxy = await startMasterWorker({ configPath, masterSocket });
      const { token } = await admin.createNode("web", name);
      const agent = runManagedAgent({
        node: connectNode({ configPath, masterSocket, haproxy: "haproxy" }),
        ctx: openAgentContext(join(dir, "data"), DEFAULT_POLICY),
        client: new ApiClient({ server: cp.url, token: token.token }),
        haproxy: "haproxy",
        intervalMs: 500,
        waitS: 10,
      });
      nodes.push({ name, dir, configPath, haproxy, agent });
    }
  }, 60_000);

  afterAll(async () => {
    for (const node of nodes) {
      await node.agent.stop();
      await node.haproxy.stop();
    }
    await Promise.all([...web.map((s) => s.close()), db?.close()]);
    await cp?.close();
    rmSync(root, { recursive: true, force: true });
  }, 60_000);

  const current = async () => (await viewer.cluster("web")).currentVersion;
  const rolloutEnds = (id: number) =>
    until(`rollout ${id} to end`, 90_000, async () => {
      const rollout = await viewer.rolloutStatus(id);
      return rollout.state === "running" ? undefined : rollout;
    });

  it("has the gate block seed 002's after config when an operator proposes it", async () => {
    const change = await operator.propose("web", {
      parent: await current(),
      message: "rebalance",
      config: OVERLOADED,
    });
    expect(change.verdict).toBe("block");
    expect(change.findings.some((f) => f.severity === "error")).toBe(true);
    await expect(approver.review(change.id, { decision: "approve", comment: "ok" })).rejects.toMatchObject({
      code: "LBG_OVERRIDE_REQUIRED",
    });
  });

  it("rolls a safe change approved by a second user out canary first to both nodes", async () => {
    const load = runLoad({ url: FRONT, rps: 60, durationS: 25, keepAlive: false });
    const change = await operator.propose("web", {
      parent: await current(),
      message: "web-02 a little more",
      config: SAFE,
    });
    expect(change.verdict).toBe("pass");
    await expect(operator.review(change.id, { decision: "approve", comment: "mine" })).rejects.toMatchObject({
      code: "LBG_FORBIDDEN",
    });
    const approved = await approver.review(change.id, { decision: "approve", comment: "fine" });
    expect(approved.state).toBe("approved");
    const rollout: Rollout = await rolloutEnds((await operator.rollout(change.id)).id);
    expect(rollout.state).toBe("completed");
    expect(rollout.nodes.map((n) => [n.node, n.state])).toEqual([
      ["lb-1", "applied"],
      ["lb-2", "applied"],
    ]);
    for (const node of nodes) expect(readFileSync(node.configPath, "utf8")).toBe(SAFE);
    expect((await viewer.change(change.id)).state).toBe("applied");
    expect(await current()).toBe(change.version);

    // Canary first: lb-2 started only after lb-1 reported its promotion.
    const events = await viewer.events({ cluster: "web", limit: 1000 });
    const seqOf = (predicate: (e: StoredEvent) => boolean) => events.find(predicate)?.seq ?? Number.NaN;
    const canaryDone = seqOf(
      (e) => e.type === "node.applied" && e.subject === "node:web/lb-1" && e.data.version === change.version,
    );
    const released = seqOf((e) => e.type === "rollout.canary-passed");
    const secondDone = seqOf(
      (e) => e.type === "node.applied" && e.subject === "node:web/lb-2" && e.data.version === change.version,
    );
    expect(canaryDone).toBeLessThan(released);
    expect(released).toBeLessThan(secondDone);
    await load;
  }, 120_000);

  it("rolls back a change forced past the gate on the canary and halts with the second node untouched", async () => {
    const lb2Before = readFileSync(nodes[1]!.configPath, "utf8");
    const lb2Applied = (await viewer.nodes("web")).find((n) => n.name === "lb-2")?.appliedVersion;
    const load = runLoad({ url: FRONT, rps: 80, durationS: 30, keepAlive: false });
    const change = await operator.propose("web", {
      parent: await current(),
      message: "move the pool",
      config: DATABASE_IN_POOL,
    });
    expect(change.verdict).toBe("block");
    await admin.review(change.id, {
      decision: "approve",
      comment: "drill",
      override: "forced to rehearse the rollback",
    });
    // High risk needs a second approval; after the admin's override an approver may give it.
    expect((await approver.review(change.id, { decision: "approve", comment: "agreed" })).state).toBe(
      "approved",
    );
    const rollout = await rolloutEnds((await operator.rollout(change.id)).id);
    expect(rollout.state).toBe("halted");
    expect(rollout.nodes).toEqual([
      expect.objectContaining({ node: "lb-1", state: "rolled-back" }),
      expect.objectContaining({ node: "lb-2", state: "pending" }),
    ]);
    expect((await viewer.change(change.id)).state).toBe("rolled-back");
    expect(readFileSync(nodes[0]!.configPath, "utf8")).toBe(SAFE);
    expect(readFileSync(nodes[1]!.configPath, "utf8")).toBe(lb2Before);
    const lb2 = (await viewer.nodes("web")).find((n) => n.name === "lb-2") as NodeStatus;
    expect(lb2.appliedVersion).toBe(lb2Applied);
    expect(lb2.desiredVersion).toBe(await current());
    const lb2Applies = (await viewer.events({ type: "node.applied", limit: 1000 })).filter(
      (e) => e.subject === "node:web/lb-2" && e.data.version === change.version,
    );
    expect(lb2Applies).toEqual([]);
    // The canary's own events reached the audit log, the rollback among them.
    await until("the canary's rollback event", 10_000, async () =>
      (await viewer.events({ type: "agent.apply.rolled-back", limit: 1000 })).find(
        (e) => e.subject === "node:web/lb-1",
      ),
    );
    await load;
  }, 120_000);

  it("reports a hand edit of node 2's file as drift within 5 s, with the diff", async () => {
    const lb2 = nodes[1]!;
    const edited = readFileSync(lb2.configPath, "utf8").replace("maxconn 512", "maxconn 9999");
    const editedAt = Date.now();
    writeFileSync(lb2.configPath, edited);
    const drift = await until("drift on lb-2", 15_000, async () =>
      (await viewer.nodes("web")).find((n) => n.name === "lb-2")?.drift?.find((d) => d.kind === "file"),
    );
    const reportedAfterMs = Date.now() - editedAt;
    expect(drift.diff).toContain("+    maxconn 9999");
    expect(drift.diff).toContain("-    maxconn 512");
    expect(reportedAfterMs).toBeLessThan(5_000);
    const events = await viewer.events({ type: "node.drift", limit: 1000 });
    expect(events.at(-1)).toMatchObject({ subject: "node:web/lb-2" });
    expect((await viewer.nodes("web")).find((n) => n.name === "lb-1")?.drift).toBeUndefined();
  }, 30_000);

  it("verifies the audit chain, then names the row altered directly in the database", async () => {
    const intact = await viewer.verifyAudit();
    expect(intact.ok).toBe(true);
    expect(intact.checked).toBeGreaterThan(20);
    await sql`UPDATE events SET data = '{"reason":"nothing to see"}' WHERE seq = 7`.execute(cp.store.db);
    const broken = await viewer.verifyAudit();
    expect(broken.ok).toBe(false);
    expect(broken.broken?.seq).toBe(7);
  });
});
