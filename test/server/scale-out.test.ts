import { afterAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../src/client/api-client.js";
import { startServer } from "../../src/server/start-server.js";
import { freshDatabase } from "../store/test-stores.js";
import { BEFORE_CFG, INVENTORY, SAFE_CFG } from "./test-server.js";

describe("replicas on one PostgreSQL", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it("wakes an agent long-polling one replica within 1 s of a rollout started on another", async () => {
    const fresh = await freshDatabase("postgres");
    cleanup.push(fresh.drop);
    const a = await startServer({ database: fresh.database, dataDir: fresh.dataDir, port: 0 });
    cleanup.push(a.close);
    const b = await startServer({ database: fresh.database, dataDir: fresh.dataDir, port: 0 });
    cleanup.push(b.close);
    expect(b.bootstrapToken).toBeUndefined();
    const admin = new ApiClient({ server: a.url, token: a.bootstrapToken as string });

    const cluster = await admin.createCluster({
      name: "web",
      config: BEFORE_CFG,
      inventory: INVENTORY,
      rps: 160,
    });
    const { token } = await admin.createNode("web", "lb-1");
    await admin.createUser({ name: "olga", role: "operator" });
    const operator = new ApiClient({
      server: a.url,
      token: (await admin.createToken({ user: "olga" })).token,
    });
    const agentOnB = new ApiClient({ server: b.url, token: token.token });

    const first = await agentOnB.desired(undefined, 0);
    expect(first.version.id).toBe(cluster.currentVersion);
    const change = await operator.propose("web", {
      parent: cluster.currentVersion,
      message: "m",
      config: SAFE_CFG,
    });
    await admin.review(change.id, { decision: "approve", comment: "ok" });

    const polling = agentOnB.desired(first.version.hash, 20);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await operator.rollout(change.id);
    const desired = await polling;
    const tookMs = Date.now() - started;
    expect(desired.version.id).toBe(change.version);
    expect(desired.rollout).toBeDefined();
    // Woken by the notification, not by its 20 s wait running out (bench/control-plane.mjs measures it).
    expect(tookMs).toBeLessThan(5000);
  });
});
