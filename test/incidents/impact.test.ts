import { describe, expect, it } from "vitest";
import { computeImpact } from "../../src/incidents/impact.js";
import type { MetricSample, RowSample } from "../../src/monitor/types.js";
import { rowSample } from "../monitor/sample-builders.js";
import { sample, time } from "./incident-fixtures.js";

const WINDOW = { from: time("00:10"), to: time("00:20") };

/** lb-1's servers: web split 50/50, or 95/5 once the balance went wrong. */
function servers(skewed: boolean, web02: Partial<RowSample> = {}): RowSample[] {
  return [
    rowSample("server", "web", { server: "web-01", picked: skewed ? 95 : 50 }),
    rowSample("server", "web", { server: "web-02", picked: skewed ? 5 : 50, ...web02 }),
    rowSample("server", "api", { server: "api-01", status: "DOWN" }),
  ];
}

const www = (fields: Parameters<typeof rowSample>[2]) => rowSample("frontend", "www", fields);

/** lb-1 samples every second on the half second, lb-2 irregularly, with traps at both ends. */
const SAMPLES = new Map<string, MetricSample[]>([
  [
    "lb-1",
    [
      // Ends before the window: left out, failures and all.
      sample("lb-1", "00:09.5", [www({ requests: 100, responses: { "5xx": 50 } }), ...servers(false)]),
      sample("lb-1", "00:10.5", [www({ requests: 100, responses: { "2xx": 100 } }), ...servers(false)]),
      sample("lb-1", "00:11.5", [
        www({ requests: 100, responses: { "2xx": 65, "4xx": 5, "5xx": 30 } }),
        rowSample("backend", "web", { requests: 95, responses: { "5xx": 30 }, connectionErrors: 3 }),
        rowSample("backend", "api", { requests: 5, responses: { "4xx": 5 } }),
        ...servers(false, {
          responses: { "2xx": 0, "3xx": 0, "1xx": 0, "4xx": 0, "5xx": 30, other: 0 },
          connectionErrors: 3,
        }),
      ]),
      // Across a reload: the counters restarted, and the sample holds the gains since.
      sample(
        "lb-1",
        "00:12.5",
        [
          www({ requests: 40, responses: { "2xx": 30, "5xx": 10 }, requestErrors: 2 }),
          rowSample("backend", "web", { requests: 38, responses: { "5xx": 10 } }),
          ...servers(false),
        ],
        1000,
        true,
      ),
      ...[13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5].map((s) =>
        sample("lb-1", `00:${s}`, [
          www({ requests: 100, responses: { "2xx": 100 } }),
          ...servers(s >= 14.5, s === 13.5 ? { status: "DOWN" } : {}),
        ]),
      ),
      // Begins after the window ends: left out.
      sample("lb-1", "00:21.5", [www({ requests: 100, responses: { "5xx": 100 } }), ...servers(true)]),
    ],
  ],
  [
    "lb-2",
    [
      // Ends exactly where the window begins: its interval lies wholly before it.
      sample("lb-2", "00:10", [www({ requests: 70, responses: { "5xx": 70 } })]),
      // A first sample only sets the counters' base.
      sample("lb-2", "00:11", [www({ requests: 999, responses: { "5xx": 999 } })], 0),
      sample("lb-2", "00:15", [www({ requests: 50, responses: { "2xx": 48, other: 2 } })], 4000),
      // Too few requests to be the peak, though every one failed.
      sample("lb-2", "00:16", [www({ requests: 8, responses: { "5xx": 8 } })]),
      sample("lb-2", "00:20", [www({ requests: 10, responses: { "2xx": 10 } })], 4000),
    ],
  ],
]);

describe("computeImpact", () => {
  it("counts the frontends' requests and failures of every sample whose interval overlaps the window", () => {
    const impact = computeImpact(SAMPLES, WINDOW);
    // lb-1: 100 + 100 + 40 + 8 × 100; lb-2: 50 + 8 + 10.
    expect(impact.requests).toBe(1108);
    // lb-1: 35 at 11.5, 12 at the reset; lb-2: 2 other, 8 5xx.
    expect(impact.failed).toBe(57);
    expect(impact).toMatchObject({
      from: WINDOW.from,
      to: WINDOW.to,
      durationS: 10,
      failedPct: 5.14,
      peakErrorPct: 35,
    });
  });

  it("names the backends with failures, worst first, and the servers with errors, gone DOWN or moved", () => {
    const impact = computeImpact(SAMPLES, WINDOW);
    expect(impact.affectedBackends).toEqual([
      { backend: "web", failed: 40, failedPct: 30.08 },
      { backend: "api", failed: 5, failedPct: 100 },
    ]);
    expect(impact.affectedServers).toEqual([
      { server: "web/web-02", why: "30 errors; went DOWN on lb-1; share 50% -> 5% on lb-1" },
      { server: "web/web-01", why: "share 50% -> 95% on lb-1" },
    ]);
  });

  it("measures nothing where there were no samples or no requests", () => {
    expect(computeImpact(new Map(), WINDOW)).toEqual({
      from: WINDOW.from,
      to: WINDOW.to,
      durationS: 10,
      requests: 0,
      failed: 0,
      failedPct: 0,
      peakErrorPct: 0,
      affectedBackends: [],
      affectedServers: [],
    });
  });
});
