import { describe, expect, it } from "vitest";
import { changeOf, codes, lines, plan } from "./plan-helpers.js";

/**
 * Timeouts, retries, maxconn and options by effective value: a defaults change shows once, with
 * every proxy it affects; a proxy's own line shows for that proxy.
 */

function config(defaults: string[], apiExtra: string[] = []): string {
  return lines(
    "global",
    "    maxconn 2048",
    "",
    "defaults",
    "    mode http",
    ...defaults,
    "",
    "frontend www",
    "    bind 127.0.0.1:18080",
    "    default_backend web",
    "",
    "backend web",
    "    server web-01 127.0.10.1:8080 check",
    "",
    "backend api",
    ...apiExtra,
    "    server api-01 127.0.10.5:8080 check",
  );
}

const TIMEOUTS = [
  "    timeout connect 5s",
  "    timeout client 30s",
  "    timeout server 30s",
  "    option redispatch",
];

describe("plan: settings", () => {
  it("a defaults timeout change is one change listing the proxies it affects", () => {
    const after = TIMEOUTS.map((l) => l.replace("server 30s", "server 5s"));
    const p = plan(config(TIMEOUTS), config(after));
    expect(p.changes).toHaveLength(1);
    const change = changeOf(p, { defaults: "", setting: "timeout server" });
    expect(change).toMatchObject({
      kind: "changed",
      area: "setting",
      section: { kind: "defaults", name: "" },
      summary: "timeout server 30s -> 5s",
      before: { "timeout server": 30000 },
      after: { "timeout server": 5000 },
      span: { file: "after.cfg", line: 8 },
      affects: ["web", "api"],
      risk: "medium",
    });
    expect(codes(change)).toEqual(["setting-cut", "defaults-affects"]);
  });

  it("a proxy that sets its own value is not affected by the defaults change", () => {
    const after = TIMEOUTS.map((l) => l.replace("server 30s", "server 20s"));
    const p = plan(config(TIMEOUTS, ["    timeout server 30s"]), config(after, ["    timeout server 30s"]));
    expect(changeOf(p, { defaults: "", setting: "timeout server" })).toMatchObject({
      affects: ["web"],
      risk: "low",
    });
  });

  it("a proxy's own line is reported for that proxy", () => {
    const p = plan(config(TIMEOUTS), config(TIMEOUTS, ["    timeout server 2m"]));
    const change = changeOf(p, { backend: "api", setting: "timeout server" });
    expect(change).toMatchObject({
      kind: "changed",
      section: { kind: "backend", name: "api" },
      summary: "timeout server 30s -> 2m",
      span: { file: "after.cfg", line: 19 },
      risk: "low",
    });
  });

  it("a removed essential timeout is medium", () => {
    const after = TIMEOUTS.filter((l) => !l.includes("client"));
    const change = changeOf(plan(config(TIMEOUTS), config(after)), {
      defaults: "",
      setting: "timeout client",
    });
    expect(change).toMatchObject({
      kind: "removed",
      risk: "medium",
      affects: ["www"],
      span: { file: "before.cfg" },
    });
  });

  it("switching option redispatch off is medium", () => {
    const after = TIMEOUTS.map((l) => l.replace("option redispatch", "no option redispatch"));
    const change = changeOf(plan(config(TIMEOUTS), config(after)), {
      defaults: "",
      setting: "option redispatch",
    });
    expect(change).toMatchObject({
      risk: "medium",
      before: { "option redispatch": true },
      after: { "option redispatch": false },
    });
    expect(codes(change)[0]).toBe("option-off");
  });

  it("a retries change on one backend is low, retries 0 is medium", () => {
    const low = changeOf(plan(config(TIMEOUTS), config(TIMEOUTS, ["    retries 5"])), {
      backend: "api",
      setting: "retries",
    });
    expect(low).toMatchObject({ risk: "low", before: { retries: 3 }, after: { retries: 5 } });
    const off = changeOf(plan(config(TIMEOUTS), config(TIMEOUTS, ["    retries 0"])), {
      backend: "api",
      setting: "retries",
    });
    expect(off.risk).toBe("medium");
  });

  it("a health check request change is medium", () => {
    const before = config(TIMEOUTS, ["    option httpchk GET /health"]);
    const after = config(TIMEOUTS, ["    option httpchk GET /status"]);
    const change = changeOf(plan(before, after), { backend: "api", setting: "option httpchk" });
    expect(change).toMatchObject({
      area: "backend",
      risk: "medium",
      after: { "option httpchk": "GET /status" },
    });
  });

  it("a mode change in defaults is high and names every proxy", () => {
    const p = plan(config(TIMEOUTS), config(TIMEOUTS).replace("    mode http", "    mode tcp"));
    const change = changeOf(p, { defaults: "", setting: "mode" });
    expect(change).toMatchObject({ risk: "high", affects: ["www", "web", "api"] });
  });

  it("a global maxconn cut by more than half is medium", () => {
    const change = changeOf(plan(config(TIMEOUTS), config(TIMEOUTS).replace("maxconn 2048", "maxconn 256")), {
      global: true,
      setting: "maxconn",
    });
    expect(change).toMatchObject({
      section: { kind: "global", name: "" },
      risk: "medium",
      after: { maxconn: 256 },
    });
  });
});
