import { describe, expect, it } from "vitest";
import { rollupSamples } from "../../src/monitor/rollup.js";
import { sample, server } from "./metric-fixtures.js";
import { rowSample } from "./sample-builders.js";

describe("rollupSamples", () => {
  it("adds up each minute's counters and keeps the last sample's gauges, whatever the input order", () => {
    const first = sample("lb-1", "2024-05-01T12:00:10.000Z", [
      rowSample("frontend", "www", {
        requests: 10,
        responses: { "1xx": 0, "2xx": 9, "3xx": 0, "4xx": 0, "5xx": 1, other: 0 },
      }),
      server("web-01", { requests: 6, picked: 6, connectionErrors: 1, weight: 10, sessionsCurrent: 3 }),
    ]);
    const second = sample(
      "lb-1",
      "2024-05-01T12:00:59.999Z",
      [
        rowSample("frontend", "www", {
          requests: 5,
          responses: { "1xx": 0, "2xx": 3, "3xx": 0, "4xx": 2, "5xx": 0, other: 0 },
        }),
        server("web-01", {
          requests: 4,
          picked: 4,
          status: "DOWN",
          weight: 5,
          sessionsCurrent: 1,
          checkStatus: "L4CON",
        }),
      ],
      { intervalMs: 49_999, reset: true },
    );
    const next = sample("lb-1", "2024-05-01T12:01:00.000Z", [server("web-01", { requests: 7 })]);

    const rollups = rollupSamples([next, second, first]);

    expect(rollups.map((r) => [r.at, r.intervalMs, r.reset])).toEqual([
      ["2024-05-01T12:00:00.000Z", 59_999, true],
      ["2024-05-01T12:01:00.000Z", 10_000, false],
    ]);
    const [minute] = rollups;
    expect(minute?.node).toBe("lb-1");
    expect(minute?.rows).toEqual([
      rowSample("frontend", "www", {
        requests: 15,
        responses: { "1xx": 0, "2xx": 12, "3xx": 0, "4xx": 2, "5xx": 1, other: 0 },
      }),
      server("web-01", {
        requests: 10,
        picked: 10,
        connectionErrors: 1,
        status: "DOWN",
        weight: 5,
        sessionsCurrent: 1,
        checkStatus: "L4CON",
      }),
    ]);
    expect(rollups[1]?.rows).toEqual([server("web-01", { requests: 7 })]);
  });

  it("averages HAProxy's times over the samples that had one, and leaves a time out when none had it", () => {
    const rollups = rollupSamples([
      sample("lb-1", "2024-05-01T12:00:10.000Z", [server("web-01", { queueTimeMs: 2, responseTimeMs: 10 })]),
      sample("lb-1", "2024-05-01T12:00:20.000Z", [server("web-01", { responseTimeMs: 20 })]),
      sample("lb-1", "2024-05-01T12:00:30.000Z", [server("web-01", { responseTimeMs: 60 })]),
    ]);
    expect(rollups).toHaveLength(1);
    const [only] = rollups[0]?.rows ?? [];
    expect(only?.queueTimeMs).toBe(2);
    expect(only?.responseTimeMs).toBe(30);
    expect(only).not.toHaveProperty("totalTimeMs");
  });

  it("keeps a row that left the configuration mid-minute, with the gauges it last had", () => {
    const rollups = rollupSamples([
      sample("lb-1", "2024-05-01T12:00:10.000Z", [
        server("web-01", { requests: 1 }),
        server("web-02", { requests: 2, weight: 3 }),
      ]),
      sample("lb-1", "2024-05-01T12:00:20.000Z", [server("web-01", { requests: 1 })]),
    ]);
    expect(rollups[0]?.rows).toEqual([
      server("web-01", { requests: 2 }),
      server("web-02", { requests: 2, weight: 3 }),
    ]);
  });

  it("tells servers of the same name in different backends apart", () => {
    const rollups = rollupSamples([
      sample("lb-1", "2024-05-01T12:00:10.000Z", [
        server("s1", { requests: 1 }),
        rowSample("server", "api", { server: "s1", requests: 5 }),
      ]),
    ]);
    expect(rollups[0]?.rows.map((r) => [r.proxy, r.server, r.requests])).toEqual([
      ["web", "s1", 1],
      ["api", "s1", 5],
    ]);
  });

  it("rolls nothing up from no samples", () => {
    expect(rollupSamples([])).toEqual([]);
  });
});
