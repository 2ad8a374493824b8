import { describe, expect, it } from "vitest";
import { changeOf, codes, DEFAULTS, lines, plan } from "./plan-helpers.js";

/** Servers matched by name inside a backend: what moved, what it means for the pool. */

const WWW = ["frontend www", "    bind 127.0.0.1:18080", "    default_backend web", ""];

function config(...backend: string[]): string {
  return lines(...DEFAULTS, ...WWW, "backend web", ...backend, "");
}

const TWO = ["    server web-01 127.0.10.1:8080 check", "    server web-02 127.0.10.2:8080 check"];

describe("plan: servers", () => {
  it("one server moving while another stays is medium", () => {
    const change = changeOf(
      plan(config(...TWO), config("    server web-01 127.0.10.7:8080 check", TWO[1] as string)),
      {
        backend: "web",
        server: "web-01",
      },
    );
    expect(change).toMatchObject({
      kind: "changed",
      area: "server",
      risk: "medium",
      summary: "server web-01: address 127.0.10.1:8080 -> 127.0.10.7:8080",
      before: { address: "127.0.10.1:8080" },
      after: { address: "127.0.10.7:8080" },
      span: { file: "after.cfg", line: 12 },
    });
    expect(codes(change)).toEqual(["server-moved"]);
  });

  it("every server moving at once is high", () => {
    const after = config(
      "    server web-01 127.0.11.1:8080 check",
      "    server web-02 127.0.11.2:8080 check",
    );
    const p = plan(config(...TWO), after);
    for (const name of ["web-01", "web-02"])
      expect(codes(changeOf(p, { backend: "web", server: name }))).toEqual(["pool-moves", "server-moved"]);
    expect(p.overall).toBe("high");
  });

  it("replacing every server by new ones at new addresses is high too", () => {
    const after = config(
      "    server new-01 127.0.11.1:8080 check",
      "    server new-02 127.0.11.2:8080 check",
    );
    const p = plan(config(...TWO), after);
    expect(codes(changeOf(p, { backend: "web", server: "new-01" }))).toContain("pool-moves");
    expect(p.overall).toBe("high");
  });

  it("moving a server without a health check is high: its share fails", () => {
    const before = config(
      "    server a 127.0.10.1:8080",
      "    server b 127.0.10.2:8080",
      "    server c 127.0.10.4:8080",
    );
    const after = config(
      "    server a 127.0.10.1:8080",
      "    server b 127.0.10.2:8080",
      "    server c 127.0.10.4:8081",
    );
    const change = changeOf(plan(before, after), { backend: "web", server: "c" });
    expect(change.risk).toBe("high");
    expect(change.reasons[0]).toEqual({
      code: "moved-unchecked",
      risk: "high",
      message:
        "c has no health check: if nothing answers at 127.0.10.4:8081, its 33% share of requests fails",
    });
  });

  it("a weight change that moves a server's share by more than 20 points is medium", () => {
    const before = config(
      "    server web-01 127.0.10.1:8080 weight 10 check",
      "    server web-02 127.0.10.2:8080 weight 10 check",
    );
    const after = config(
      "    server web-01 127.0.10.1:8080 weight 100 check",
      "    server web-02 127.0.10.2:8080 weight 1 check",
    );
    const p = plan(before, after);
    const web01 = changeOf(p, { backend: "web", server: "web-01" });
    expect(web01).toMatchObject({
      risk: "medium",
      before: { weight: 10, share: 0.5 },
      after: { weight: 100 },
    });
    expect(web01.reasons).toContainEqual({
      code: "share-moved",
      risk: "medium",
      message: "web-01 share 50% -> 99% (by weight)",
    });
  });

  it("a small weight change is low", () => {
    const before = config(
      "    server web-01 127.0.10.1:8080 weight 10 check",
      "    server web-02 127.0.10.2:8080 weight 10 check",
    );
    const after = config(
      "    server web-01 127.0.10.1:8080 weight 12 check",
      "    server web-02 127.0.10.2:8080 weight 10 check",
    );
    const p = plan(before, after);
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]).toMatchObject({ risk: "low", reasons: [{ code: "server-weight-changed" }] });
  });

  it("another server's weight moving a server's share shows as a traffic change", () => {
    const before = config(
      "    server web-01 127.0.10.1:8080 weight 10 check",
      "    server web-02 127.0.10.2:8080 weight 10 check",
    );
    const after = config(
      "    server web-01 127.0.10.1:8080 weight 100 check",
      "    server web-02 127.0.10.2:8080 weight 10 check",
    );
    const web02 = changeOf(plan(before, after), { backend: "web", server: "web-02" });
    expect(web02).toMatchObject({ kind: "changed", area: "traffic", risk: "medium", span: { line: 13 } });
  });

  it("an added server is low and says its share", () => {
    const change = changeOf(plan(config(...TWO), config(...TWO, "    server web-03 127.0.10.4:8080 check")), {
      backend: "web",
      server: "web-03",
    });
    expect(change).toMatchObject({
      kind: "added",
      risk: "low",
      after: { address: "127.0.10.4:8080", check: true },
    });
    expect(change.reasons[0]?.message).toBe("web-03 takes 33% of web's requests");
  });

  it("an added server on another port than the pool, or without a check, is medium", () => {
    const change = changeOf(plan(config(...TWO), config(...TWO, "    server db-01 127.0.10.3:13306")), {
      backend: "web",
      server: "db-01",
    });
    expect(change.risk).toBe("medium");
    expect(codes(change)).toEqual(["server-added", "server-port-differs", "server-added-unchecked"]);
  });

  it("a removed server is low when others remain", () => {
    const change = changeOf(plan(config(...TWO), config(TWO[0] as string)), {
      backend: "web",
      server: "web-02",
    });
    expect(change).toMatchObject({ kind: "removed", risk: "low", span: { file: "before.cfg", line: 13 } });
  });

  it.each([
    ["check removed", "    server web-01 127.0.10.1:8080", "server-check-removed", "medium"],
    ["disabled", "    server web-01 127.0.10.1:8080 check disabled", "server-disabled", "medium"],
    ["made a backup", "    server web-01 127.0.10.1:8080 check backup", "server-now-backup", "medium"],
    ["drained", "    server web-01 127.0.10.1:8080 check weight 0", "server-drained", "medium"],
    ["maxconn added", "    server web-01 127.0.10.1:8080 check maxconn 100", "server-maxconn-changed", "low"],
    ["check slower", "    server web-01 127.0.10.1:8080 check inter 5s", "server-check-timing", "low"],
  ])("%s", (_, line, code, risk) => {
    const change = changeOf(plan(config(...TWO), config(line, TWO[1] as string)), {
      backend: "web",
      server: "web-01",
    });
    expect(change.reasons.find((r) => r.code === code)).toMatchObject({ risk });
  });

  it("a maxconn cut by more than half is medium", () => {
    const before = config("    server web-01 127.0.10.1:8080 check maxconn 100", TWO[1] as string);
    const after = config("    server web-01 127.0.10.1:8080 check maxconn 10", TWO[1] as string);
    const change = changeOf(plan(before, after), { backend: "web", server: "web-01" });
    expect(change).toMatchObject({ risk: "medium", reasons: [{ code: "server-maxconn-cut" }] });
  });

  it("a default-server change is reported once, at its line, with the servers it affects", () => {
    const before = config("    default-server inter 2s", ...TWO);
    const after = config("    default-server inter 5s", ...TWO);
    const p = plan(before, after);
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]).toMatchObject({
      kind: "changed",
      area: "server",
      section: { kind: "backend", name: "web" },
      subject: { backend: "web", setting: "default-server inter" },
      summary: "default-server inter 2s -> 5s",
      span: { file: "after.cfg", line: 12 },
      affects: ["web/web-01", "web/web-02"],
      risk: "low",
    });
  });
});
