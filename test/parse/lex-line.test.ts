import { describe, expect, it } from "vitest";
import { lexLine } from "../../src/haproxy/parse/lex-line.js";

const lex = (line: string, env: Record<string, string> = {}) => lexLine(line, "f.cfg", 7, env);
const texts = (line: string, env: Record<string, string> = {}) => lex(line, env).words.map((w) => w.text);

describe("lexLine", () => {
  it("splits on blanks and keeps each word's exact columns", () => {
    const { words } = lex("  server\tweb-01  10.0.0.1:80 check");
    expect(words.map((w) => [w.text, w.span.column, w.span.endColumn])).toEqual([
      ["server", 3, 9],
      ["web-01", 10, 16],
      ["10.0.0.1:80", 18, 29],
      ["check", 30, 35],
    ]);
    expect(words[0]?.span.line).toBe(7);
  });

  it("treats an unquoted # as a comment even inside a word, but not when quoted or escaped", () => {
    expect(texts("acl a path_beg /x # comment")).toEqual(["acl", "a", "path_beg", "/x"]);
    expect(texts("h[a#b]")).toEqual(["h[a"]);
    expect(texts("\"h[a#b]\" 'q#' e\\#f")).toEqual(["h[a#b]", "q#", "e#f"]);
  });

  it("joins quoted pieces of one word and keeps blanks inside quotes", () => {
    expect(texts("ab\"c d\"ef 'x y'")).toEqual(["abc def", "x y"]);
    expect(texts('set-header X ""')).toEqual(["set-header", "X", ""]);
  });

  it("expands variables inside double quotes only", () => {
    const env = { HOME: "/root", FOO: "foo val" };
    expect(texts('"dq[${HOME}]" "d2[$HOME]"', env)).toEqual(["dq[/root]", "d2[/root]"]);
    expect(texts("'sq[${HOME}]' bare[$HOME]", env)).toEqual(["sq[${HOME}]", "bare[$HOME]"]);
    expect(texts('"u[${UNSET}]" "d[${UNSET-dflt}]"', env)).toEqual(["u[]", "d[dflt]"]);
    expect(texts('"${FOO}" "${FOO[*]}" x', env)).toEqual(["foo val", "foo", "val", "x"]);
  });

  it("decodes HAProxy's escapes outside single quotes", () => {
    expect(texts('"e[a\\"b\\\\c\\x41]" u[a\\ b]')).toEqual(['e[a"b\\cA]', "u[a b]"]);
    expect(texts("'no\\x41'")).toEqual(["no\\x41"]);
    // Unknown escapes stay as written, as regexes need.
    expect(texts("path_reg ^/a\\.b$")).toEqual(["path_reg", "^/a\\.b$"]);
  });

  it("reports an unterminated quote and a malformed variable with their columns", () => {
    expect(lex('http-request set-header X "a b').problems).toEqual([
      expect.objectContaining({ code: "unterminated-quote", column: 27 }),
    ]);
    expect(lex('x "${UNSET:-dflt}"').problems[0]).toEqual(
      expect.objectContaining({ code: "unterminated-variable", column: 4 }),
    );
  });
});
