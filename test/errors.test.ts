import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERRORS, LbguardError } from "../src/errors.js";
import { ROOT } from "./helpers.js";

describe("error catalog", () => {
  it("matches docs/errors.md code for code", () => {
    const doc = readFileSync(join(ROOT, "docs", "errors.md"), "utf8");
    const documented = [...doc.matchAll(/^\| (LBG_[A-Z_]+) \| (\d+) \|/gm)].map((m) => `${m[1]}:${m[2]}`);
    const catalog = Object.entries(ERRORS).map(([code, e]) => `${code}:${e.exitCode}`);
    expect(documented.sort()).toEqual(catalog.sort());
  });

  it("fills message placeholders and keeps the code and cause", () => {
    const cause = new Error("ENOENT");
    const e = new LbguardError(
      "LBG_UNREADABLE_INPUT",
      { path: "/etc/haproxy/haproxy.cfg", reason: "no such file" },
      { cause },
    );
    expect(e.message).toBe("cannot read /etc/haproxy/haproxy.cfg: no such file");
    expect(e.code).toBe("LBG_UNREADABLE_INPUT");
    expect(e.exitCode).toBe(2);
    expect(e.cause).toBe(cause);
  });
});
