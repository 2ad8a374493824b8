import { describe, expect, it } from "vitest";
import { codeBlock, escapeText, inlineCode } from "../../src/incidents/markdown-text.js";

describe("escapeText", () => {
  it("escapes what Markdown would read as emphasis, code, links, HTML or table cells", () => {
    expect(escapeText("a *b* _c_ `d` [e](f) <g> h|i ~j~ &amp; \\k")).toBe(
      "a \\*b\\* \\_c\\_ \\`d\\` \\[e\\](f) \\<g\\> h\\|i \\~j\\~ \\&amp; \\\\k",
    );
  });

  it("keeps the text on one line and stops it from opening a block", () => {
    expect(escapeText("  line one\n\n    line two\r\n")).toBe("line one line two");
    expect(escapeText("# heading")).toBe("\\# heading");
    expect(escapeText("- item")).toBe("\\- item");
    expect(escapeText("+ item")).toBe("\\+ item");
    expect(escapeText("12. item")).toBe("12\\. item");
    expect(escapeText("3) item")).toBe("3\\) item");
  });

  it("leaves numbers, addresses and percentages alone", () => {
    expect(escapeText("2.1% of 10.0.0.1:80 - ok")).toBe("2.1% of 10.0.0.1:80 - ok");
  });
});

describe("inlineCode and codeBlock", () => {
  it("fences code with more backticks than it holds", () => {
    expect(inlineCode("lbguard rollback --to 6")).toBe("`lbguard rollback --to 6`");
    expect(inlineCode("echo `date`")).toBe("`` echo `date` ``");
    expect(inlineCode("a ``b`` c")).toBe("```a ``b`` c```");
  });

  it("makes a block that no line inside can close", () => {
    expect(codeBlock("+x\n", "diff")).toBe("```diff\n+x\n```");
    expect(codeBlock("-# ```\n+# ````")).toBe("`````\n-# ```\n+# ````\n`````");
  });
});
