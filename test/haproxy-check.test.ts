import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseHaproxyOutput, runHaproxyCheck } from "../src/haproxy/runtime/haproxy-check.js";

describe("haproxy -c output", () => {
  it("reads each location format HAProxy 2.6 prints and drops the framing lines", () => {
    const stderr = [
      "[NOTICE]   (1) : haproxy version is 2.6.12-1+deb12u4",
      "[ALERT]    (1) : config : parsing [t.cfg:39] : please use the 'bind' keyword for listening addresses.",
      "[ALERT]    (1) : config : Parsing [t.cfg:12]: backend 'be' has the same name as backend 'be' declared at t.cfg:10.",
      "[ALERT]    (1) : config : [t.cfg:11] : 'server be/s1' : unknown keyword 'chek'; did you mean 'check' maybe ?",
      "[ALERT]    (1) : config : http frontend 'fe' (t.cfg:7) tries to use incompatible tcp backend 'be' (t.cfg:10) as its default backend (see 'mode').",
      "[WARNING]  (1) : config : missing timeouts for frontend 'fe'.",
      "   | While not properly invalid, you will certainly encounter various problems",
      "[ALERT]    (1) : config : Error(s) found in configuration file : t.cfg",
      "[ALERT]    (1) : config : Fatal errors found in configuration.",
    ].join("\n");
    const findings = parseHaproxyOutput(stderr, ["t.cfg"]);
    expect(findings.map((f) => `${f.severity} ${f.span.file}:${f.span.line}`)).toEqual([
      "error t.cfg:39",
      "error t.cfg:12",
      "error t.cfg:11",
      "error t.cfg:7",
      "warning t.cfg:1",
    ]);
    expect(findings[2]?.message).toBe(
      "'server be/s1' : unknown keyword 'chek'; did you mean 'check' maybe ?",
    );
    expect(findings.every((f) => f.source === "haproxy")).toBe(true);
  });

  it("runs the real haproxy and reports its alerts with the file and line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lbguard-hc-"));
    const path = join(dir, "h.cfg");
    writeFileSync(
      path,
      "defaults\n    mode http\n    contimeout 5000\nfrontend fe\n    bind 127.0.0.1:18080\n",
    );
    const result = await runHaproxyCheck([path]);
    expect(result.available, "these tests need HAProxy: apt-get install haproxy").toBe(true);
    expect(result.exitCode).toBe(1);
    expect(result.version).toMatch(/^2\.\d+/);
    expect(result.findings).toContainEqual(
      expect.objectContaining({ severity: "error", span: expect.objectContaining({ file: path, line: 3 }) }),
    );
  });

  it("says it is not available when the binary does not exist", async () => {
    const result = await runHaproxyCheck(["x.cfg"], "/nonexistent/haproxy");
    expect(result).toEqual({ available: false, findings: [] });
  });
});
