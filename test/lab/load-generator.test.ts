import { afterEach, describe, expect, it } from "vitest";
import { type EmulatedServer, startEmulatedServer } from "../../src/lab/emulated-server.js";
import { runLoad, smoothWeightedRoundRobin } from "../../src/lab/load-generator.js";
import { latencySummary, percentile, summarizeLoad } from "../../src/lab/load-summary.js";
import type { RequestRecord } from "../../src/lab/load-generator.js";

/*
 * Addresses of this file only, so it can run beside other files that start servers: servers on
 * 127.0.31.1-127.0.31.9, ports 18310-18314; nothing ever listens on DEAD.
 */
const DEAD = "http://127.0.31.9:18314";

const started: EmulatedServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function server(
  name: string,
  host: string,
  port: number,
  extra: { latencyMs?: number; capacityRps?: number } = {},
): Promise<EmulatedServer> {
  const s = await startEmulatedServer({ name, host, port, ...extra });
  started.push(s);
  return s;
}

describe("runLoad", () => {
  it("keeps the asked rate when the server is slow (open loop)", async () => {
    const slow = await server("slow", "127.0.31.1", 18310, { latencyMs: 300 });
    const result = await runLoad({ url: "http://127.0.31.1:18310", rps: 100, durationS: 2 });
    expect(result.records).toHaveLength(200);
    const summary = summarizeLoad(result.records);
    expect(summary.failed).toBe(0);
    expect(summary.achievedRps).toBeGreaterThan(85);
    expect(summary.achievedRps).toBeLessThan(115);
    // A closed loop would have one request in flight; 100 req/s x 300 ms is 30 (more when a
    // busy machine delays a timer and the catch-up sends a burst).
    expect(slow.counts().maxInFlight).toBeGreaterThanOrEqual(25);
    expect(slow.counts().maxInFlight).toBeLessThanOrEqual(60);
    // Sends stay on the schedule: the typical one leaves within a few milliseconds of its time.
    const lag = result.records.map((r) => r.sentAt - r.scheduledAt).sort((a, b) => a - b);
    expect(lag[100]).toBeLessThan(20);
    expect(lag[0]).toBeGreaterThanOrEqual(0);
    expect(summary.latencyMs.p50).toBeGreaterThanOrEqual(299);
    // It ends once the last answer is in, not a timeout later.
    expect(result.endedAt - result.startedAt).toBeLessThan(2_000 + 300 + 1_200);
  });

  it("sends the path mix exactly, spread out", async () => {
    const web = await server("web", "127.0.31.1", 18310);
    const result = await runLoad({
      url: "http://127.0.31.1:18310",
      rps: 200,
      durationS: 0.5,
      paths: [
        { path: "/", weight: 7 },
        { method: "POST", path: "/api?x=1", weight: 3 },
      ],
    });
    const keys = result.records.map((r) => `${r.method} ${r.path}`);
    expect(keys).toHaveLength(100);
    expect(keys.filter((k) => k === "GET /")).toHaveLength(70);
    expect(keys.filter((k) => k === "POST /api?x=1")).toHaveLength(30);
    // Within every run of 10 consecutive requests the mix is already 7:3.
    expect(keys.slice(0, 10).filter((k) => k === "GET /")).toHaveLength(7);
    expect(web.counts().requests).toBe(100);
  });

  it("counts 503 from a server over capacity as failed", async () => {
    await server("small", "127.0.31.1", 18310, { capacityRps: 20 });
    const result = await runLoad({ url: "http://127.0.31.1:18310", rps: 100, durationS: 0.5 });
    const summary = summarizeLoad(result.records);
    expect(summary.requests).toBe(50);
    expect(summary.byStatus["200"]).toBe(20);
    expect(summary.byStatus["503"]).toBe(30);
    expect(summary.failed).toBe(30);
    expect(summary.succeeded).toBe(20);
  });

  it("records a refused connection as failed, keyed by its code", async () => {
    const result = await runLoad({ url: DEAD, rps: 50, durationS: 0.2 });
    const summary = summarizeLoad(result.records);
    expect(summary.requests).toBe(10);
    expect(summary.failed).toBe(10);
    expect(summary.byStatus).toEqual({ ECONNREFUSED: 10 });
    expect(summary.latencyMs.p50).toBeNull();
  });

  it("records a timeout when no answer comes in time, and ends a timeout after the last send", async () => {
    await server("stuck", "127.0.31.1", 18310, { latencyMs: 2_000 });
    const result = await runLoad({ url: "http://127.0.31.1:18310", rps: 20, durationS: 0.2, timeoutMs: 150 });
    expect(result.records.map((r) => r.error)).toEqual(["timeout", "timeout", "timeout", "timeout"]);
    expect(result.endedAt - result.startedAt).toBeLessThan(200 + 150 + 400);
    expect(summarizeLoad(result.records).latencyMs.p50).toBeGreaterThanOrEqual(149);
  });

  it("counts answers by the server named in x-served-by", async () => {
    await server("a", "127.0.31.1", 18310);
    await server("b", "127.0.31.2", 18311);
    const [a, b] = await Promise.all([
      runLoad({ url: "http://127.0.31.1:18310", rps: 100, durationS: 0.3 }),
      runLoad({ url: "http://127.0.31.2:18311", rps: 100, durationS: 0.1 }),
    ]);
    expect(summarizeLoad([...a.records, ...b.records]).servedBy).toEqual({ a: 30, b: 10 });
  });

  it("reuses connections with keep-alive and opens one per request without", async () => {
    await server("web", "127.0.31.1", 18310);
    const reused = await runLoad({ url: "http://127.0.31.1:18310", rps: 100, durationS: 0.5 });
    expect(summarizeLoad(reused.records).failed).toBe(0);
    // Answers take well under the 10 ms between sends, so a few sockets carry everything (a
    // burst after a delayed timer may open some more).
    expect(reused.connections).toBeLessThan(15);
    const closed = await runLoad({
      url: "http://127.0.31.1:18310",
      rps: 100,
      durationS: 0.5,
      keepAlive: false,
    });
    expect(summarizeLoad(closed.records).failed).toBe(0);
    expect(closed.connections).toBe(50);
  });

  it("sends from the local address asked for", async () => {
    await server("web", "127.0.31.1", 18310);
    const result = await runLoad({
      url: "http://127.0.31.1:18310",
      rps: 50,
      durationS: 0.1,
      localAddress: "127.0.31.8",
    });
    expect(result.records.every((r) => r.status === 200)).toBe(true);
    const bad = await runLoad({
      url: "http://127.0.31.1:18310",
      rps: 50,
      durationS: 0.1,
      localAddress: "192.0.2.1",
    });
    expect(bad.records.every((r) => r.error === "EADDRNOTAVAIL")).toBe(true);
  });

  it("stops sending on abort and still finishes what is in flight", async () => {
    await server("slow", "127.0.31.1", 18310, { latencyMs: 200 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 250);
    const result = await runLoad({
      url: "http://127.0.31.1:18310",
      rps: 100,
      durationS: 5,
      signal: controller.signal,
    });
    expect(result.records.length).toBeGreaterThanOrEqual(15);
    expect(result.records.length).toBeLessThanOrEqual(45);
    expect(result.records.every((r) => r.status === 200)).toBe(true);
    expect(result.endedAt - result.startedAt).toBeLessThan(1_200);
  });

  it("marks requests over maxInFlight as not sent instead of queueing them", async () => {
    await server("slow", "127.0.31.1", 18310, { latencyMs: 300 });
    const result = await runLoad({
      url: "http://127.0.31.1:18310",
      rps: 100,
      durationS: 0.2,
      maxInFlight: 5,
    });
    const summary = summarizeLoad(result.records);
    expect(summary.byStatus).toEqual({ "200": 5, "max-in-flight": 15 });
  });

  it("reports progress about once a second and once at the end", async () => {
    await server("web", "127.0.31.1", 18310);
    const reports: { sent: number; done: boolean }[] = [];
    await runLoad({
      url: "http://127.0.31.1:18310",
      rps: 50,
      durationS: 1.5,
      onProgress: (p) => reports.push({ sent: p.sent, done: p.done }),
    });
    expect(reports.length).toBe(2);
    expect(reports[0]).toEqual({ sent: expect.any(Number), done: false });
    expect(reports[0]!.sent).toBeGreaterThanOrEqual(49);
    expect(reports.at(-1)).toEqual({ sent: 75, done: true });
  });

  it("rejects options it cannot run", async () => {
    await expect(runLoad({ url: "https://127.0.31.1:18310", rps: 1, durationS: 1 })).rejects.toThrow(
      RangeError,
    );
    await expect(runLoad({ url: DEAD, rps: 0, durationS: 1 })).rejects.toThrow(/rps/);
    await expect(runLoad({ url: DEAD, rps: 1, durationS: -1 })).rejects.toThrow(/durationS/);
  });
});

describe("smoothWeightedRoundRobin", () => {
  it("spreads a 5:1:1 mix the way nginx does", () => {
    const next = smoothWeightedRoundRobin([
      { name: "a", weight: 5 },
      { name: "b", weight: 1 },
      { name: "c", weight: 1 },
    ]);
    expect(Array.from({ length: 7 }, () => next().name).join("")).toBe("aabacaa");
  });
});

describe("summarizeLoad", () => {
  const record = (sentAt: number, extra: Partial<RequestRecord>): RequestRecord => ({
    scheduledAt: sentAt,
    sentAt,
    method: "GET",
    path: "/",
    latencyMs: 0,
    ...extra,
  });

  it("takes percentiles by nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([10, 20, 30, 40, 50], 50)).toBe(30);
    expect(percentile([10, 20, 30, 40, 50], 95)).toBe(50);
    expect(percentile([10, 20, 30, 40, 50], 1)).toBe(10);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
    expect(latencySummary([3, 1, 2, 10])).toEqual({ p50: 2, p95: 10, p99: 10, max: 10 });
  });

  it("counts failures, statuses, errors and servers", () => {
    const records = [
      record(0, { status: 200, latencyMs: 5, servedBy: "a" }),
      record(10, { status: 302, latencyMs: 6, servedBy: "b" }),
      record(20, { status: 404, latencyMs: 7, servedBy: "a" }),
      record(30, { status: 503, latencyMs: 1 }),
      record(40, { error: "ECONNREFUSED", latencyMs: 0.1 }),
      record(50, { error: "timeout", latencyMs: 100 }),
    ];
    expect(summarizeLoad(records)).toEqual({
      requests: 6,
      succeeded: 2,
      failed: 4,
      byStatus: { "200": 1, "302": 1, "404": 1, "503": 1, ECONNREFUSED: 1, timeout: 1 },
      // Refused connections take no time and are left out of latency.
      latencyMs: { p50: 6, p95: 100, p99: 100, max: 100 },
      servedBy: { a: 2, b: 1 },
      achievedRps: 100,
    });
  });

  it("summarises a window of the run", () => {
    const records = Array.from({ length: 10 }, (_, i) => record(i * 100, { status: 200, latencyMs: i }));
    const summary = summarizeLoad(records, { from: 200, to: 700 });
    expect(summary.requests).toBe(5);
    expect(summary.achievedRps).toBe(10);
    expect(summary.latencyMs.max).toBe(6);
    expect(summarizeLoad([]).achievedRps).toBe(0);
  });
});
