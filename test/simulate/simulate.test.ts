import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "../../src/haproxy/parse/index.js";
import { readInventory } from "../../src/inventory/read-inventory.js";
import type { Config } from "../../src/model/config.js";
import { simulate } from "../../src/simulate/simulate.js";
import type { BackendPrediction, SimulationResult } from "../../src/simulate/types.js";
import { SHARED } from "../helpers.js";

/**
 * The whole prediction: traffic defaults said out loud, backend and server rates, the seed-002
 * outage (a weight typo) predicted before it ships, and the same numbers on every run.
 */

function parse(text: string, path = "test.cfg"): Config {
  const { model, diagnostics } = parseConfig([{ path, text }], { env: {} });
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return model;
}

function backendOf(result: SimulationResult, name: string): BackendPrediction {
  const found = result.backends.find((b) => b.name === name);
  expect(found, `no backend ${name}`).toBeDefined();
  return found!;
}

function rpsByServer(backend: BackendPrediction): Record<string, number> {
  return Object.fromEntries(backend.servers.map((s) => [s.name, s.rps]));
}

describe("seed-002: a weight typo overloads one server", () => {
  const path = join(SHARED, "scenarios", "seed-002-one-server-overloaded.yaml");
  const text = readFileSync(path, "utf8");
  const scenario = parseYaml(text) as { before: string; after: string; load: { rps: number } };
  const { inventory, diagnostics } = readInventory(path, text);

  it("reads the scenario as an inventory with capacities", () => {
    expect(diagnostics).toEqual([]);
    expect(scenario.load.rps).toBe(160);
    expect(inventory.servers.map((s) => [s.name, s.capacityRps])).toEqual([
      ["web-01", 120],
      ["web-02", 120],
    ]);
  });

  it("after the change, web-01 takes about 158.4 of 160 req/s, over its capacity of 120", () => {
    const result = simulate(parse(scenario.after, "after.cfg"), { rps: scenario.load.rps }, inventory);
    const web = backendOf(result, "web");
    expect(web.rps).toBe(160);
    const [web01, web02] = web.servers;
    // Weights 100 and 1: 160 × 100/101 = 158.42.
    expect(Math.abs(web01!.rps - (160 * 100) / 101)).toBeLessThan(0.5);
    expect(Math.abs(web02!.rps - 160 / 101)).toBeLessThan(0.5);
    expect(web01).toMatchObject({ name: "web-01", capacityRps: 120, inventoryName: "web-01" });
    expect(web01!.utilisation).toBeGreaterThan(1.3);
    expect(result.capacity.now).toHaveLength(1);
    const overload = result.capacity.now[0]!;
    expect(overload).toMatchObject({ server: "web-01", backend: "web", address: "127.0.10.1:8080" });
    expect(overload.capacityRps).toBe(120);
    expect(Math.abs(overload.excessRps - ((160 * 100) / 101 - 120))).toBeLessThan(0.5);
  });

  it("before the change, the two servers share 80/80 and neither is over capacity", () => {
    const result = simulate(parse(scenario.before, "before.cfg"), { rps: scenario.load.rps }, inventory);
    expect(rpsByServer(backendOf(result, "web"))).toEqual({ "web-01": 80, "web-02": 80 });
    expect(result.capacity.now).toEqual([]);
    // Either one failing leaves 160 req/s on the other, over its 120.
    expect(
      result.capacity.nMinus1.map((f) => [f.failed.server, f.overloads.map((o) => [o.server, o.rps])]),
    ).toEqual([
      ["web-01", [["web-02", 160]]],
      ["web-02", [["web-01", 160]]],
    ]);
  });
});

const TWO_BACKENDS = `
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind :80
    use_backend api if { path_beg /api }
    default_backend web

backend web
    balance random
    server w1 10.0.0.1:80 weight 3
    server w2 10.0.0.2:80
    server w3 10.0.0.3:80 weight 2

backend api
    balance source
    server a1 10.0.1.1:80
    server a2 10.0.1.2:80

backend spare
    balance roundrobin
    server s1 10.0.2.1:80
    server s2 10.0.2.2:80 weight 3
    server s3 10.0.2.3:80 backup
`;

describe("traffic defaults", () => {
  it("lists every value that was assumed", () => {
    const result = simulate(parse(TWO_BACKENDS), {}, undefined, { failures: false });
    const assumptions = result.traffic.assumptions.join("\n");
    expect(result.traffic.frontendRps).toEqual({ www: 100 });
    expect(assumptions).toMatch(/100 req\/s .*'www'/);
    expect(assumptions).toContain("GET /");
    // No rule of this config tests the Host header, so its absence is not worth a word.
    expect(assumptions).not.toContain("Host header");
    expect(assumptions).toContain("1000 distinct client addresses");
    expect(assumptions).toContain("no concurrency given");
    expect(result.traffic.clients).toHaveLength(1000);
    expect(result.traffic.concurrency).toBe(1);
  });

  it("says the Host header is unknown when a rule that tests it makes shares undetermined", () => {
    const text =
      "frontend www\n  bind :80\n  use_backend b if { hdr(host) -i b.example }\n  default_backend a\nbackend a\n  server a1 10.0.0.1:80\nbackend b\n  server b1 10.0.0.2:80\n";
    const result = simulate(parse(text), {}, undefined, { failures: false });
    expect(result.traffic.assumptions.join("\n")).toContain("Host header is unknown");
    expect(result.frontends[0]?.undeterminedShare).toBe(1);
  });

  it("assumes nothing that was given", () => {
    const result = simulate(
      parse(TWO_BACKENDS),
      {
        rps: 50,
        requests: [{ method: "GET", path: "/", host: "www.example.com", weight: 1 }],
        clients: 10,
        concurrency: 2,
      },
      undefined,
      { failures: false },
    );
    expect(result.traffic.assumptions).toEqual([]);
    expect(result.traffic.frontendRps).toEqual({ www: 50 });
  });

  it("says when other frontends are assumed to get no traffic", () => {
    const text = `${TWO_BACKENDS}\nfrontend internal\n    bind :8080\n    default_backend api\n`;
    const result = simulate(parse(text), { rps: 10 }, undefined, { failures: false });
    expect(result.traffic.assumptions.join("\n")).toContain("no traffic on the other frontends ('internal')");
    expect(backendOf(result, "api").rps).toBe(0);
  });
});

