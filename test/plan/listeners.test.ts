import { describe, expect, it } from "vitest";
import { changeOf, codes, DEFAULTS, lines, plan } from "./plan-helpers.js";

/** Frontends and their listening addresses: losing one refuses clients, gaining one does not. */

const BACKEND = ["backend web", "    server web-01 127.0.10.1:8080 check", ""];

function config(...frontend: string[]): string {
  return lines(...DEFAULTS, ...frontend, "", ...BACKEND);
}

const WWW = ["frontend www", "    bind 127.0.0.1:18080", "    default_backend web"];

describe("plan: listeners", () => {
  it("reports nothing for identical configurations", () => {
    const p = plan(config(...WWW), config(...WWW));
    expect(p.changes).toEqual([]);
    expect(p.overall).toBe("low");
    expect(p.counts).toEqual({ high: 0, medium: 0, low: 0 });
  });

  it("a bind moved to another port is high and points at the new line", () => {
    const after = config("frontend www", "    bind 127.0.0.1:18081", "    default_backend web");
    const change = changeOf(plan(config(...WWW), after), { frontend: "www", bind: "127.0.0.1:18080" });
    expect(change).toMatchObject({
      kind: "changed",
      area: "listener",
      risk: "high",
      before: { address: "127.0.0.1:18080" },
      after: { address: "127.0.0.1:18081" },
      span: { file: "after.cfg", line: 8 },
    });
    expect(change.reasons[0]).toEqual({
      code: "bind-moved",
      risk: "high",
      message:
        "bind 127.0.0.1:18080 moved to 127.0.0.1:18081: clients connecting to 127.0.0.1:18080 are refused",
    });
  });

  it("a removed bind is high and points at the BEFORE line", () => {
    const before = config(
      "frontend www",
      "    bind 127.0.0.1:18080",
      "    bind 127.0.0.1:18443",
      "    default_backend web",
    );
    const change = changeOf(plan(before, config(...WWW)), { frontend: "www", bind: "127.0.0.1:18443" });
    expect(change).toMatchObject({ kind: "removed", risk: "high", span: { file: "before.cfg", line: 9 } });
    expect(change.reasons[0]?.message).toBe(
      "bind 127.0.0.1:18443 removed: clients connecting there are refused",
    );
  });

  it("an added bind is low", () => {
    const after = config(
      "frontend www",
      "    bind 127.0.0.1:18080",
      "    bind 127.0.0.1:18443",
      "    default_backend web",
    );
    const p = plan(config(...WWW), after);
    expect(changeOf(p, { frontend: "www", bind: "127.0.0.1:18443" })).toMatchObject({
      kind: "added",
      risk: "low",
      reasons: [{ code: "bind-added" }],
    });
    expect(p.overall).toBe("low");
  });

  it("reads *:80, :80 and 0.0.0.0:80 as one address", () => {
    const before = config("frontend www", "    bind *:18080", "    default_backend web");
    const after = config("frontend www", "    bind 0.0.0.0:18080", "    default_backend web");
    expect(plan(before, after).changes).toEqual([]);
  });

  it("an address taken over by another frontend is medium, not refused", () => {
    const before = config(
      ...WWW,
      "",
      "frontend other",
      "    bind 127.0.0.1:19000",
      "    default_backend web",
    );
    const after = config(
      "frontend www",
      "    bind 127.0.0.1:18080",
      "    bind 127.0.0.1:19000",
      "    default_backend web",
      "",
      "frontend other",
      "    default_backend web",
    );
    const change = changeOf(plan(before, after), { frontend: "other", bind: "127.0.0.1:19000" });
    expect(change).toMatchObject({ kind: "removed", risk: "medium" });
    expect(codes(change)).toEqual(["bind-moved-frontend"]);
  });

  it("a removed frontend refuses the clients of each of its addresses", () => {
    const before = config(
      ...WWW,
      "",
      "frontend admin",
      "    bind 127.0.0.1:19000",
      "    default_backend web",
    );
    const change = changeOf(plan(before, config(...WWW)), { frontend: "admin" });
    expect(change).toMatchObject({
      kind: "removed",
      area: "listener",
      risk: "high",
      before: { binds: ["127.0.0.1:19000"] },
    });
    expect(codes(change)).toEqual(["bind-removed"]);
  });

  it("an added frontend is low", () => {
    const after = config(...WWW, "", "frontend admin", "    bind 127.0.0.1:19000", "    default_backend web");
    expect(changeOf(plan(config(...WWW), after), { frontend: "admin" })).toMatchObject({
      kind: "added",
      risk: "low",
      after: { kind: "frontend", binds: ["127.0.0.1:19000"] },
    });
  });

  it("turning TLS off on a bind is high", () => {
    const before = config(
      "frontend www",
      "    bind 127.0.0.1:18443 ssl crt /etc/ssl/site.pem",
      "    default_backend web",
    );
    const after = config("frontend www", "    bind 127.0.0.1:18443", "    default_backend web");
    const change = changeOf(plan(before, after), { frontend: "www", bind: "127.0.0.1:18443" });
    expect(change).toMatchObject({ kind: "changed", risk: "high" });
    expect(codes(change)).toEqual(["bind-tls-changed"]);
  });

  it("disabling a frontend that listens is high", () => {
    const after = config(
      "frontend www",
      "    disabled",
      "    bind 127.0.0.1:18080",
      "    default_backend web",
    );
    const change = changeOf(plan(config(...WWW), after), { frontend: "www", setting: "disabled" });
    expect(change).toMatchObject({ risk: "high", before: { disabled: false }, after: { disabled: true } });
    expect(codes(change)).toEqual(["frontend-disabled"]);
  });

  it("a mode change is high", () => {
    const after = config(
      "frontend www",
      "    mode tcp",
      "    bind 127.0.0.1:18080",
      "    default_backend web",
    );
    const change = changeOf(plan(config(...WWW), after), { frontend: "www", setting: "mode" });
    expect(change).toMatchObject({
      kind: "changed",
      risk: "high",
      before: { mode: "http" },
      after: { mode: "tcp" },
    });
  });
});
