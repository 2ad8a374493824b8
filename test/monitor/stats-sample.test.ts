import { describe, expect, it } from "vitest";
import type { StatRow, StatSnapshot } from "../../src/haproxy/runtime/stat-row.js";
import { sampleFrom } from "../../src/monitor/stats-sample.js";
import type { RowSample } from "../../src/monitor/types.js";
import { statRow } from "../agent/bake/stat-fixtures.js";

const T0 = Date.parse("2024-05-01T10:00:00.000Z");

const responses = (ok: number, c5xx = 0): StatRow["responses"] => ({
  "1xx": 0,
  "2xx": ok,
  "3xx": 0,
  "4xx": 0,
  "5xx": c5xx,
  other: 0,
});

/** A frontend, its backend with two servers and a listener, having served `a` and `b` requests. */
function snapshot(
  at: number,
  a: number,
  b: number,
  extra: Partial<Record<"a" | "b", Partial<StatRow>>> = {},
): StatSnapshot {
  return {
    at,
    rows: [
      statRow("www", "FRONTEND", { sessionsTotal: a + b, requestsTotal: a + b, responses: responses(a + b) }),
      statRow("www", "sock-1", { type: "listener", sessionsTotal: a + b }),
      statRow("web", "a", {
        sessionsTotal: a,
        picked: a,
        responses: responses(a),
        weight: 1,
        address: "127.0.0.1:8001",
        ...extra.a,
      }),
      statRow("web", "b", { sessionsTotal: b, picked: b, responses: responses(b), weight: 1, ...extra.b }),
      statRow("web", "BACKEND", { sessionsTotal: a + b, requestsTotal: a + b, responses: responses(a + b) }),
    ],
  };
}

const row = (rows: RowSample[], proxy: string, server?: string): RowSample | undefined =>
  rows.find((r) => r.proxy === proxy && r.server === server);

describe("sampleFrom", () => {
  it("makes the first sample a base: interval 0, no gains, the gauges, and no listeners", () => {
    const sample = sampleFrom(
      "lb-1",
      undefined,
      snapshot(T0, 40, 2, { a: { sessionsCurrent: 3, queueTimeMs: 4 } }),
    );
    expect(sample).toMatchObject({
      node: "lb-1",
      at: "2024-05-01T10:00:00.000Z",
      intervalMs: 0,
      reset: false,
    });
    expect(sample.rows.map((r) => `${r.kind}:${r.proxy}/${r.server ?? ""}`)).toEqual([
      "frontend:www/",
      "server:web/a",
      "server:web/b",
      "backend:web/",
    ]);
    for (const r of sample.rows) {
      expect(r.requests).toBe(0);
      expect(r.responses["2xx"]).toBe(0);
    }
    expect(row(sample.rows, "web", "a")).toMatchObject({
      status: "UP",
      weight: 1,
      sessionsCurrent: 3,
      queueTimeMs: 4,
      address: "127.0.0.1:8001",
    });
  });

  it("counts what each row gained since the previous snapshot, and servers' requests by sessions", () => {
    const before = snapshot(T0, 40, 2);
    const after = snapshot(T0 + 1000, 47, 5, {
      b: {
        connectionErrors: 2,
        retries: 3,
        responses: responses(4, 1),
        status: "DOWN",
        checkStatus: "L4CON",
      },
    });
    const sample = sampleFrom("lb-1", before, after);
    expect(sample).toMatchObject({ intervalMs: 1000, reset: false, at: "2024-05-01T10:00:01.000Z" });
    expect(row(sample.rows, "www")).toMatchObject({ kind: "frontend", requests: 10 });
    expect(row(sample.rows, "web", "a")).toMatchObject({ requests: 7, picked: 7 });
    expect(row(sample.rows, "web", "b")).toMatchObject({
      requests: 3,
      connectionErrors: 2,
      retries: 3,
      responses: { "2xx": 2, "5xx": 1 },
      status: "DOWN",
      checkStatus: "L4CON",
    });
    expect(row(sample.rows, "web")).toMatchObject({ kind: "backend", requests: 10 });
  });

  it("counts a request once when its session opened in one interval and it was read in the next", () => {
    const http = (sessionsTotal: number, requestsTotal: number): StatSnapshot => ({
      at: T0 + sessionsTotal * 100,
      rows: [statRow("www", "FRONTEND", { mode: "http", sessionsTotal, requestsTotal })],
    });
    const tcp = (sessionsTotal: number): StatSnapshot => ({
      at: T0 + sessionsTotal * 100,
      rows: [statRow("db", "FRONTEND", { mode: "tcp", sessionsTotal })],
    });
    const steps = [http(0, 0), http(1, 0), http(2, 2)];
    const counted = steps.slice(1).map((s, i) => sampleFrom("lb-1", steps[i], s).rows[0]?.requests);
    expect(counted).toEqual([0, 2]);
    expect(sampleFrom("lb-1", tcp(1), tcp(4)).rows[0]?.requests).toBe(3);
  });

  it("counts a new worker's counters whole when a reload reset them", () => {
    const sample = sampleFrom("lb-1", snapshot(T0, 40, 2), snapshot(T0 + 1000, 6, 3));
    expect(sample.reset).toBe(true);
    expect(row(sample.rows, "www")?.requests).toBe(9);
    expect(row(sample.rows, "web", "a")?.requests).toBe(6);
    expect(row(sample.rows, "web", "b")?.requests).toBe(3);
  });

  it("counts them whole when the caller knows of a reload the counters cannot show", () => {
    // The new worker already served more than the old one had when last sampled.
    const before = snapshot(T0, 2, 1);
    const after = snapshot(T0 + 1000, 5, 4);
    expect(sampleFrom("lb-1", before, after).reset).toBe(false);
    const sample = sampleFrom("lb-1", before, after, { restarted: true });
    expect(sample.reset).toBe(true);
    expect(row(sample.rows, "www")?.requests).toBe(9);
    expect(row(sample.rows, "web", "a")?.requests).toBe(5);
  });

  it("counts a server the previous snapshot lacked from zero, and ignores one it no longer has", () => {
    const before = snapshot(T0, 40, 2);
    const after = snapshot(T0 + 500, 41, 2);
    after.rows = after.rows.filter((r) => r.name !== "b");
    after.rows.push(statRow("web", "c", { sessionsTotal: 4, picked: 4, responses: responses(4) }));
    const sample = sampleFrom("lb-1", before, after);
    expect(sample.reset).toBe(false);
    expect(row(sample.rows, "web", "b")).toBeUndefined();
    expect(row(sample.rows, "web", "c")?.requests).toBe(4);
    expect(row(sample.rows, "web", "a")?.requests).toBe(1);
  });
});
