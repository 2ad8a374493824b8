import { describe, expect, it } from "vitest";
import { cfg, parse } from "../helpers.js";

describe("global section", () => {
  it("reads stats sockets and reports a wrapped 'expose-fd' line as HAProxy does", () => {
    const { model, diagnostics } = parse(
      cfg("global", "    stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd", "listeners"),
    );
    expect(model.global.statsSockets[0]).toMatchObject({
      level: "admin",
      mode: "660",
      exposeFdListeners: false,
    });
    expect(diagnostics.map((d) => `${d.code}@${d.span.line}`)).toEqual([
      "missing-argument@2",
      "unknown-keyword@3",
    ]);
  });
});
