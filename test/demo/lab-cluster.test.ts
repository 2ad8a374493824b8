import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../src/client/api-client.js";
import type { Rollout } from "../../src/control/api-types.js";
import { DEMO_RECORD, readDemoRecord, type DemoRecord } from "../../src/demo/demo-record.js";
import { DEMO_USERS, startLabCluster, type DemoRole, type LabCluster } from "../../src/demo/lab-cluster.js";
import { parseShowProc } from "../../src/haproxy/runtime/master-cli.js";
import { accepts } from "../../src/haproxy/runtime/process-helpers.js";
import { sendSocketCommand } from "../../src/haproxy/runtime/socket-command.js";
import { processCommand } from "../../src/lab/process-command.js";
import { sendRequest } from "../../src/lab/http-client.js";
import { until } from "../helpers.js";

// This file's own loopback range and ports: 127.0.91.0/24, 18950-18969 (HAProxy on 18950, the
// servers on 18960 and 18961); the control plane on a free port.
const NETWORK = { prefix: "127.0.91", firstPort: 18950 };

describe("the demo's lab cluster", () => {
  const work = mkdtempSync(join(tmpdir(), "lbg-demo-"));
  const dir = join(work, "demo");
  let cluster: LabCluster;
  let record: DemoRecord;
  const client = (role: DemoRole) => new ApiClient({ server: cluster.url, token: cluster.tokens[role] });

  beforeAll(async () => {
    cluster = await startLabCluster({
      dir,
      listen: { host: "127.0.0.1", port: 0 },
      network: NETWORK,
      rps: 40,
      bakeS: 4,
    });
    record = readDemoRecord(dir) as DemoRecord;
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 60_000);

  const rolloutEnds = (id: number) =>
    until(`rollout ${id} to end`, 60_000, async () => {
      const rollout = await client("viewer").rolloutStatus(id);
      return rollout.state === "running" ? undefined : rollout;
    });

  it("registers cluster 'demo' at version 1, which both nodes run on the test's addresses", async () => {
    expect(cluster.frontendUrl).toBe("http://127.0.91.10:18950");
    expect(cluster.texts.config).toContain("bind 127.0.91.10:18950");
    expect(cluster.texts.config).not.toContain("127.0.90.");
    const demo = await client("viewer").cluster("demo");
    expect(demo.currentVersion).toBe(1);
    expect(demo.policy.bakeS).toBe(4);
    expect((await client("viewer").version(1)).text).toBe(cluster.texts.config);
    const nodes = await client("viewer").nodes("demo");
    expect(nodes.map((n) => [n.name, n.appliedVersion])).toEqual([
      ["lb-1", 1],
      ["lb-2", 1],
    ]);
    for (const node of cluster.nodes)
      expect(readFileSync(node.configPath, "utf8")).toBe(cluster.texts.config);
  });

  it("gives each role a token of that role, held by the demo's user for it", async () => {
    for (const role of ["admin", "operator", "approver", "viewer"] as const) {
      const me = await client(role).whoami();
      expect([me.name, me.role]).toEqual([DEMO_USERS[role].name, role]);
    }
  });

  it("sends steady traffic through both HAProxy nodes, whose stats reach the control plane", async () => {
    const answer = await sendRequest({ target: cluster.frontendUrl, path: "/" });
    expect(answer.status).toBe(200);
    const perNode = await until("requests on both nodes in the metrics", 15_000, async () => {
      const window = { from: new Date(Date.now() - 60_000).toISOString(), to: new Date().toISOString() };
      const { nodes } = await client("viewer").metrics("demo", window);
      const requests = (node: string) =>
        (nodes[node] ?? [])
          .flatMap((s) => s.rows)
          .filter((r) => r.kind === "frontend" && r.proxy === "www")
          .reduce((sum, r) => sum + r.requests, 0);
      const both = ["lb-1", "lb-2"].map(requests);
      return both.every((n) => n > 20) ? both : undefined;
    });
    expect(perNode).toHaveLength(2);
    const totals = cluster.traffic!.totals();
    expect(totals.sent).toBeGreaterThan(40);
    expect(totals.failed).toBe(0);
  }, 30_000);

  it("passes, approves and rolls out the good example change on both nodes", async () => {
    expect(cluster.texts.good).toContain("server web-03 127.0.91.13:18960");
    const parent = (await client("viewer").cluster("demo")).currentVersion;
    const change = await client("operator").propose("demo", {
      parent,
      message: "web-03 joins the pool",
      config: cluster.texts.good,
    });
    expect(change.verdict).toBe("pass");
    await client("approver").review(change.id, { decision: "approve", comment: "as planned" });
    const rollout: Rollout = await rolloutEnds((await client("operator").rollout(change.id)).id);
    expect(rollout.state, JSON.stringify(rollout.nodes)).toBe("completed");
    expect(rollout.nodes.map((n) => [n.node, n.state])).toEqual([
      ["lb-1", "applied"],
      ["lb-2", "applied"],
    ]);
    for (const node of cluster.nodes) expect(readFileSync(node.configPath, "utf8")).toBe(cluster.texts.good);
  }, 90_000);

  it("blocks the bad example change, and lb-1's agent rolls it back when it is forced", async () => {
    expect(cluster.texts.bad).toContain("server db-01 127.0.91.20:18961");
    const parent = (await client("viewer").cluster("demo")).currentVersion;
    const change = await client("operator").propose("demo", {
      parent,
      message: "one more server",
      config: cluster.texts.bad,
    });
    expect(change.verdict).toBe("block");
    expect(change.findings.map((f) => f.rule)).toContain("non-web-server-in-pool");
    await client("admin").review(change.id, { decision: "approve", comment: "drill", override: "to watch" });
    await client("approver").review(change.id, { decision: "approve", comment: "agreed" });
    const rollout = await rolloutEnds((await client("operator").rollout(change.id)).id);
    expect(rollout.state).toBe("halted");
    expect(rollout.nodes.map((n) => [n.node, n.state])).toEqual([
      ["lb-1", "rolled-back"],
      ["lb-2", "pending"],
    ]);
    for (const node of cluster.nodes) expect(readFileSync(node.configPath, "utf8")).toBe(cluster.texts.good);
  }, 90_000);

  it("stops every process it started, by PID, and removes its record", async () => {
    const masters = cluster.nodes.map((n) => n.pid);
    expect(masters).toEqual(record.haproxy.map((h) => h.masterPid));
    // The workers of the start, and those the reloads of the rollouts forked since.
    const workers = [...record.haproxy.flatMap((h) => h.workerPids)];
    for (const node of cluster.nodes) {
      const answer = await sendSocketCommand(node.masterSocket, "show proc", {
        timeoutMs: 2_000,
        quit: true,
      });
      workers.push(...(parseShowProc(answer)?.workers.map((w) => w.pid) ?? []));
    }
    expect(new Set(workers).size).toBeGreaterThanOrEqual(4);
    for (const pid of masters) expect(processCommand(pid)).toContain("haproxy -W");

    await cluster.stop();
    for (const pid of [...masters, ...workers]) expect(processCommand(pid)).toBeUndefined();
    expect(existsSync(join(dir, DEMO_RECORD))).toBe(false);
    expect(await accepts({ host: "127.0.91.10", port: 18950 }, 500)).toBe(false);
    await expect(client("viewer").health()).rejects.toThrow();
    // A second stop is harmless.
    await cluster.stop();
  }, 60_000);
});
