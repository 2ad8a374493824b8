import { describe, expect, it } from "vitest";
import { maxRisk } from "../../src/plan/index.js";
import { lines, plan } from "./plan-helpers.js";

/** The plan as a whole: configuration order, counts, overall risk, plain data. */

const BEFORE = lines(
  "global",
  "    maxconn 2048",
  "",
  "defaults",
  "    mode http",
  "    timeout connect 5s",
  "    timeout client 30s",
  "    timeout server 30s",
  "",
  "frontend www",
  "    bind 127.0.0.1:18080",
  "    use_backend old if { path_beg /old }",
  "    default_backend web",
  "",
  "backend web",
  "    server web-01 127.0.10.1:8080 check",
  "    server web-02 127.0.10.2:8080 check",
  "",
  "backend old",
  "    server old-01 127.0.10.8:8080 check",
  "",
  "backend api",
  "    server api-01 127.0.10.5:8080 check",
);

const AFTER = lines(
  "global",
  "    maxconn 4096",
  "",
  "defaults",
  "    mode http",
  "    timeout connect 5s",
  "    timeout client 30s",
  "    timeout server 20s",
  "",
  "frontend www",
  "    bind 127.0.0.1:18080",
  "    bind 127.0.0.1:18443",
  "    default_backend web",
  "",
  "backend web",
  "    server web-02 127.0.10.2:8080 check",
  "    server web-03 127.0.10.4:8080 check",
  "",
  "backend api",
  "    server api-01 127.0.10.5:8080 check weight 2",
);

describe("planChange", () => {
  const p = plan(BEFORE, AFTER);

  it("lists changes in configuration order, a removed section where it stood", () => {
    expect(p.changes.map((c) => `${c.kind} ${c.summary}`)).toEqual([
      "changed maxconn 2048 -> 4096",
      "changed timeout server 30s -> 20s",
      "added bind 127.0.0.1:18443 added",
      "removed use_backend old if { path_beg /old } removed",
      "removed server web-01 removed",
      "added server web-03 127.0.10.4:8080 added",
      "removed backend old removed (1 server)",
      "changed server api-01: weight 1 -> 2",
    ]);
  });

  it("counts the changes per risk; the overall risk is the highest", () => {
    expect(p.counts).toEqual({ high: 0, medium: 1, low: 7 });
    expect(p.overall).toBe("medium");
    expect(p.overall).toBe(maxRisk(p.changes.map((c) => c.risk)));
    for (const change of p.changes) expect(change.risk).toBe(maxRisk(change.reasons.map((r) => r.risk)));
  });

  it("is plain data: JSON gives it back unchanged", () => {
    expect(JSON.parse(JSON.stringify(p))).toEqual(p);
  });

  it("gives the same plan on every run", () => {
    expect(plan(BEFORE, AFTER)).toEqual(p);
  });
});
