import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/haproxy/parse/index.js";
import type { Inventory } from "../../src/inventory/inventory.js";
import { readInventory } from "../../src/inventory/read-inventory.js";
import type { Config } from "../../src/model/config.js";
import { simulate } from "../../src/simulate/simulate.js";
import type { FailureOutcome, SimulationResult, TrafficInput } from "../../src/simulate/types.js";

/**
 * Capacity belongs to machines: the rates of every server line at one address add up across
 * backends and are compared with the inventory's capacity_rps, now and when any one loaded
 * machine fails (N-1).
 */

function parse(lines: string[]): Config {
  const text = [
    "defaults",
    "    mode http",
    "    timeout connect 1s",
    "    timeout client 5s",
    "    timeout server 5s",
    ...lines,
    "",
  ].join("\n");
  const { model, diagnostics } = parseConfig([{ path: "capacity.cfg", text }], { env: {} });
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return model;
}

function inventory(
  entries: { name: string; address: string; capacity?: number; role?: string }[],
): Inventory {
  const text = [
    "servers:",
    ...entries.map(
      (e) =>
        `  - { name: ${e.name}, role: ${e.role ?? "web"}, address: "${e.address}"${
          e.capacity === undefined ? "" : `, capacity_rps: ${e.capacity}`
        } }`,
    ),
    "",
  ].join("\n");
  const read = readInventory("inventory.yaml", text);
  expect(read.diagnostics).toEqual([]);
  return read.inventory;
}

/** 3000 samples: every roundrobin cycle used here divides it, so shares come out exact. */
function run(model: Config, input: TrafficInput, inv: Inventory): SimulationResult {
  return simulate(model, { samples: 3000, concurrency: 1, clients: 10, ...input }, inv);
}

function failureOf(result: SimulationResult, server: string): FailureOutcome {
  const found = result.capacity.nMinus1.find((f) => f.failed.server === server);
  expect(found, `no N-1 entry for ${server}`).toBeDefined();
  return found!;
}

const WEB = parse([
  "frontend www",
  "    bind :80",
  "    default_backend web",
  "backend web",
  "    balance roundrobin",
  "    server s1 10.0.0.1:80 weight 2",
  "    server s2 10.0.0.2:80",
  "    server s3 10.0.0.3:80",
]);

const MACHINES = inventory([
  { name: "web-01", address: "10.0.0.1:80", capacity: 50 },
  { name: "web-02", address: "10.0.0.2:80", capacity: 50 },
  { name: "web-03", address: "10.0.0.3:80", capacity: 50 },
]);

describe("capacity now", () => {
  it("lists the machine over its capacity with its rate and the excess", () => {
    // Weights 2,1,1 at 120 req/s: 60, 30, 30.
    const result = run(WEB, { rps: 120 }, MACHINES);
    expect(result.capacity.now).toEqual([
      { backend: "web", server: "web-01", address: "10.0.0.1:80", rps: 60, capacityRps: 50, excessRps: 10 },
    ]);
    const s1 = result.backends[0]!.servers[0]!;
    expect(s1).toMatchObject({ inventoryName: "web-01", capacityRps: 50, rps: 60 });
    expect(s1.utilisation).toBeCloseTo(1.2, 9);
  });

  it("lists nothing when every machine is within its capacity", () => {
    expect(run(WEB, { rps: 100 }, MACHINES).capacity.now).toEqual([]);
  });

  it("ignores machines without a known capacity", () => {
    const unknown = inventory([{ name: "web-01", address: "10.0.0.1:80" }]);
    const result = run(WEB, { rps: 1000 }, unknown);
    expect(result.capacity.now).toEqual([]);
    expect(result.capacity.nMinus1.every((f) => f.overloads.length === 0)).toBe(true);
  });
});

