import { afterEach, describe, expect, it } from "vitest";
import type { HaproxyNode } from "../../src/agent/agent-context.js";
import type { StatSnapshot } from "../../src/haproxy/runtime/stat-row.js";
import { sendRequest } from "../../src/lab/http-client.js";
import { sampleBeforeReload, StatsRecorder } from "../../src/monitor/stats-recorder.js";
import type { MetricSample } from "../../src/monitor/types.js";
import { statRow } from "../agent/bake/stat-fixtures.js";
import { startNodeFixture, type NodeFixture } from "../agent/node-fixture.js";
import { until } from "../helpers.js";

// Loopback 127.0.60.0/24, ports 18600-18601: this file's own.
const config = `global
    maxconn 256

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.60.1:18600
    default_backend web

backend web
    balance roundrobin
    server a 127.0.60.11:18601
    server b 127.0.60.12:18601
`;
const servers = [
  { name: "a", host: "127.0.60.11", port: 18601, latencyMs: 40 },
  { name: "b", host: "127.0.60.12", port: 18601, latencyMs: 40 },
];

let fixture: NodeFixture | undefined;
let recorder: StatsRecorder | undefined;
afterEach(async () => {
  await recorder?.stop();
  await fixture?.stop();
  recorder = fixture = undefined;
});

async function send(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const { status } = await sendRequest({ target: "http://127.0.60.1:18600" });
    expect(status).toBe(200);
  }
}

/** What the samples counted for one row, added up: its requests, or its 2xx responses. */
const counted = (
  samples: MetricSample[],
  proxy: string,
  server?: string,
  what: "requests" | "2xx" = "requests",
): number =>
  samples
    .flatMap((s) => s.rows)
    .filter((r) => r.proxy === proxy && r.server === server)
    .reduce((sum, r) => sum + (what === "2xx" ? r.responses["2xx"] : r.requests), 0);

describe("StatsRecorder on a real HAProxy", () => {
  it("shows the requests sent through HAProxy as gains, and the servers' response time", async () => {
    fixture = await startNodeFixture(config, servers);
    const samples: MetricSample[] = [];
    recorder = new StatsRecorder({
      node: fixture.node,
      name: "lb-1",
      sink: (s) => samples.push(s),
      intervalMs: 100,
    });
    recorder.start();
    await until("the first sample", 10_000, () => samples.length > 0, 20);
    expect(samples[0]?.intervalMs).toBe(0);

    await send(10);
    await recorder.flush();
    // The frontend also counts the connection the fixture opened to see it listen, whenever
    // HAProxy gets to it; only our requests got a 2xx.
    expect(counted(samples, "www", undefined, "2xx")).toBe(10);
    expect(counted(samples, "web")).toBe(10);
    expect(counted(samples, "web", "a") + counted(samples, "web", "b")).toBe(10);
    const last = samples.at(-1)!;
    expect(last.rows.find((r) => r.kind === "frontend")).toMatchObject({ proxy: "www", status: "OPEN" });
    const a = last.rows.find((r) => r.server === "a");
    expect(a).toMatchObject({ kind: "server", proxy: "web", address: "127.0.60.11:18601" });
    expect(a?.responseTimeMs).toBeGreaterThanOrEqual(30);
    expect(samples.reduce((sum, s) => sum + s.rows.reduce((n, r) => n + r.responses["2xx"], 0), 0)).toBe(30);
  }, 30_000);

  it("loses no counted request across a reload made through sampleBeforeReload", async () => {
    fixture = await startNodeFixture(config, servers);
    // A worker that never saw the fixture's check that the port listens, whose 4xx and request
    // error the next worker would lack: counters that went down would tell the reset by themselves.
    await fixture.node.reload();
    const samples: MetricSample[] = [];
    recorder = new StatsRecorder({
      node: fixture.node,
      name: "lb-1",
      sink: (s) => samples.push(s),
      // Only the first sample comes from the timer: one soon after the reload would see the
      // new worker's counters still below the old ones, and tell the reset by itself.
      intervalMs: 60_000,
    });
    const node = sampleBeforeReload(fixture.node, recorder);
    recorder.start();
    await until("the first sample", 10_000, () => samples.length > 0, 20);

    await send(4);
    await node.reload();
    // More than the old worker served, so that no counter of the new one reads lower.
    await send(7);
    await recorder.flush();
    expect(counted(samples, "www", undefined, "2xx")).toBe(11);
    expect(counted(samples, "web")).toBe(11);
    expect(counted(samples, "web", "a") + counted(samples, "web", "b")).toBe(11);
    expect(samples.map((s) => s.reset)).toEqual([false, false, true]);
  }, 30_000);
});

describe("StatsRecorder", () => {
  const snapshotAt = (at: number, requests: number): StatSnapshot => ({
    at,
    rows: [statRow("www", "FRONTEND", { requestsTotal: requests, sessionsTotal: requests })],
  });

  it("skips a failed snapshot and measures the next one against the last good one, telling the failure once", async () => {
    const answers: (StatSnapshot | Error)[] = [
      snapshotAt(1000, 5),
      new Error("socket gone"),
      new Error("socket gone"),
      snapshotAt(4000, 12),
    ];
    const errors: unknown[] = [];
    const samples: MetricSample[] = [];
    const node = {
      snapshot: async () => {
        const next = answers.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
    };
    recorder = new StatsRecorder({
      node,
      name: "lb-1",
      sink: (s) => samples.push(s),
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 4; i++) await recorder.flush();
    expect(samples.map((s) => [s.intervalMs, s.rows[0]?.requests])).toEqual([
      [0, 0],
      [3000, 7],
    ]);
    expect(errors).toHaveLength(1);
  });

  it("samples every interval less the time a sample took, until stopped", async () => {
    let now = 0;
    const waits: number[] = [];
    let taken = 0;
    const node = {
      snapshot: async () => {
        now += 30;
        return snapshotAt(now, ++taken);
      },
    };
    const samples: MetricSample[] = [];
    recorder = new StatsRecorder({
      node,
      name: "lb-1",
      sink: (s) => samples.push(s),
      intervalMs: 1000,
      clock: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
        if (waits.length === 3) void recorder!.stop();
      },
    });
    recorder.start();
    await until("three waits", 10_000, () => waits.length === 3, 20);
    await recorder.stop();
    expect(waits).toEqual([970, 970, 970]);
    expect(samples.map((s) => s.intervalMs)).toEqual([0, 1000, 1000]);
  });

  it("marks no restart when the reload fails, and the sample before it still reaches the sink", async () => {
    const answers = [snapshotAt(1000, 5), snapshotAt(2000, 8), snapshotAt(3000, 9)];
    const samples: MetricSample[] = [];
    const node = { snapshot: async () => answers.shift()! } as unknown as HaproxyNode;
    node.reload = async () => {
      throw new Error("the master refused the reload");
    };
    recorder = new StatsRecorder({ node, name: "lb-1", sink: (s) => samples.push(s) });
    await recorder.flush();
    await expect(sampleBeforeReload(node, recorder).reload()).rejects.toThrow("refused");
    await recorder.flush();
    expect(samples.map((s) => [s.reset, s.rows[0]?.requests])).toEqual([
      [false, 0],
      [false, 3],
      [false, 1],
    ]);
  });
});
