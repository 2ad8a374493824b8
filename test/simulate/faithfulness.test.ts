import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/haproxy/parse/index.js";
import { simulate } from "../../src/simulate/simulate.js";
import {
  type CaseRequest,
  clientAddress,
  disagreement,
  type LabCase,
  plainRequests,
  requireHaproxy,
  runCase,
  shares,
} from "./lab-helpers.js";

/**
 * Faithfulness: a real HAProxy 2.6 in front of emulated servers on loopback, and lbguard's
 * prediction for the same config and the same requests, must agree. Every case starts its own
 * HAProxy, because roundrobin, leastconn and random keep state from the moment HAProxy starts;
 * no server has `check` unless the case is about health checks, so checks never move that
 * state. Requests go one after another (each after the previous answer) wherever the exact
 * sequence is compared: with several in flight, the order in which HAProxy sees them is up to
 * the scheduler.
 */

/** Exact agreement, request by request. */
async function expectSamePicks(c: LabCase): Promise<void> {
  const { config, observed, predicted } = await runCase(c);
  expect(disagreement(c.requests, observed, predicted), config).toBe("");
}

/** Each server's share of the requests within one percentage point. */
async function expectSameShares(c: LabCase): Promise<void> {
  const { observed, predicted } = await runCase(c);
  const seen = shares(observed);
  const foreseen = shares(predicted);
  for (const name of new Set([...Object.keys(seen), ...Object.keys(foreseen)])) {
    const gap = Math.abs((seen[name] ?? 0) - (foreseen[name] ?? 0));
    expect(gap, `${name}: HAProxy ${seen[name] ?? 0}, lbguard ${foreseen[name] ?? 0}`).toBeLessThanOrEqual(
      0.01,
    );
  }
}

/** 200 distinct paths of different shapes, some with a query string HAProxy must ignore. */
function distinctPaths(count: number): CaseRequest[] {
  return Array.from({ length: count }, (_, i) => {
    if (i % 4 === 0) return { path: `/item/${i}` };
    if (i % 4 === 1) return { path: `/api/v1/users/${(i * 7919) % 10007}/orders` };
    if (i % 4 === 2) return { path: `/static/${i.toString(36)}.css?v=${i}` };
    return { path: `/${"x".repeat(1 + (i % 13))}/${i}` };
  });
}

/** One request from each of `count` distinct client addresses. */
function distinctClients(count: number): CaseRequest[] {
  return Array.from({ length: count }, (_, i) => ({ client: clientAddress(i) }));
}

