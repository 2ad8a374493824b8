import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expandConfigPaths, readConfigFiles } from "../../src/check/load-config-files.js";
import { parseConfig } from "../../src/haproxy/parse/index.js";

describe("a configuration directory", () => {
  it("reads *.cfg files in byte order, skipping others, hidden files and subdirectories", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lbguard-dir-"));
    for (const name of ["b.cfg", "B.cfg", "_x.cfg", "0.cfg", "notes.txt", ".h.cfg", "x.CFG"])
      writeFileSync(join(dir, name), "global\n");
    mkdirSync(join(dir, "sub.cfg"));
    const paths = await expandConfigPaths([dir]);
    expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(["0.cfg", "B.cfg", "_x.cfg", "b.cfg"]);
  });

  it("ends a section at the end of its file and resolves references across files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lbguard-dir-"));
    writeFileSync(
      join(dir, "10-front.cfg"),
      "frontend www\n    mode http\n    bind :80\n    default_backend web\n",
    );
    writeFileSync(join(dir, "20-back.cfg"), "    timeout server 5s\nbackend web\n    server a 10.0.0.1:80\n");
    const files = await readConfigFiles(await expandConfigPaths([dir]));
    const { model, diagnostics } = parseConfig(files);
    expect(diagnostics.map((d) => `${d.code}@${d.span.file.slice(dir.length + 1)}:${d.span.line}`)).toEqual([
      "out-of-section@20-back.cfg:1",
    ]);
    expect(model.frontends[0]?.defaultBackend?.value).toBe("web");
    expect(model.backends[0]?.servers[0]?.span.file).toBe(join(dir, "20-back.cfg"));
  });
});
