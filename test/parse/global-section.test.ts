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

describe("stats settings", () => {
  it("are inherited from defaults only by proxies without stats lines of their own", () => {
    const { model } = parse(
      cfg(
        "defaults",
        "    mode http",
        "    stats auth admin:secret",
        "frontend a",
        "    bind :80",
        "frontend b",
        "    bind :81",
        "    stats uri /x",
      ),
    );
    const [a, b] = model.frontends;
    expect(a?.stats.auth.map((x) => x.value)).toEqual(["admin:secret"]);
    expect(b?.stats.auth).toEqual([]);
    expect(b?.stats.uri?.value).toBe("/x");
  });

  it("default a stats socket to HAProxy 2.6's operator level", () => {
    const { model } = parse(cfg("global", "    stats socket /run/haproxy.sock"));
    expect(model.global.statsSockets[0]?.level).toBe("operator");
  });
});
