import { describe, expect, it } from "vitest";
import { compareVersions, evaluateCondition } from "../../src/haproxy/parse/conditional-blocks.js";
import { cfg, parse } from "../helpers.js";

const word = (text: string) => ({
  text,
  raw: text,
  span: { file: "f", line: 1, column: 1, endLine: 1, endColumn: 2 },
});
const evaluate = (text: string, env: Record<string, string> = {}) =>
  evaluateCondition([word(text)], env, "2.6.12");

describe(".if expressions", () => {
  it("evaluates HAProxy's predicates and operators", () => {
    expect(evaluate("defined(HOME)", { HOME: "/root" }).value).toBe(true);
    expect(evaluate("defined(HOME)").value).toBe(false);
    expect(evaluate("version_atleast(2.5) && version_before(2.7)").value).toBe(true);
    expect(evaluate("version_atleast(2.6.13)").value).toBe(false);
    expect(evaluate("feature(OPENSSL) && !feature(NOPE)").value).toBe(true);
    expect(evaluate("streq(a,b) || (strneq(a,b) && 1)").value).toBe(true);
    expect(evaluate("0").value).toBe(false);
    expect(evaluate("").value).toBe(false);
  });

  it("refuses text it cannot read, as HAProxy does", () => {
    expect(evaluate("/root").error).toMatch(/unparsable/);
    expect(evaluate("foo(1)").error).toMatch(/unparsable/);
  });

  it("compares versions numerically", () => {
    expect(compareVersions("2.6.12", "2.6.9")).toBeGreaterThan(0);
    expect(compareVersions("2.6", "2.6.0")).toBe(0);
  });
});

describe("conditional blocks in a file", () => {
  it("reads only the taken branch and ignores garbage in the others", () => {
    const { model, diagnostics } = parse(
      cfg(
        "backend b",
        ".if defined(NOPE)",
        "    this is not haproxy",
        ".elif 1",
        "    balance leastconn",
        ".else",
        "    balance source",
        ".endif",
      ),
    );
    expect(diagnostics).toEqual([]);
    expect(model.backends[0]?.balance.value.algorithm).toBe("leastconn");
  });

  it("reports unclosed and lone block directives and .alert", () => {
    const codes = (text: string) => parse(text).diagnostics.map((d) => `${d.code}@${d.span.line}`);
    expect(codes(cfg("global", ".if 1", "    maxconn 10"))).toEqual(["unterminated-block@2"]);
    expect(codes(cfg("global", ".endif"))).toEqual(["misplaced-block-directive@2"]);
    expect(codes(cfg("global", ".if 1", ".else", ".elif 1", ".endif"))).toEqual([
      "misplaced-block-directive@4",
    ]);
    expect(codes(cfg("global", '.alert "stop here"'))).toEqual(["config-alert@2"]);
  });
});
