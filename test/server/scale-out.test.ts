import { afterAll, describe, expect, it } from "vitest";
import type { Change, DesiredState } from "../../src/control/api-types.js";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { freshDatabase } from "../store/test-stores.js";
import { BEFORE_CFG, INVENTORY, SAFE_CFG } from "./test-server.js";

async function call<T>(
  server: RunningServer,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

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
    const admin = a.bootstrapToken as string;

    const cluster = await call<{ currentVersion: number }>(a, "POST", "/clusters", admin, {
      name: "web",
      config: BEFORE_CFG,
      inventory: INVENTORY,
      rps: 160,
    });
    const { token } = await call<{ token: { token: string } }>(a, "POST", "/clusters/web/nodes", admin, {
      name: "lb-1",
    });
    await call(a, "POST", "/users", admin, { name: "olga", role: "operator" });
    const operator = (await call<{ token: string }>(a, "POST", "/tokens", admin, { user: "olga" })).token;

    const first = await call<DesiredState>(b, "GET", "/agent/desired?wait=0", token.token);
    expect(first.version.id).toBe(cluster.currentVersion);
    const change = await call<Change>(a, "POST", "/clusters/web/changes", operator, {
      parent: cluster.currentVersion,
      message: "m",
      config: SAFE_CFG,
    });
    await call(a, "POST", `/changes/${change.id}/reviews`, admin, { decision: "approve", comment: "ok" });

    const polling = call<DesiredState>(
      b,
      "GET",
      `/agent/desired?wait=20&have=${first.version.hash}`,
      token.token,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    await call(a, "POST", `/changes/${change.id}/rollout`, operator);
    const desired = await polling;
    const tookMs = Date.now() - started;
    expect(desired.version.id).toBe(change.version);
    expect(desired.rollout).toBeDefined();
    // Woken by the notification, not by its 20 s wait running out (bench/control-plane.mjs measures it).
    expect(tookMs).toBeLessThan(5000);
  });
});
