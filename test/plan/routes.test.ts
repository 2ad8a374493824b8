import { describe, expect, it } from "vitest";
import { changeOf, codes, DEFAULTS, lines, plan } from "./plan-helpers.js";

/** use_backend rules, ACLs and default_backend, compared by meaning rather than by text. */

const BACKENDS = [
  "backend web",
  "    server web-01 127.0.10.1:8080 check",
  "",
  "backend api",
  "    server api-01 127.0.10.5:8080 check",
  "",
  "backend static",
  "    server static-01 127.0.10.6:8080 check",
  "",
];

function config(...frontend: string[]): string {
  return lines(...DEFAULTS, "frontend www", "    bind 127.0.0.1:18080", ...frontend, "", ...BACKENDS);
}

const API = ["    acl is_api path_beg /api", "    use_backend api if is_api", "    default_backend web"];

describe("plan: routes compared by meaning", () => {
  it.each([
    [
      "a renamed ACL",
      ["    acl api_path path_beg /api", "    use_backend api if api_path", "    default_backend web"],
    ],
    ["an anonymous ACL", ["    use_backend api if { path_beg /api }", "    default_backend web"]],
    [
      "-m beg spelled out",
      ["    acl is_api path -m beg /api", "    use_backend api if is_api", "    default_backend web"],
    ],
    [
      "unless with a negation",
      ["    acl is_api path_beg /api", "    use_backend api unless !is_api", "    default_backend web"],
    ],
  ])("%s is no change to the route", (_, after) => {
    const p = plan(config(...API), config(...after));
    expect(p.changes.filter((c) => c.subject.route !== undefined)).toEqual([]);
  });

  it("patterns in another order, or repeated, are the same ACL", () => {
    const before = config(
      "    acl is_api path_beg /api /v2",
      "    use_backend api if is_api",
      "    default_backend web",
    );
    const after = config(
      "    acl is_api path_beg /v2 /api /v2",
      "    use_backend api if is_api",
      "    default_backend web",
    );
    expect(plan(before, after).changes).toEqual([]);
  });

  it("an ACL whose patterns change changes every route that uses it", () => {
    const after = config(
      "    acl is_api path_beg /api /v2",
      "    use_backend api if is_api",
      "    default_backend web",
    );
    const p = plan(config(...API), after);
    const acl = changeOf(p, { frontend: "www", acl: "is_api" });
    expect(acl).toMatchObject({
      kind: "changed",
      area: "route",
      risk: "medium",
      before: { definition: "path_beg /api" },
      after: { definition: "path_beg /api /v2" },
    });
    expect(codes(acl)).toEqual(["acl-decides-routes"]);
    const route = changeOf(p, { frontend: "www", route: "api" });
    expect(route).toMatchObject({ kind: "changed", risk: "medium", span: { file: "after.cfg", line: 10 } });
    expect(route.reasons).toEqual([
      {
        code: "route-acl-changed",
        risk: "medium",
        message: "acl is_api: path_beg /api -> path_beg /api /v2",
      },
    ]);
  });

  it("a route that now matches every request is high: nothing reaches the default backend", () => {
    const after = config(
      "    acl is_api path_beg /",
      "    use_backend api if is_api",
      "    default_backend web",
    );
    const route = changeOf(plan(config(...API), after), { frontend: "www", route: "api" });
    expect(route.risk).toBe("high");
    expect(route.reasons.at(-1)).toEqual({
      code: "route-shadows-others",
      risk: "high",
      message: "use_backend api now matches every request: no traffic reaches default backend web",
    });
  });

  it("a changed condition written differently says before -> after", () => {
    const before = config("    use_backend api if { path_beg /api }", "    default_backend web");
    const after = config("    use_backend api if { path_beg /v2 }", "    default_backend web");
    const route = changeOf(plan(before, after), { frontend: "www", route: "api" });
    expect(route.summary).toBe("use_backend api: if { path_beg /api } -> if { path_beg /v2 }");
    expect(route.before).toEqual({ backend: "api", condition: "if { path_beg /api }", position: 1 });
    expect(codes(route)).toEqual(["route-condition-changed"]);
  });

  it("an added conditional route is low", () => {
    const after = config(
      ...API.slice(0, 2),
      "    use_backend static if { path_beg /static }",
      "    default_backend web",
    );
    const route = changeOf(plan(config(...API), after), { frontend: "www", route: "static" });
    expect(route).toMatchObject({ kind: "added", risk: "low", after: { position: 2 } });
  });

  it("an added route to a backend that does not exist is high", () => {
    const after = config(
      ...API.slice(0, 2),
      "    use_backend nowhere if { path_beg /x }",
      "    default_backend web",
    );
    const route = changeOf(plan(config(...API), after), { frontend: "www", route: "nowhere" });
    expect(route.risk).toBe("high");
    expect(codes(route)).toContain("route-target-missing");
  });

  it("a removed route is medium when a default backend catches its requests", () => {
    const route = changeOf(plan(config(...API), config("    default_backend web")), {
      frontend: "www",
      route: "api",
    });
    expect(route).toMatchObject({ kind: "removed", risk: "medium", span: { file: "before.cfg", line: 10 } });
    expect(codes(route)).toEqual(["route-removed"]);
  });

  it("a removed route is high when nothing catches its requests", () => {
    const before = config(
      "    use_backend api if { path_beg /api }",
      "    use_backend web if { path_beg /web }",
    );
    const after = config("    use_backend web if { path_beg /web }");
    const route = changeOf(plan(before, after), { frontend: "www", route: "api" });
    expect(route.risk).toBe("high");
    expect(codes(route)).toEqual(["route-removed-no-default"]);
  });

  it("reordered rules are medium", () => {
    const before = config(
      "    use_backend api if { path_beg /api }",
      "    use_backend static if { path_beg /static }",
      "    default_backend web",
    );
    const after = config(
      "    use_backend static if { path_beg /static }",
      "    use_backend api if { path_beg /api }",
      "    default_backend web",
    );
    const p = plan(before, after);
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]).toMatchObject({
      kind: "changed",
      risk: "medium",
      reasons: [{ code: "route-moved" }],
    });
  });

  it("a rule sent to another backend is medium", () => {
    const after = config(
      "    acl is_api path_beg /api",
      "    use_backend static if is_api",
      "    default_backend web",
    );
    const route = changeOf(plan(config(...API), after), { frontend: "www", route: "static" });
    expect(route).toMatchObject({
      kind: "changed",
      risk: "medium",
      before: { backend: "api" },
      after: { backend: "static" },
    });
    expect(codes(route)).toEqual(["route-target-changed"]);
  });

  it("default_backend changes are medium, removal without a catch-all is high", () => {
    const changed = changeOf(plan(config(...API), config(...API.slice(0, 2), "    default_backend static")), {
      frontend: "www",
      setting: "default_backend",
    });
    expect(changed).toMatchObject({ kind: "changed", risk: "medium", before: { default_backend: "web" } });
    const removed = changeOf(plan(config(...API), config(...API.slice(0, 2))), {
      frontend: "www",
      setting: "default_backend",
    });
    expect(removed).toMatchObject({ kind: "removed", risk: "high", span: { file: "before.cfg" } });
  });

  it("an added ACL is low, a removed ACL still used is high", () => {
    const added = plan(config(...API), config("    acl is_v2 path_beg /v2", ...API));
    expect(changeOf(added, { frontend: "www", acl: "is_v2" })).toMatchObject({ kind: "added", risk: "low" });
    const before = config("    acl is_v2 path_beg /v2", "    http-request deny if is_v2", ...API);
    const after = config("    http-request deny if is_v2", ...API);
    const removed = changeOf(plan(before, after), { frontend: "www", acl: "is_v2" });
    expect(removed).toMatchObject({
      kind: "removed",
      risk: "high",
      reasons: [{ code: "acl-removed-still-used" }],
    });
  });
});
