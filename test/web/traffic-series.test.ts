import { describe, expect, it } from "vitest";
import type { MetricSample, RowSample } from "../../src/monitor/types.js";
import {
  completeUntilMs,
  mergeSamples,
  nextFetchFromMs,
  shapeTraffic,
  type BackendTraffic,
  type ExpectedEpoch,
  type SamplesByNode,
} from "../../web/src/traffic-series.js";
import { metricSample, rowSample } from "../monitor/sample-builders.js";

const T0 = Date.parse("2024-05-01T12:00:00.000Z");
const T0_S = T0 / 1000;
const iso = (ms: number) => new Date(ms).toISOString();

interface ServerCounts {
  requests: number;
  /** The balancer's picks; as many as the requests unless said. */
  picked?: number;
  status?: string;
  weight?: number;
  errors5xx?: number;
}

/** Rows of backend `web`: its servers, and the backend row with 2xx for the requests that were not 5xx. */
function webRows(servers: Record<string, ServerCounts>): RowSample[] {
  const rows = Object.entries(servers).map(([name, c]) =>
    rowSample("server", "web", {
      server: name,
      requests: c.requests,
      picked: c.picked ?? c.requests,
      responses: { "2xx": c.requests - (c.errors5xx ?? 0), "5xx": c.errors5xx ?? 0 },
      status: c.status ?? "UP",
      weight: c.weight ?? 1,
    }),
  );
  const total = (f: (c: ServerCounts) => number) => Object.values(servers).reduce((sum, c) => sum + f(c), 0);
  return [
    ...rows,
    rowSample("backend", "web", {
      requests: total((c) => c.requests),
      responses: {
        "2xx": total((c) => c.requests - (c.errors5xx ?? 0)),
        "5xx": total((c) => c.errors5xx ?? 0),
      },
    }),
  ];
}

/** One sample a second for `seconds` seconds, the first ending `offsetMs` after T0, the rows of second `i` from `at(i)`. */
function everySecond(
  node: string,
  seconds: number,
  offsetMs: number,
  at: (i: number) => Record<string, ServerCounts>,
): MetricSample[] {
  return Array.from({ length: seconds }, (_, i) =>
    metricSample(node, iso(T0 + offsetMs + i * 1000), webRows(at(i))),
  );
}

const web = (traffic: BackendTraffic[]) => {
  const found = traffic.find((b) => b.backend === "web");
  if (!found) throw new Error("no backend web");
  return found;
};
const round = (values: readonly (number | null | undefined)[]) =>
  values.map((v) => (v === null || v === undefined ? v : Math.round(v * 100) / 100));

