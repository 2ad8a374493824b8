import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../../src/agent/managed/text-diff.js";

const lines = (n: number, prefix = "line"): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}`);
const text = (items: string[]): string => items.map((l) => `${l}\n`).join("");

/** Applies a unified diff to `before`, checking every context and removed line against it. */
function patch(before: string, diff: string): string {
  const source = before === "" ? [] : before.split(/(?<=\n)/);
  const out: string[] = [];
  let at = 0;
  const rows = diff.split("\n").slice(2, -1);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const header = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(row);
    if (header) {
      const start = Number(header[1]) - (header[2] === "0" ? 0 : 1);
      while (at < start) out.push(source[at++]!);
      continue;
    }
    const noNewline = rows[i + 1] === "\\ No newline at end of file";
    const line = row.slice(1) + (noNewline ? "" : "\n");
    if (noNewline) i++;
    if (row[0] === "+") out.push(line);
    else {
      if (source[at] !== line) throw new Error(`context mismatch at ${at}: ${JSON.stringify(line)}`);
      if (row[0] === " ") out.push(line);
      at++;
    }
  }
  while (at < source.length) out.push(source[at++]!);
  return out.join("");
}

describe("unifiedDiff", () => {
  it("is empty for equal texts", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n")).toBe("");
  });

  it("shows one changed line with three lines of context on each side", () => {
    const before = lines(10);
    const after = [...before];
    after[4] = "changed";
    expect(unifiedDiff(text(before), text(after), "a", "b")).toBe(
      [
        "--- a",
        "+++ b",
        "@@ -2,7 +2,7 @@",
        " line 2",
        " line 3",
        " line 4",
        "-line 5",
        "+changed",
        " line 6",
        " line 7",
        " line 8",
        "",
      ].join("\n"),
    );
  });

  it("keeps changes more than six lines apart in separate hunks and merges closer ones", () => {
    const before = lines(30);
    const far = [...before];
    far[2] = "x";
    far[20] = "y";
    expect(unifiedDiff(text(before), text(far)).match(/^@@/gm)).toHaveLength(2);
    const near = [...before];
    near[2] = "x";
    near[8] = "y";
    expect(unifiedDiff(text(before), text(near)).match(/^@@/gm)).toHaveLength(1);
  });

  it("numbers an insertion at the top and a deletion at the end as diff does", () => {
    expect(unifiedDiff("a\n", "new\na\n")).toBe("--- a\n+++ b\n@@ -1 +1,2 @@\n+new\n a\n");
    expect(unifiedDiff("a\nb\n", "a\n")).toBe("--- a\n+++ b\n@@ -1,2 +1 @@\n a\n-b\n");
    expect(unifiedDiff("", "a\n")).toBe("--- a\n+++ b\n@@ -0,0 +1 @@\n+a\n");
  });

  it("marks a last line without a line break", () => {
    expect(unifiedDiff("a\nb\n", "a\nb")).toBe(
      "--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n",
    );
  });

  it("matches GNU diff -u on a hand edit of a config", () => {
    const before = text([
      "global",
      "    maxconn 512",
      "",
      "defaults",
      "    mode http",
      "    timeout connect 1s",
      "",
      "frontend www",
      "    bind :80",
      "    default_backend web",
      "",
      "backend web",
      "    balance roundrobin",
      "    server web-01 10.0.0.1:80 check",
      "    server web-02 10.0.0.2:80 check",
    ]);
    const after = before
      .replace("balance roundrobin", "balance leastconn")
      .replace("    mode http\n", "    mode http\n    option httplog\n")
      .replace("    server web-02 10.0.0.2:80 check\n", "");
    const dir = mkdtempSync(join(tmpdir(), "lbguard-diff-"));
    try {
      writeFileSync(join(dir, "a"), before);
      writeFileSync(join(dir, "b"), after);
      const gnu = spawnSync("diff", ["-u", "--label", "a", "--label", "b", "a", "b"], {
        cwd: dir,
        encoding: "utf8",
      });
      if (gnu.error) return; // diff is not installed here: the other cases stand.
      expect(unifiedDiff(before, after)).toBe(gnu.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives back the second text when applied to the first, with at most three context lines per side", () => {
    const texts = fc.array(fc.constantFrom("a", "b", "c", "server x", "", "d"), { maxLength: 40 });
    fc.assert(
      fc.property(texts, texts, fc.boolean(), fc.boolean(), (a, b, cutA, cutB) => {
        const before = text(a).slice(0, cutA && a.length > 0 ? -1 : undefined);
        const after = text(b).slice(0, cutB && b.length > 0 ? -1 : undefined);
        const diff = unifiedDiff(before, after);
        if (before === after) return diff === "";
        expect(patch(before, diff)).toBe(after);
        const leading = diff
          .split(/^@@.*\n/m)
          .slice(1)
          .map((hunk) => /^( .*\n)*/.exec(hunk)![0].split("\n").length - 1);
        expect(Math.max(...leading)).toBeLessThanOrEqual(3);
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it("shows a middle too different to align as removed and added whole, still a correct diff", () => {
    const before = text(lines(3000, "old"));
    const after = text(lines(3000, "new"));
    const diff = unifiedDiff(before, after);
    expect(patch(before, diff)).toBe(after);
  });
});