describe("capacity after one machine fails (N-1)", () => {
  it("lists, for each loaded machine failing, who overloads", () => {
    // 80 req/s: 40, 20, 20. web-01 failing leaves 40 + 40; web-02 failing leaves 53.3 + 26.7.
    const result = run(WEB, { rps: 80 }, MACHINES);
    expect(result.capacity.now).toEqual([]);
    expect(result.capacity.nMinus1.map((f) => f.failed.server)).toEqual(["web-01", "web-02", "web-03"]);

    expect(failureOf(result, "web-01")).toMatchObject({
      failed: { backend: "web", server: "web-01", address: "10.0.0.1:80" },
      overloads: [],
      emptied: [],
    });

    const web02 = failureOf(result, "web-02");
    expect(web02.overloads.map((o) => o.server)).toEqual(["web-01"]);
    expect(web02.overloads[0]!.rps).toBeCloseTo(160 / 3, 9);
    expect(web02.overloads[0]!.excessRps).toBeCloseTo(160 / 3 - 50, 9);
    expect(failureOf(result, "web-03").overloads.map((o) => o.server)).toEqual(["web-01"]);
  });

  it("never lists the failed machine among the overloaded", () => {
    const result = run(WEB, { rps: 150 }, MACHINES);
    for (const f of result.capacity.nMinus1) {
      expect(f.overloads.map((o) => o.address)).not.toContain(f.failed.address);
    }
    // 150 req/s over two machines of 50: each survivor overloads whoever fails.
    expect(failureOf(result, "web-01").overloads.map((o) => [o.server, o.rps])).toEqual([
      ["web-02", 75],
      ["web-03", 75],
    ]);
  });

  it("does not fail a machine that carries no traffic", () => {
    const model = parse([
      "frontend www",
      "    bind :80",
      "    default_backend web",
      "backend web",
      "    server s1 10.0.0.1:80",
      "    server s2 10.0.0.2:80",
      "    server s3 10.0.0.3:80 backup",
    ]);
    const result = run(model, { rps: 60 }, MACHINES);
    expect(result.capacity.nMinus1.map((f) => f.failed.server)).toEqual(["web-01", "web-02"]);
    // The backup takes over from neither failure: one active server is still up.
    expect(failureOf(result, "web-01").overloads.map((o) => [o.server, o.rps])).toEqual([["web-02", 60]]);
  });

  it("lists a backend left without any usable server as emptied", () => {
    const model = parse([
      "frontend www",
      "    bind :80",
      "    use_backend api if { path_beg /api }",
      "    default_backend web",
      "backend web",
      "    server s1 10.0.0.1:80",
      "    server s2 10.0.0.2:80",
      "backend api",
      "    server a1 10.0.0.3:80",
    ]);
    const result = run(
      model,
      {
        rps: 120,
        requests: [
          { method: "GET", path: "/", weight: 1 },
          { method: "GET", path: "/api", weight: 1 },
        ],
      },
      MACHINES,
    );
    const api = failureOf(result, "web-03");
    expect(api.emptied).toEqual(["api"]);
    expect(failureOf(result, "web-01").emptied).toEqual([]);
    // web's 60 req/s all land on web-02; api's 60 stay on web-03, which is over its capacity
    // already and is reported under `now`, not as something this failure causes.
    expect(failureOf(result, "web-01").overloads.map((o) => [o.server, o.rps])).toEqual([["web-02", 60]]);
    expect(result.capacity.now.map((o) => o.server)).toContain("web-03");
    expect(failureOf(result, "web-03").overloads).toEqual([]);
  });
});

describe("a machine serving in several backends", () => {
  const model = parse([
    "frontend www",
    "    bind :80",
    "    use_backend api if { path_beg /api }",
    "    default_backend web",
    "backend web",
    "    server s1 10.0.0.1:80",
    "    server s2 10.0.0.2:80",
    "backend api",
    "    server a1 10.0.0.1:80",
    "    server a2 10.0.0.3:80",
  ]);
  const mix: TrafficInput["requests"] = [
    { method: "GET", path: "/", weight: 1 },
    { method: "GET", path: "/api", weight: 1 },
  ];

  it("sums its rates across backends against one capacity", () => {
    // 160 req/s: web 80 (40 + 40), api 80 (40 + 40); 10.0.0.1 carries 40 + 40.
    const result = run(model, { rps: 160, requests: mix }, MACHINES);
    expect(result.capacity.now).toEqual([
      {
        backend: "web, api",
        server: "web-01",
        address: "10.0.0.1:80",
        rps: 80,
        capacityRps: 50,
        excessRps: 30,
      },
    ]);
  });

  it("takes every server line at its address down when it fails", () => {
    const result = run(model, { rps: 80, requests: mix }, MACHINES);
    expect(result.capacity.now).toEqual([]);
    const f = failureOf(result, "web-01");
    expect(f.failed).toEqual({ backend: "web, api", server: "web-01", address: "10.0.0.1:80" });
    // web's 40 all go to web-02, api's 40 all go to web-03; neither exceeds 50.
    expect(f.overloads).toEqual([]);
    const worse = run(model, { rps: 120, requests: mix }, MACHINES);
    expect(failureOf(worse, "web-01").overloads.map((o) => [o.server, o.rps])).toEqual([
      ["web-02", 60],
      ["web-03", 60],
    ]);
  });
});
