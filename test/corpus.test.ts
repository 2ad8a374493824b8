import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkConfig } from "../src/check/check-config.js";
import { SHARED } from "./helpers.js";

/**
 * Real configurations written by real operators, read in place from ../shared/corpus (never
 * copied here). Every file must parse without an exception, and where HAProxy 2.6 refuses a
 * file (index.tsv), lbguard must report at least one error of its own (without haproxy -c).
 */
const CORPUS = join(SHARED, "corpus");

describe("real-world corpus", () => {
  it("is present beside the repository", () => {
    expect(
      existsSync(join(CORPUS, "index.tsv")),
      `expected the corpus at ${CORPUS} (set LBGUARD_SHARED to move it)`,
    ).toBe(true);
  });

  it("parses every HAProxy file and reports an error wherever HAProxy refuses the file", () => {
    const rows = readFileSync(join(CORPUS, "index.tsv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split("\t"));
    const verdicts = new Map(
      rows.filter((r) => r[0]?.startsWith("haproxy/")).map((r) => [r[0] as string, r[5] as string]),
    );
    const files = readdirSync(join(CORPUS, "haproxy"))
      .filter((f) => f.endsWith(".cfg"))
      .sort();
    expect(files.length).toBeGreaterThan(0);
    let refused = 0;
    let matched = 0;
    const missed: string[] = [];
    let acceptedWithParseErrors = 0;
    for (const file of files) {
      const path = join(CORPUS, "haproxy", file);
      const { findings } = checkConfig([{ path, text: readFileSync(path, "utf8") }]);
      for (const f of findings) expect(f.span.line, `${file}: ${f.ruleId}`).toBeGreaterThan(0);
      const errors = findings.filter((f) => f.severity === "error");
      if (verdicts.get(`haproxy/${file}`) === "FAIL") {
        refused++;
        if (errors.length > 0) matched++;
        else missed.push(file);
      } else if (errors.some((f) => f.source === "parser")) {
        acceptedWithParseErrors++;
      }
    }
    console.log(
      `corpus: ${files.length} HAProxy files parsed; HAProxy refuses ${refused}, lbguard reports an error on ${matched} of them; ` +
        `${acceptedWithParseErrors} files HAProxy accepts get a parser error (silent misreads such as truncated IPv4)`,
    );
    expect(missed).toEqual([]);
  });
});