describe("shapeTraffic", () => {
  it("adds the nodes up, second by second, though their agents sample at different moments", () => {
    const nodes: SamplesByNode = {
      "lb-1": everySecond("lb-1", 40, 0, () => ({ "web-01": { requests: 3 }, "web-02": { requests: 1 } })),
      "lb-2": everySecond("lb-2", 40, 500, () => ({ "web-01": { requests: 1 }, "web-02": { requests: 1 } })),
    };
    const traffic = web(shapeTraffic(nodes, [], { fromS: T0_S + 10, toS: T0_S + 30, smoothS: 3, nowS: 10 }));
    expect(traffic.servers).toEqual(["web-01", "web-02"]);
    expect(traffic.times).toHaveLength(21);
    expect(traffic.times[0]).toBe(T0_S + 10);
    expect(new Set(round(traffic.observed[0]!))).toEqual(new Set([66.67]));
    expect(new Set(round(traffic.observed[1]!))).toEqual(new Set([33.33]));
    expect(new Set(round(traffic.rates["2xx"]))).toEqual(new Set([6]));
    expect(round(traffic.now.map((s) => s.requestsPerS))).toEqual([4, 2]);
    expect(traffic.nowRequestsPerS).toBeCloseTo(6, 9);
  });

  it("averages over a few seconds, so one request a second does not swing the shares from 0 to 100%", () => {
    // One request a second, to web-01 and web-02 in turn.
    const nodes: SamplesByNode = {
      "lb-1": everySecond("lb-1", 30, 0, (i) => ({
        "web-01": { requests: i % 2 === 0 ? 1 : 0 },
        "web-02": { requests: i % 2 === 0 ? 0 : 1 },
      })),
    };
    const window = { fromS: T0_S + 5, toS: T0_S + 25, nowS: 10 };
    const raw = web(shapeTraffic(nodes, [], { ...window, smoothS: 1 }));
    expect(new Set(raw.observed[0])).toEqual(new Set([0, 100]));
    const smooth = web(shapeTraffic(nodes, [], { ...window, smoothS: 4 }));
    expect(new Set(smooth.observed[0])).toEqual(new Set([50]));
    expect(new Set(smooth.observed[1])).toEqual(new Set([50]));
  });

  it("spreads a sample that covers several seconds over them", () => {
    const nodes: SamplesByNode = {
      // One sample of 10 s with 40 requests, then 1-second samples of 4.
      "lb-1": [
        metricSample("lb-1", iso(T0 + 10_000), webRows({ "web-01": { requests: 40 } }), {
          intervalMs: 10_000,
        }),
        ...everySecond("lb-1", 10, 11_000, () => ({ "web-01": { requests: 4 } })),
      ],
    };
    const traffic = web(shapeTraffic(nodes, [], { fromS: T0_S + 2, toS: T0_S + 20, smoothS: 1, nowS: 5 }));
    expect(new Set(round(traffic.rates["2xx"]))).toEqual(new Set([4]));
  });

  it("knows no rate before the first stats, rather than a rate of zero", () => {
    const nodes: SamplesByNode = {
      "lb-1": everySecond("lb-1", 10, 20_000, () => ({ "web-01": { requests: 5, errors5xx: 1 } })),
    };
    const traffic = web(shapeTraffic(nodes, [], { fromS: T0_S + 15, toS: T0_S + 29, smoothS: 5, nowS: 5 }));
    const at = (s: number) => traffic.rates["5xx"][traffic.times.indexOf(T0_S + s)];
    // The first sample covers the second ending at 20 s.
    expect([at(15), at(19), at(20), at(23), at(29)]).toEqual([null, null, 1, 1, 1]);
    expect(traffic.rates["2xx"][traffic.times.indexOf(T0_S + 25)]).toBe(4);
  });

  it("leaves a gap where the backend had no request, and shows 0% in the table", () => {
    const nodes: SamplesByNode = {
      "lb-1": everySecond("lb-1", 30, 0, (i) => ({
        "web-01": { requests: i < 10 ? 2 : 0 },
        "web-02": { requests: i < 10 ? 2 : 0 },
      })),
    };
    const traffic = web(shapeTraffic(nodes, [], { fromS: T0_S + 5, toS: T0_S + 29, smoothS: 2, nowS: 5 }));
    expect(traffic.observed[0]!.slice(0, 5)).toEqual([50, 50, 50, 50, 50]);
    expect(traffic.observed[0]!.slice(-5)).toEqual([null, null, null, null, null]);
    expect(traffic.now.map((s) => s.observedPct)).toEqual([0, 0]);
  });

  it("renormalises the prediction over the servers taking requests, as the imbalance alert does", () => {
    const predicted: ExpectedEpoch = {
      sinceMs: T0 - 60_000,
      key: "v1",
      backends: { web: { "web-01": 0.5, "web-02": 0.25, "web-03": 0.25 } },
    };
    const nodes: SamplesByNode = {
      "lb-1": everySecond("lb-1", 20, 0, () => ({
        "web-01": { requests: 2, weight: 2 },
        "web-02": { requests: 1, status: "DOWN", weight: 1 },
        "web-03": { requests: 0, status: "DOWN", weight: 1 },
      })),
      "lb-2": everySecond("lb-2", 20, 0, () => ({
        "web-01": { requests: 2, weight: 2 },
        "web-02": { requests: 1, weight: 1 },
        "web-03": { requests: 0, status: "MAINT", weight: 1 },
      })),
    };
    const traffic = web(
      shapeTraffic(nodes, [predicted], { fromS: T0_S + 5, toS: T0_S + 15, smoothS: 2, nowS: 5 }),
    );
    // web-02 is DOWN on lb-1 only: it still takes requests through lb-2.
    expect(round(traffic.now.map((s) => s.expectedPct))).toEqual([66.67, 33.33, 0]);
    expect(traffic.now.map((s) => s.predictedPct)).toEqual([50, 25, 25]);
    expect(round(traffic.now.map((s) => s.diffPoints))).toEqual([0, 0, 0]);
    expect(traffic.now.map((s) => s.takesRequests)).toEqual([true, true, false]);
    expect(traffic.now[1]!.nodes).toEqual([
      { node: "lb-1", status: "DOWN", weight: 1 },
      { node: "lb-2", status: "UP", weight: 1 },
    ]);
    expect(new Set(round(traffic.expected[0]!))).toEqual(new Set([66.67]));
    expect(new Set(traffic.expected[2]!)).toEqual(new Set([0]));
  });

  it("draws each prediction from when it took effect, and none before the first one known", () => {
    const before: ExpectedEpoch = {
      sinceMs: T0 + 10_000,
      key: "v1",
      backends: { web: { "web-01": 0.5, "web-02": 0.5 } },
    };
    const after: ExpectedEpoch = {
      sinceMs: T0 + 20_000,
      key: "v2",
      backends: { web: { "web-01": 0.75, "web-02": 0.25 } },
    };
    const nodes: SamplesByNode = {
      "lb-1": everySecond("lb-1", 40, 0, () => ({ "web-01": { requests: 1 }, "web-02": { requests: 1 } })),
    };
    const traffic = web(
      shapeTraffic(nodes, [after, before], { fromS: T0_S + 5, toS: T0_S + 30, smoothS: 1, nowS: 5 }),
    );
    const at = (s: number) => traffic.expected[0]![traffic.times.indexOf(T0_S + s)];
    expect([at(5), at(9), at(10), at(19), at(20), at(30)]).toEqual([null, null, 50, 50, 75, 75]);
    expect(traffic.now[0]!.expectedPct).toBe(75);
  });

  it("shares out the balancer's picks, so a server that completes no request still shows its part", () => {
    // A database put in the web pool: picked like the others, it refuses every request.
    const nodes: SamplesByNode = {
      "lb-1": everySecond("lb-1", 20, 0, () => ({
        "web-01": { requests: 3 },
        "web-02": { requests: 3 },
        "db-01": { requests: 0, picked: 2 },
      })),
    };
    const traffic = web(shapeTraffic(nodes, [], { fromS: T0_S + 5, toS: T0_S + 15, smoothS: 2, nowS: 5 }));
    expect(traffic.now.map((s) => [s.server, s.observedPct, s.requestsPerS])).toEqual([
      ["web-01", 37.5, 3],
      ["web-02", 37.5, 3],
      ["db-01", 25, 0],
    ]);
    expect(traffic.nowRequestsPerS).toBe(6);
  });

  it("names servers only the prediction knows, and rates 5xx per server and per backend", () => {
    const predicted: ExpectedEpoch = {
      sinceMs: T0,
      key: "v2",
      backends: { web: { "web-01": 0.5, "web-02": 0.25, "web-03": 0.25 } },
    };
    const nodes: SamplesByNode = {
      "lb-1": everySecond("lb-1", 20, 0, () => ({
        "web-01": { requests: 6, errors5xx: 3 },
        "web-02": { requests: 2 },
      })),
    };
    const traffic = web(
      shapeTraffic(nodes, [predicted], { fromS: T0_S + 5, toS: T0_S + 15, smoothS: 2, nowS: 5 }),
    );
    expect(traffic.servers).toEqual(["web-01", "web-02", "web-03"]);
    expect(traffic.now.map((s) => s.errors5xxPerS)).toEqual([3, 0, 0]);
    expect(traffic.nowRates).toEqual({ "2xx": 5, "4xx": 0, "5xx": 3 });
    // web-03 is not in the running configuration: it takes nothing, so the others share its part.
    expect(round(traffic.now.map((s) => s.expectedPct))).toEqual([66.67, 33.33, 0]);
    expect(traffic.now[2]!.nodes).toEqual([]);
    // No node lists it: no line for it in the chart.
    expect(new Set([...traffic.observed[2]!, ...traffic.expected[2]!])).toEqual(new Set([null]));
    expect(new Set(round(traffic.expected[0]!))).toEqual(new Set([66.67]));
  });
});

