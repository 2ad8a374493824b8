import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { SimulationResult } from "../../src/simulate/types.js";
import { cfg } from "../helpers.js";

const work = mkdtempSync(join(tmpdir(), "lbguard-simulate-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const config = join(work, "haproxy.cfg");
writeFileSync(
  config,
  cfg(
    "defaults",
    "  mode http",
    "frontend www",
    "  bind 127.0.0.1:8080",
    "  use_backend api if { path_beg /api }",
    "  default_backend web",
    "backend web",
    "  server web-01 10.0.0.1:80 weight 100",
    "  server web-02 10.0.0.2:80 weight 1",
    "backend api",
    "  server api-01 10.0.0.5:80",
  ),
);
const inventory = join(work, "inventory.yaml");
writeFileSync(
  inventory,
  "servers:\n  - { name: web-01, role: web, address: 10.0.0.1:80, capacity_rps: 120 }\n  - { name: web-02, role: web, address: 10.0.0.2:80, capacity_rps: 120 }\n",
);

async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(
    argv,
    (s) => void (stdout += s),
    (s) => void (stderr += s),
  );
  return { code, stdout, stderr };
}

describe("lbguard simulate", () => {
  it("prints each server's share and rate, the overload and the assumptions", async () => {
    const { code, stdout } = await run(
      "simulate",
      config,
      "--rps",
      "160",
      "--inventory",
      inventory,
      "--no-color",
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/web-01\s+active\s+100\s+99\.0%\s+158\.4\s+120\s+132\.0%/);
    expect(stdout).toContain("now: web-01 (10.0.0.1:80) takes 158.4 req/s, 38.4 over its capacity of 120");
    expect(stdout).toContain("every request is GET / (no request mix given)");
  });

  it("splits the rate by the request mix and routes each path", async () => {
    const { stdout } = await run(
      "simulate",
      config,
      "--rps",
      "100",
      "--paths",
      "/:7,/api/orders:3",
      "--json",
    );
    const result = JSON.parse(stdout) as SimulationResult;
    const rates = Object.fromEntries(result.backends.map((b) => [b.name, b.rps]));
    expect(rates.web).toBeCloseTo(70, 6);
    expect(rates.api).toBeCloseTo(30, 6);
  });

  it("takes --down servers out of the pool", async () => {
    const { stdout } = await run("simulate", config, "--rps", "100", "--down", "web/web-01", "--json");
    const web = (JSON.parse(stdout) as SimulationResult).backends.find((b) => b.name === "web");
    expect(web?.servers.map((s) => [s.name, s.state, s.share])).toEqual([
      ["web-01", "down", 0],
      ["web-02", "active", 1],
    ]);
  });

  it("derives requests in flight from --latency: leastconn then favours the heavier server", async () => {
    const lc = join(work, "leastconn.cfg");
    writeFileSync(
      lc,
      cfg(
        "defaults",
        "  mode http",
        "frontend www",
        "  bind 127.0.0.1:8080",
        "  default_backend app",
        "backend app",
        "  balance leastconn",
        "  server light 10.0.0.1:80 weight 1",
        "  server heavy 10.0.0.2:80 weight 3",
      ),
    );
    const share = async (...extra: string[]) => {
      const { stdout } = await run("simulate", lc, "--rps", "400", "--json", ...extra);
      const result = JSON.parse(stdout) as SimulationResult;
      return result.backends[0]!.servers.find((s) => s.name === "heavy")!.share;
    };
    expect(await share()).toBeCloseTo(0.5, 6);
    const loaded = await share("--latency", "20");
    expect(loaded).toBeGreaterThan(0.7);
  });

  it("sets each named frontend's rate with --frontend and takes an explicit client list", async () => {
    const { stdout } = await run(
      "simulate",
      config,
      "--frontend",
      "www=42",
      "--clients",
      "192.0.2.1,192.0.2.2",
      "--json",
    );
    const result = JSON.parse(stdout) as SimulationResult;
    expect(result.frontends[0]?.rps).toBe(42);
    expect(result.traffic.clients).toEqual(["192.0.2.1", "192.0.2.2"]);
  });

  it("refuses a malformed request mix with exit code 2 and says what is wrong", async () => {
    const { code, stderr } = await run("simulate", config, "--paths", "api:3");
    expect(code).toBe(2);
    expect(stderr).toContain("--paths expects PATH[:WEIGHT] items like '/api:3', not 'api:3'");
  });

  it("names an unreadable configuration with exit code 2", async () => {
    const { code, stderr } = await run("simulate", join(work, "missing.cfg"));
    expect(code).toBe(2);
    expect(stderr).toContain("missing.cfg");
  });
});