describe("HAProxy 2.6 picks what lbguard predicts", () => {
  it("runs against HAProxy 2.6, the version lbguard models", () => {
    expect(requireHaproxy()).toMatch(/^2\.6\./);
  });

  describe("exact sequences", () => {
    for (const weights of [
      [1, 1, 1],
      [3, 1, 1],
      [100, 1],
      [3, 2, 3, 2, 9],
    ]) {
      it(`roundrobin with weights ${weights.join(",")}`, () =>
        expectSamePicks({
          backend: ["balance roundrobin"],
          servers: weights.map((w, i) => `s${i + 1} weight ${w}`),
          requests: plainRequests(weights[0] === 100 ? 400 : 300),
        }));
    }

    for (const weights of [
      [3, 1, 1],
      [3, 2, 3, 2, 9],
    ]) {
      it(`static-rr with weights ${weights.join(",")}`, () =>
        expectSamePicks({
          backend: ["balance static-rr"],
          servers: weights.map((w, i) => `s${i + 1} weight ${w}`),
          requests: plainRequests(300),
        }));
    }

    it("first: sequential requests never fill the first server, so it takes them all", () =>
      expectSamePicks({
        backend: ["balance first"],
        servers: ["s1 maxconn 2", "s2 maxconn 3", "s3 maxconn 10"],
        requests: plainRequests(100),
      }));

    it("first: a disabled first server passes everything to the next", () =>
      expectSamePicks({
        backend: ["balance first"],
        servers: ["s1 maxconn 2 disabled", "s2 maxconn 3", "s3"],
        requests: plainRequests(100),
      }));

    it("leastconn: with nothing in flight, every server ties and the picks rotate", () =>
      expectSamePicks({
        backend: ["balance leastconn"],
        servers: ["s1 weight 3", "s2", "s3"],
        requests: plainRequests(300),
      }));

    it("random: a single-threaded HAProxy draws the same sequence from every start", () =>
      expectSamePicks({
        backend: ["balance random"],
        servers: ["s1 weight 3", "s2", "s3"],
        requests: plainRequests(300),
      }));
  });

  describe("first with requests in flight together", () => {
    it("fills each server up to its maxconn, in declaration order", async () => {
      // Seven requests in flight at once against 500 ms servers: none finishes before the last
      // arrives, so which server each one gets depends only on how many went before it. The
      // order of arrival is not, so only the counts are compared.
      const c: LabCase = {
        backend: ["balance first"],
        servers: ["s1 maxconn 2", "s2 maxconn 3", "s3 maxconn 10"],
        requests: plainRequests(7),
        inFlight: 7,
        latencyMs: 500,
      };
      const { config, observed } = await runCase(c);
      // The pick-sequence contract covers sequential requests only; the full simulation plays
      // the same seven requests with seven in flight.
      const { model } = parseConfig([{ path: "haproxy.cfg", text: config }], { env: {} });
      const prediction = simulate(model, { concurrency: 7, samples: 7 }, undefined, { failures: false });
      const predicted = Object.fromEntries(
        (prediction.backends.find((b) => b.name === "be")?.servers ?? [])
          .filter((s) => s.share > 0)
          .map((s) => [s.name, Math.round(s.share * 7)]),
      );
      const seen = Object.fromEntries(
        Object.entries(shares(observed)).map(([n, v]) => [n, Math.round(v * 7)]),
      );
      expect(seen).toEqual({ s1: 2, s2: 3, s3: 2 });
      expect(predicted).toEqual(seen);
    });
  });

  describe("hashing: exact server per client and per path", () => {
    for (const hashType of ["map-based", "consistent"]) {
      for (const weights of [
        [1, 1, 1],
        [2, 1, 3],
      ]) {
        it(`source, ${hashType}, weights ${weights.join(",")}, 200 clients`, () =>
          expectSamePicks({
            backend: ["balance source", `hash-type ${hashType}`],
            servers: weights.map((w, i) => `s${i + 1} weight ${w}`),
            requests: distinctClients(200),
          }));
      }

      it(`uri, ${hashType}, 200 paths`, () =>
        expectSamePicks({
          backend: ["balance uri", `hash-type ${hashType}`],
          servers: ["s1", "s2", "s3", "s4"],
          requests: distinctPaths(200),
        }));
    }

    it("source, map-based, with a disabled server left out of the map", () =>
      expectSamePicks({
        backend: ["balance source"],
        servers: ["s1", "s2 disabled", "s3", "s4"],
        requests: distinctClients(150),
      }));

    it("url_param, with round robin for requests without the parameter", () =>
      expectSamePicks({
        backend: ["balance url_param userid"],
        servers: ["s1", "s2 weight 2", "s3"],
        requests: Array.from({ length: 200 }, (_, i) =>
          i % 10 === 9 ? { path: `/profile?other=${i}` } : { path: `/profile?lang=en&userid=u${i * 31}` },
        ),
      }));

    it("hdr(x-user), with round robin for requests without the header", () =>
      expectSamePicks({
        backend: ["balance hdr(x-user)"],
        servers: ["s1", "s2", "s3"],
        requests: Array.from({ length: 200 }, (_, i) =>
          i % 10 === 9 ? {} : { headers: { "x-user": `user-${i * 17}` } },
        ),
      }));
  });

  describe("shares within one percentage point", () => {
    it("leastconn with weights 3,1,1 over 3000 requests", () =>
      expectSameShares({
        backend: ["balance leastconn"],
        servers: ["s1 weight 3", "s2", "s3"],
        requests: plainRequests(3000),
      }));

    it("random with weights 3,1,1 over 3000 requests", () =>
      expectSameShares({
        backend: ["balance random"],
        servers: ["s1 weight 3", "s2", "s3"],
        requests: plainRequests(3000),
      }));

    it("random(1) with weights 1,2,1,4 over 3000 requests, 8 in flight", () =>
      // One draw per pick ignores the servers' load, so requests in flight change nothing.
      expectSameShares({
        backend: ["balance random(1)"],
        servers: ["s1", "s2 weight 2", "s3", "s4 weight 4"],
        requests: plainRequests(3000),
        inFlight: 8,
      }));
  });

  describe("weights, backups and servers out of service", () => {
    it("a weight-0 server takes nothing", () =>
      expectSamePicks({
        backend: ["balance roundrobin"],
        servers: ["s1", "s2 weight 0", "s3 weight 2"],
        requests: plainRequests(60),
      }));

    it("only weight-0 servers: every request gets 503", () =>
      expectSamePicks({
        backend: ["balance roundrobin"],
        servers: ["s1 weight 0", "s2 weight 0"],
        requests: plainRequests(5),
      }));

    it("a disabled server takes nothing", () =>
      expectSamePicks({
        backend: ["balance roundrobin"],
        servers: ["s1 weight 2", "s2 disabled", "s3"],
        requests: plainRequests(60),
      }));

    it("backups stay idle while an active server is up", () =>
      expectSamePicks({
        backend: ["balance roundrobin"],
        servers: ["s1", "s2 disabled", "b1 backup", "b2 backup"],
        requests: plainRequests(20),
      }));

    it("with every active server disabled, only the first backup serves", () =>
      expectSamePicks({
        backend: ["balance roundrobin"],
        servers: ["s1 disabled", "s2 disabled", "b1 backup", "b2 backup"],
        requests: plainRequests(20),
      }));

    it("with option allbackups, the backups share by weight", () =>
      expectSamePicks({
        backend: ["balance roundrobin", "option allbackups"],
        servers: ["s1 disabled", "s2 disabled", "b1 backup", "b2 backup weight 2"],
        requests: plainRequests(30),
      }));

    it("no server in service and no backup: every request gets 503", () =>
      expectSamePicks({
        backend: ["balance roundrobin"],
        servers: ["s1 disabled", "s2 disabled"],
        requests: plainRequests(5),
      }));

    it("a server its health check marks down takes nothing", () =>
      expectSamePicks({
        backend: ["balance roundrobin"],
        servers: ["s1", "s2 check inter 200ms fall 1 rise 1", "s3 weight 2"],
        dead: ["s2"],
        awaitDown: ["s2"],
        requests: plainRequests(60),
      }));

    it("when health checks mark every active server down, the first backup serves", () =>
      expectSamePicks({
        backend: ["balance roundrobin"],
        servers: ["s1 check inter 200ms fall 1 rise 1", "b1 backup", "b2 backup"],
        dead: ["s1"],
        awaitDown: ["s1"],
        requests: plainRequests(20),
      }));
  });
});
