import { describe, expect, it } from "vitest";
import { changeOf, codes, DEFAULTS, lines, plan } from "./plan-helpers.js";

/** Backends added, removed, rebalanced or left without a server. */

const WWW = ["frontend www", "    bind 127.0.0.1:18080", "    default_backend web", ""];
const WEB = [
  "backend web",
  "    server web-01 127.0.10.1:8080 check",
  "    server web-02 127.0.10.2:8080 check",
  "",
];
const SPARE = ["backend spare", "    server spare-01 127.0.10.9:8080 check", ""];

describe("plan: backends", () => {
  it("an added backend is low", () => {
    const change = changeOf(
      plan(lines(...DEFAULTS, ...WWW, ...WEB), lines(...DEFAULTS, ...WWW, ...WEB, ...SPARE)),
      {
        backend: "spare",
      },
    );
    expect(change).toMatchObject({
      kind: "added",
      area: "backend",
      risk: "low",
      after: { servers: ["spare-01"] },
      span: { file: "after.cfg", line: 15 },
    });
  });

  it("removing a backend nothing routes to is low", () => {
    const change = changeOf(
      plan(lines(...DEFAULTS, ...WWW, ...WEB, ...SPARE), lines(...DEFAULTS, ...WWW, ...WEB)),
      {
        backend: "spare",
      },
    );
    expect(change).toMatchObject({ kind: "removed", risk: "low", span: { file: "before.cfg", line: 15 } });
    expect(codes(change)).toEqual(["backend-removed"]);
  });

  it("removing a backend AFTER still routes to is high", () => {
    const www = [
      "frontend www",
      "    bind 127.0.0.1:18080",
      "    use_backend spare if { path_beg /spare }",
      "    default_backend web",
      "",
    ];
    const p = plan(lines(...DEFAULTS, ...www, ...WEB, ...SPARE), lines(...DEFAULTS, ...www, ...WEB));
    const change = changeOf(p, { backend: "spare" });
    expect(change.risk).toBe("high");
    expect(change.reasons).toEqual([
      {
        code: "backend-removed-still-used",
        risk: "high",
        message: "frontend www still sends traffic to spare (line 9): HAProxy refuses to start",
      },
    ]);
  });

  it("a balance change is medium, in the backend area", () => {
    const after = lines(...DEFAULTS, ...WWW, "backend web", "    balance source", ...WEB.slice(1));
    const change = changeOf(plan(lines(...DEFAULTS, ...WWW, ...WEB), after), {
      backend: "web",
      setting: "balance",
    });
    expect(change).toMatchObject({
      kind: "changed",
      area: "backend",
      risk: "medium",
      before: { balance: "roundrobin" },
      after: { balance: "source" },
    });
  });

  it("a hash-type change is medium", () => {
    const before = lines(...DEFAULTS, ...WWW, "backend web", "    balance source", ...WEB.slice(1));
    const after = lines(
      ...DEFAULTS,
      ...WWW,
      "backend web",
      "    balance source",
      "    hash-type consistent",
      ...WEB.slice(1),
    );
    const change = changeOf(plan(before, after), { backend: "web", setting: "hash-type" });
    expect(change).toMatchObject({ risk: "medium", after: { "hash-type": "consistent" } });
    expect(codes(change)).toEqual(["hash-type-changed"]);
  });

  it("a backend left without a usable server is high", () => {
    const after = lines(
      ...DEFAULTS,
      ...WWW,
      "backend web",
      "    server web-01 127.0.10.1:8080 check disabled",
      "    server web-02 127.0.10.2:8080 check disabled",
      "",
    );
    const p = plan(lines(...DEFAULTS, ...WWW, ...WEB), after);
    const change = changeOf(p, { backend: "web" });
    expect(change).toMatchObject({
      kind: "changed",
      risk: "high",
      before: { usable: 2 },
      after: { usable: 0 },
    });
    expect(codes(change)).toEqual(["backend-emptied"]);
    expect(p.overall).toBe("high");
  });
});
