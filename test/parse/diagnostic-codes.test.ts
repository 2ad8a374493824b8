import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DIAGNOSTIC_CODES } from "../../src/haproxy/parse/diagnostic-codes.js";
import { ROOT } from "../helpers.js";

describe("parser diagnostic codes", () => {
  it("are all documented in docs/diagnostics.md, and nothing else is", () => {
    const doc = readFileSync(join(ROOT, "docs", "diagnostics.md"), "utf8");
    const documented = [...doc.matchAll(/^\| ([a-z0-9-]+) \| (error|warning) \|/gm)].map((m) => m[1]);
    expect(documented).toEqual([...DIAGNOSTIC_CODES]);
  });
});