describe("fetching samples bit by bit", () => {
  const tick = (node: string, s: number) => metricSample(node, iso(T0 + s * 1000), []);

  it("adds new samples once each and forgets those before the window", () => {
    const held = { "lb-1": [tick("lb-1", 1), tick("lb-1", 2)] };
    const merged = mergeSamples(
      held,
      { "lb-1": [tick("lb-1", 2), tick("lb-1", 3)], "lb-2": [tick("lb-2", 3)] },
      T0 + 2000,
    );
    expect(Object.fromEntries(Object.entries(merged).map(([n, s]) => [n, s.map((x) => x.at)]))).toEqual({
      "lb-1": [iso(T0 + 2000), iso(T0 + 3000)],
      "lb-2": [iso(T0 + 3000)],
    });
  });

  it("fetches from the oldest node's latest sample, but not more than half a minute back", () => {
    expect(nextFetchFromMs({}, T0)).toBe(T0);
    expect(nextFetchFromMs({ "lb-1": [tick("lb-1", 50)], "lb-2": [tick("lb-2", 45)], "lb-3": [] }, 0)).toBe(
      T0 + 45_000,
    );
    expect(nextFetchFromMs({ "lb-1": [tick("lb-1", 100)], "lb-2": [tick("lb-2", 5)] }, 0)).toBe(T0 + 70_000);
  });

  it("draws up to the moment every reporting node has sent its stats for", () => {
    expect(completeUntilMs({})).toBeUndefined();
    expect(completeUntilMs({ "lb-1": [tick("lb-1", 50)], "lb-2": [tick("lb-2", 49)] })).toBe(T0 + 49_000);
    // lb-2 stopped reporting: the chart does not wait for it.
    expect(completeUntilMs({ "lb-1": [tick("lb-1", 50)], "lb-2": [tick("lb-2", 20)] })).toBe(T0 + 50_000);
  });
});
