import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { GateResult } from "../../src/gate/gate.js";
import { cfg } from "../helpers.js";

const work = mkdtempSync(join(tmpdir(), "lbguard-gate-unit-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const HEAD = [
  "defaults",
  "  mode http",
  "  timeout connect 2s",
  "  timeout client 10s",
  "  timeout server 10s",
];

async function gate(before: string, after: string, ...extra: string[]) {
  const b = join(work, `b-${Math.random().toString(36).slice(2)}.cfg`);
  const a = join(work, `a-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(b, before);
  writeFileSync(a, after);
  let stdout = "";
  const code = await main(
    ["gate", b, a, "--json", "--no-haproxy", ...extra],
    (s) => void (stdout += s),
    () => {},
  );
  return { code, result: JSON.parse(stdout) as GateResult };
}

const web = (bind: string, ...servers: string[]) =>
  cfg(...HEAD, "frontend www", `  bind ${bind}`, "  default_backend web", "backend web", ...servers);

describe("gate", () => {
  it("passes a change that only adds a server", async () => {
    const { code, result } = await gate(
      web("127.0.0.1:8080", "  server a 10.0.0.1:80", "  server b 10.0.0.2:80"),
      web("127.0.0.1:8080", "  server a 10.0.0.1:80", "  server b 10.0.0.2:80", "  server c 10.0.0.3:80"),
    );
    expect(result.verdict).toBe("pass");
    expect(code).toBe(0);
  });

  it("blocks a bind moved to another port: clients of the old one are refused", async () => {
    const { code, result } = await gate(
      web("127.0.0.1:8080", "  server a 10.0.0.1:80"),
      web("127.0.0.1:9090", "  server a 10.0.0.1:80"),
    );
    expect(code).toBe(1);
    expect(result.findings.map((f) => f.rule)).toContain("plan/bind-moved");
  });

  it("blocks traffic sent to a backend whose every server is disabled", async () => {
    const { result } = await gate(
      web("127.0.0.1:8080", "  server a 10.0.0.1:80"),
      web("127.0.0.1:8080", "  server a 10.0.0.1:80 disabled"),
    );
    expect(result.verdict).toBe("block");
    expect(result.findings.map((f) => f.rule)).toContain("traffic/no-usable-server");
  });

  it("blocks requests that match no backend", async () => {
    const { result } = await gate(
      web("127.0.0.1:8080", "  server a 10.0.0.1:80"),
      cfg(
        ...HEAD,
        "frontend www",
        "  bind 127.0.0.1:8080",
        "  use_backend web if { path_beg /api }",
        "backend web",
        "  server a 10.0.0.1:80",
      ),
      "--paths",
      "/:1,/api/x:1",
    );
    expect(result.verdict).toBe("block");
    const unrouted = result.findings.find((f) => f.rule === "traffic/unrouted");
    expect(unrouted?.message).toContain("50%");
  });

  it("sends no client load to a health frontend listed first", async () => {
    const health = ["frontend health", "  bind 127.0.0.1:8404", "  monitor-uri /healthz"];
    const withHealth = (...servers: string[]) =>
      cfg(
        ...HEAD,
        ...health,
        "frontend www",
        "  bind 127.0.0.1:8080",
        "  default_backend web",
        "backend web",
        ...servers,
      );
    const { result } = await gate(
      withHealth("  server a 10.0.0.1:80"),
      withHealth("  server a 10.0.0.1:80", "  server b 10.0.0.2:80"),
    );
    expect(result.findings.map((f) => f.rule)).not.toContain("traffic/unrouted");
    expect(result.verdict).toBe("pass");
  });

  it("warns, without blocking, when one failure would overload the rest", async () => {
    const inventory = join(work, "inventory.yaml");
    writeFileSync(
      inventory,
      [
        "servers:",
        "  - { name: a, role: web, address: 10.0.0.1:80, capacity_rps: 100 }",
        "  - { name: b, role: web, address: 10.0.0.2:80, capacity_rps: 100 }",
        "",
      ].join("\n"),
    );
    const pool = ["  server a 10.0.0.1:80 check", "  server b 10.0.0.2:80 check"];
    const { result } = await gate(
      web("127.0.0.1:8080", ...pool),
      web("127.0.0.1:8080", ...pool),
      "--inventory",
      inventory,
      "--rps",
      "150",
    );
    expect(result.verdict).toBe("pass");
    const warnings = result.findings.filter((f) => f.rule === "capacity/n-1-overload");
    expect(warnings).toHaveLength(2);
    expect(warnings.every((w) => w.severity === "warning")).toBe(true);
  });

  it("does not block on a server the running config already overloads as much", async () => {
    const inventory = join(work, "inventory-small.yaml");
    writeFileSync(
      inventory,
      ["servers:", "  - { name: a, role: web, address: 10.0.0.1:80, capacity_rps: 50 }", ""].join("\n"),
    );
    const before = web("127.0.0.1:8080", "  server a 10.0.0.1:80");
    const after = web("127.0.0.1:8080", "  server a 10.0.0.1:80", "  timeout server 20s");
    const { result } = await gate(before, after, "--inventory", inventory, "--rps", "100");
    const overload = result.findings.find((f) => f.rule === "capacity/over-capacity");
    expect(overload?.severity).toBe("warning");
    expect(overload?.message).toContain("as before this change");
    expect(result.verdict).toBe("pass");
  });
});
