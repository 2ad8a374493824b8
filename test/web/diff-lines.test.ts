import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../src/agent/managed/text-diff.js";
import { classifyDiffLine, diffLines, diffStats } from "../../web/src/data/diff-lines.js";

describe("diff lines", () => {
  it("tells file headers from removed and added lines", () => {
    expect(classifyDiffLine("--- version 1")).toBe("file");
    expect(classifyDiffLine("+++ version 2")).toBe("file");
    expect(classifyDiffLine("@@ -1,3 +1,3 @@")).toBe("hunk");
    expect(classifyDiffLine("+    server web-03 127.0.10.3:8080")).toBe("add");
    expect(classifyDiffLine("-    server web-02 127.0.10.2:8080")).toBe("del");
    expect(classifyDiffLine("--weird but removed")).toBe("del");
    expect(classifyDiffLine(" backend web")).toBe("context");
    expect(classifyDiffLine("\\ No newline at end of file")).toBe("context");
  });

  it("classifies the control plane's own diff and counts what changed", () => {
    const before = "backend web\n    server a 1.1.1.1:80 weight 10\n    server b 1.1.1.2:80 weight 10\n";
    const after =
      "backend web\n    server a 1.1.1.1:80 weight 10\n    server b 1.1.1.2:80 weight 1\n    server c 1.1.1.3:80\n";
    const lines = diffLines(unifiedDiff(before, after, "version 1", "version 2"));
    expect(lines.map((l) => l.kind)).toEqual([
      "file",
      "file",
      "hunk",
      "context",
      "context",
      "del",
      "add",
      "add",
    ]);
    expect(diffStats(lines)).toEqual({ added: 2, removed: 1 });
  });

  it("has no lines for no difference", () => {
    expect(diffLines("")).toEqual([]);
  });
});