describe("where the load goes when no frontend is named", () => {
  it("passes over a health frontend that forwards nowhere", () => {
    const health = "frontend health\n    bind 127.0.0.1:8404\n    mode http\n    monitor-uri /healthz\n";
    const text = TWO_BACKENDS.replace("frontend www", `${health}\nfrontend www`);
    const result = simulate(parse(text), { rps: 10 }, undefined, { failures: false });
    expect(result.traffic.frontendRps).toEqual({ www: 10 });
    expect(result.traffic.assumptions.join("\n")).toContain("('health' forwards nowhere)");
    expect(result.frontends.find((f) => f.name === "health")?.rps ?? 0).toBe(0);
  });

  it("keeps the first frontend when none forwards", () => {
    const text = "frontend health\n    bind :8404\n    mode http\n    monitor-uri /healthz\n";
    const result = simulate(parse(text), { rps: 10 }, undefined, { failures: false });
    expect(result.traffic.frontendRps).toEqual({ health: 10 });
  });
});

describe("determinism", () => {
  const input = {
    rps: 200,
    requests: [
      { method: "GET", path: "/", weight: 3 },
      { method: "GET", path: "/api/orders", weight: 1 },
    ],
    concurrency: 4,
    samples: 5000,
  };

  it("gives deep-equal results for the same inputs, random and source hashing included", () => {
    const model = parse(TWO_BACKENDS);
    const first = simulate(model, input);
    const again = simulate(parse(TWO_BACKENDS), input);
    expect(again).toEqual(first);
    // Something was actually drawn: random spreads over all three web servers.
    expect(backendOf(first, "web").servers.every((s) => s.rps > 0)).toBe(true);
  });

  it("draws differently from another seed, with the same totals", () => {
    const model = parse(TWO_BACKENDS);
    const a = simulate(model, { ...input, seed: 1 }, undefined, { failures: false });
    const b = simulate(model, { ...input, seed: 2 }, undefined, { failures: false });
    expect(rpsByServer(backendOf(a, "web"))).not.toEqual(rpsByServer(backendOf(b, "web")));
    const total = (r: SimulationResult) => backendOf(r, "web").servers.reduce((sum, s) => sum + s.rps, 0);
    expect(total(a)).toBeCloseTo(150, 9);
    expect(total(b)).toBeCloseTo(150, 9);
  });
});

describe("backends", () => {
  it("a backend no traffic reaches gets shares by weight and a note saying so", () => {
    const result = simulate(parse(TWO_BACKENDS), { rps: 100 }, undefined, { failures: false });
    const spare = backendOf(result, "spare");
    expect(spare.rps).toBe(0);
    expect(spare.servers.map((s) => [s.name, s.share, s.rps])).toEqual([
      ["s1", 0.25, 0],
      ["s2", 0.75, 0],
      ["s3", 0, 0],
    ]);
    expect(spare.servers[2]!.state).toBe("standby");
    expect(spare.notes.join("\n")).toContain("no traffic reaches this backend");
    expect(backendOf(result, "web").notes).toEqual([]);
  });

  it("servers given as down take nothing and the others take their share", () => {
    const text = `
defaults
    mode http
frontend www
    bind :80
    default_backend web
backend web
    server w1 10.0.0.1:80
    server w2 10.0.0.2:80
    server w3 10.0.0.3:80
`;
    const result = simulate(parse(text), { rps: 90, down: ["web/w2"], samples: 900 }, undefined, {
      failures: false,
    });
    const web = backendOf(result, "web");
    expect(rpsByServer(web)).toEqual({ w1: 45, w2: 0, w3: 45 });
    expect(web.servers[1]!.state).toBe("down");
  });

  it("a backend with no usable server answers every request with a 503", () => {
    const text = `
defaults
    mode http
frontend www
    bind :80
    default_backend web
backend web
    server w1 10.0.0.1:80 disabled
    server w2 10.0.0.2:80 weight 0
`;
    const web = backendOf(simulate(parse(text), { rps: 10 }, undefined, { failures: false }), "web");
    expect(web.unservedShare).toBe(1);
    expect(web.servers.map((s) => [s.state, s.rps])).toEqual([
      ["disabled", 0],
      ["drained", 0],
    ]);
    expect(web.notes.join("\n")).toContain("503");
  });

  it("an algorithm lbguard does not model is predicted as roundrobin, with a note", () => {
    const text = `
defaults
    mode http
frontend www
    bind :80
    default_backend web
backend web
    balance hash path
    server w1 10.0.0.1:80
    server w2 10.0.0.2:80
`;
    const web = backendOf(
      simulate(parse(text), { rps: 10, samples: 100 }, undefined, { failures: false }),
      "web",
    );
    expect(rpsByServer(web)).toEqual({ w1: 5, w2: 5 });
    expect(web.notes.join("\n")).toContain("balance hash");
  });
});
