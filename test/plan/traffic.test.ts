import { describe, expect, it } from "vitest";
import { THRESHOLDS } from "../../src/plan/index.js";
import { backend, changeOf, codes, DEFAULTS, lines, plan, prediction, server } from "./plan-helpers.js";

/**
 * Traffic shifts from hand-built predictions: the plan attaches share and rate before and after
 * to every backend and server, and raises the risk when the numbers say something went wrong.
 */

const WWW = ["frontend www", "    bind 127.0.0.1:18080", "    default_backend web", ""];

function config(...servers: string[]): string {
  return lines(...DEFAULTS, ...WWW, "backend web", ...servers, "");
}

const EVEN = config(
  "    server web-01 127.0.10.1:8080 weight 10 check",
  "    server web-02 127.0.10.2:8080 weight 10 check",
);
const TYPO = config(
  "    server web-01 127.0.10.1:8080 weight 100 check",
  "    server web-02 127.0.10.2:8080 weight 1 check",
);

describe("plan: traffic shifts", () => {
  it("attaches share and rate before and after to every backend and server", () => {
    const before = prediction([backend("web", [server("web-01", 80, 0.5), server("web-02", 80, 0.5)])]);
    const after = prediction([backend("web", [server("web-01", 81, 0.5), server("web-02", 79, 0.5)])]);
    const p = plan(EVEN, EVEN, { before, after });
    expect(p.changes).toEqual([]);
    expect(p.traffic).toEqual([
      {
        backend: "web",
        before: { rps: 160, unservedShare: 0 },
        after: { rps: 160, unservedShare: 0 },
        servers: [
          {
            server: "web-01",
            before: { share: 0.5, rps: 80, state: "active" },
            after: { share: 0.5, rps: 81, state: "active" },
          },
          {
            server: "web-02",
            before: { share: 0.5, rps: 80, state: "active" },
            after: { share: 0.5, rps: 79, state: "active" },
          },
        ],
      },
    ]);
    expect(p.assumptions).toEqual(["hand-built prediction"]);
  });

  it("a server over its inventory capacity after the change is high", () => {
    const before = prediction([
      backend("web", [
        server("web-01", 80, 0.5, { capacityRps: 120 }),
        server("web-02", 80, 0.5, { capacityRps: 120 }),
      ]),
    ]);
    const after = prediction([
      backend("web", [
        server("web-01", 158.4, 0.99, { capacityRps: 120 }),
        server("web-02", 1.6, 0.01, { capacityRps: 120 }),
      ]),
    ]);
    const p = plan(EVEN, TYPO, { before, after });
    const web01 = changeOf(p, { backend: "web", server: "web-01" });
    expect(web01.risk).toBe("high");
    expect(web01.reasons).toContainEqual({
      code: "over-capacity",
      risk: "high",
      message: "web-01 at 158 req/s, over its capacity of 120 (132%)",
    });
    expect(web01.reasons).toContainEqual({
      code: "share-moved",
      risk: "medium",
      message: "web-01 share 50% -> 99%",
    });
    // With predictions, shares come from them: no second, weight-based share reason.
    expect(codes(web01).filter((c) => c === "share-moved")).toHaveLength(1);
    expect(p.traffic[0]?.servers[0]).toMatchObject({ capacityRps: 120, after: { rps: 158.4 } });
    expect(p.overall).toBe("high");
  });

  it("a server whose inventory role is not web getting traffic is high", () => {
    const before = prediction([backend("web", [server("web-01", 60, 0.5), server("web-02", 60, 0.5)])]);
    const after = prediction([
      backend("web", [
        server("web-01", 40, 1 / 3),
        server("web-02", 40, 1 / 3),
        server("db-01", 40, 1 / 3, { role: "db" }),
      ]),
    ]);
    const two = config("    server web-01 127.0.10.1:8080 check", "    server web-02 127.0.10.2:8080 check");
    const three = config(
      "    server web-01 127.0.10.1:8080 check",
      "    server web-02 127.0.10.2:8080 check",
      "    server db-01 127.0.10.3:13306 check",
    );
    const change = changeOf(plan(two, three, { before, after }), { backend: "web", server: "db-01" });
    expect(change).toMatchObject({ kind: "added", risk: "high" });
    expect(change.reasons).toContainEqual({
      code: "traffic-to-non-web",
      risk: "high",
      message: "db-01 is a db server (inventory) and gets 40 req/s (33%)",
    });
  });

  it("a rate that more than doubles on a server whose line did not change is a medium traffic change", () => {
    const before = prediction([backend("web", [server("web-01", 40, 0.5), server("web-02", 40, 0.5)])]);
    const after = prediction([backend("web", [server("web-01", 100, 0.5), server("web-02", 100, 0.5)])]);
    const p = plan(EVEN, EVEN, { before, after });
    const web01 = changeOf(p, { backend: "web", server: "web-01" });
    expect(web01).toMatchObject({
      kind: "changed",
      area: "traffic",
      risk: "medium",
      summary: "server web-01: 40 -> 100 req/s",
      before: { rps: 40, share: 0.5 },
      after: { rps: 100, share: 0.5 },
      span: { file: "after.cfg", line: 12 },
    });
    expect(web01.reasons).toEqual([
      { code: "rate-jump", risk: "medium", message: "web-01 rate 40 -> 100 req/s (x2.5)" },
    ]);
  });

  it(`a share moving by ${THRESHOLDS.shareMove * 100} points or less is no change`, () => {
    const before = prediction([backend("web", [server("web-01", 50, 0.5), server("web-02", 50, 0.5)])]);
    const after = prediction([backend("web", [server("web-01", 70, 0.7), server("web-02", 30, 0.3)])]);
    expect(plan(EVEN, EVEN, { before, after }).changes).toEqual([]);
  });

  it("a backend that loses every usable server is high", () => {
    const before = prediction([backend("web", [server("web-01", 60, 0.5), server("web-02", 60, 0.5)])]);
    const after = prediction([
      backend("web", [server("web-01", 0, 0, { state: "down" }), server("web-02", 0, 0, { state: "down" })], {
        rps: 120,
        unservedShare: 1,
      }),
    ]);
    const change = changeOf(plan(EVEN, EVEN, { before, after }), { backend: "web" });
    expect(change).toMatchObject({ area: "traffic", risk: "high" });
    expect(change.reasons).toEqual([
      {
        code: "backend-loses-servers",
        risk: "high",
        message: "web has no usable server: its 120 req/s get 503",
      },
    ]);
  });

  it("requests that stop reaching any backend are high", () => {
    const frontend = (unroutedShare: number) => ({
      name: "www",
      rps: 100,
      routes: [],
      undeterminedShare: 0,
      unroutedShare,
      notes: [],
    });
    const before = prediction([], [frontend(0)]);
    const after = prediction([], [frontend(0.3)]);
    const change = changeOf(plan(EVEN, EVEN, { before, after }), { frontend: "www" });
    expect(change).toMatchObject({ area: "traffic", risk: "high", span: { line: 7 } });
    expect(codes(change)).toEqual(["requests-unrouted"]);
  });
});
