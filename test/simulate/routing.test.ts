import { describe, expect, it } from "vitest";
import { trafficFromOptions } from "../../src/cli/traffic-options.js";
import { parseConfig } from "../../src/haproxy/parse/index.js";
import type { Config } from "../../src/model/config.js";
import { simulate } from "../../src/simulate/simulate.js";
import type { FrontendPrediction, RequestClass, TrafficInput } from "../../src/simulate/types.js";

/**
 * Where requests go inside a frontend: `use_backend` conditions evaluated against each request
 * class, lines that answer before routing, the default backend, and the shares lbguard cannot
 * determine (never guessed).
 */

const BACKENDS = ["api", "web", "static", "shop", "admin", "secure"];

/** A config with `frontend fe` (bind on port 80 unless `binds` says otherwise) and one server per backend. */
function config(frontendLines: string[], options: { binds?: string[]; extra?: string[] } = {}): Config {
  const text = [
    "defaults",
    "    mode http",
    "    timeout connect 1s",
    "    timeout client 5s",
    "    timeout server 5s",
    "frontend fe",
    ...(options.binds ?? ["bind :80"]).map((line) => `    ${line}`),
    ...frontendLines.map((line) => `    ${line}`),
    ...BACKENDS.flatMap((name, i) => [`backend ${name}`, `    server ${name}1 10.0.2.${i + 1}:80`]),
    ...(options.extra ?? []),
    "",
  ].join("\n");
  const { model, diagnostics } = parseConfig([{ path: "fe.cfg", text }], { env: {} });
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return model;
}

function get(path: string, fields: Partial<RequestClass> = {}): RequestClass {
  return { method: "GET", path, weight: 1, ...fields };
}

function frontend(model: Config, input: TrafficInput, name = "fe"): FrontendPrediction {
  const result = simulate(model, { rps: 100, ...input }, undefined, { failures: false });
  const found = result.frontends.find((f) => f.name === name);
  expect(found).toBeDefined();
  return found!;
}

/** The backend each single request goes to (undefined: none), or "?" when undetermined. */
function destinationOf(model: Config, request: RequestClass, input: TrafficInput = {}): string | undefined {
  const routes = frontend(model, { ...input, requests: [request] }).routes;
  expect(routes).toHaveLength(1);
  return routes[0]!.undetermined ? "?" : routes[0]!.backend;
}

describe("conditions on the request", () => {
  it("path_beg", () => {
    const model = config(["acl is_api path_beg /api", "use_backend api if is_api", "default_backend web"]);
    expect(destinationOf(model, get("/api/orders"))).toBe("api");
    expect(destinationOf(model, get("/apiary"))).toBe("api");
    expect(destinationOf(model, get("/"))).toBe("web");
    expect(destinationOf(model, get("/v1/api"))).toBe("web");
  });

  it("path (exact)", () => {
    const model = config(["use_backend admin if { path /login }", "default_backend web"]);
    expect(destinationOf(model, get("/login"))).toBe("admin");
    expect(destinationOf(model, get("/login/"))).toBe("web");
    expect(destinationOf(model, get("/login", { query: "next=/x" }))).toBe("admin");
  });

  it("path_end", () => {
    const model = config(["use_backend static if { path_end .css .js }", "default_backend web"]);
    expect(destinationOf(model, get("/a/site.css"))).toBe("static");
    expect(destinationOf(model, get("/app.js"))).toBe("static");
    expect(destinationOf(model, get("/app.json"))).toBe("web");
  });

  it("path_reg", () => {
    const model = config(["use_backend api if { path_reg ^/v[0-9]+/ }", "default_backend web"]);
    expect(destinationOf(model, get("/v2/users"))).toBe("api");
    expect(destinationOf(model, get("/vx/users"))).toBe("web");
  });

  it("hdr(host), case-insensitive with -i", () => {
    const model = config(["use_backend shop if { hdr(host) -i shop.example.com }", "default_backend web"]);
    expect(destinationOf(model, get("/", { host: "SHOP.example.com" }))).toBe("shop");
    expect(destinationOf(model, get("/", { host: "www.example.com" }))).toBe("web");
  });

  it("hdr_dom matches whole domain labels", () => {
    const model = config(["use_backend shop if { hdr_dom(host) -i example.com }", "default_backend web"]);
    expect(destinationOf(model, get("/", { host: "www.example.com" }))).toBe("shop");
    expect(destinationOf(model, get("/", { host: "example.com" }))).toBe("shop");
    expect(destinationOf(model, get("/", { host: "notexample.com" }))).toBe("web");
    expect(destinationOf(model, get("/", { host: "example.org" }))).toBe("web");
  });

  // HAProxy's -m dom delimits labels with '.', ':', '/' and '?' (pat_match_dom), so a Host
  // header with a port matches too. Checked against haproxy 2.6.12.
  it("hdr_dom matches a Host header that carries a port", () => {
    const model = config(["use_backend shop if { hdr_dom(host) -i example.com }", "default_backend web"]);
    expect(destinationOf(model, get("/", { host: "www.example.com:8080" }))).toBe("shop");
    expect(destinationOf(model, get("/", { host: "example.com:8443" }))).toBe("shop");
  });

  it("method", () => {
    const model = config(["use_backend api if { method POST PUT }", "default_backend web"]);
    expect(destinationOf(model, get("/", { method: "POST" }))).toBe("api");
    expect(destinationOf(model, get("/", { method: "PUT" }))).toBe("api");
    expect(destinationOf(model, get("/"))).toBe("web");
  });

  it("src splits the share by client address", () => {
    const model = config(["use_backend admin if { src 10.0.0.0/8 }", "default_backend web"]);
    const fe = frontend(model, {
      requests: [get("/")],
      clients: ["10.1.2.3", "192.168.1.1", "10.200.0.9", "172.16.0.1"],
    });
    const byBackend = Object.fromEntries(fe.routes.map((r) => [r.backend, r.share]));
    expect(byBackend).toEqual({ admin: 0.5, web: 0.5 });
    expect(fe.routes.find((r) => r.backend === "admin")!.rps).toBeCloseTo(50, 9);
  });

  it("ssl_fc: true on a TLS-only frontend, false without TLS, undetermined when mixed", () => {
    const lines = ["use_backend secure if { ssl_fc }", "default_backend web"];
    const tls = config(lines, { binds: ["bind :443 ssl crt /etc/ssl/site.pem"] });
    expect(destinationOf(tls, get("/"))).toBe("secure");
    const plain = config(lines, { binds: ["bind :80"] });
    expect(destinationOf(plain, get("/"))).toBe("web");
    const mixed = config(lines, { binds: ["bind :80", "bind :443 ssl crt /etc/ssl/site.pem"] });
    expect(destinationOf(mixed, get("/"))).toBe("?");
  });

  it("always_true and the predefined TRUE ACL always match", () => {
    expect(
      destinationOf(config(["use_backend api if { always_true }", "default_backend web"]), get("/")),
    ).toBe("api");
    expect(destinationOf(config(["use_backend api if TRUE", "default_backend web"]), get("/"))).toBe("api");
  });
});

describe("combining conditions", () => {
  const acls = ["acl is_static path_beg /static /img", "acl is_post method POST"];

  it("negation with !", () => {
    const model = config([...acls, "use_backend api if !is_static", "default_backend web"]);
    expect(destinationOf(model, get("/static/a.png"))).toBe("web");
    expect(destinationOf(model, get("/orders"))).toBe("api");
  });

  it("unless", () => {
    const model = config([...acls, "use_backend api unless is_static", "default_backend web"]);
    expect(destinationOf(model, get("/img/logo.png"))).toBe("web");
    expect(destinationOf(model, get("/orders"))).toBe("api");
  });

  it("terms side by side are ANDed", () => {
    const model = config([...acls, "use_backend api if is_static is_post", "default_backend web"]);
    expect(destinationOf(model, get("/static/x", { method: "POST" }))).toBe("api");
    expect(destinationOf(model, get("/static/x"))).toBe("web");
    expect(destinationOf(model, get("/other", { method: "POST" }))).toBe("web");
  });

  it("|| and or are ORs", () => {
    for (const or of ["||", "or"]) {
      const model = config([...acls, `use_backend api if is_static ${or} is_post`, "default_backend web"]);
      expect(destinationOf(model, get("/static/x"))).toBe("api");
      expect(destinationOf(model, get("/other", { method: "POST" }))).toBe("api");
      expect(destinationOf(model, get("/other"))).toBe("web");
    }
  });

  it("several lines of one named ACL are ORed", () => {
    const model = config([
      "acl special path_beg /a/",
      "acl special path_end .php",
      "acl special method DELETE",
      "use_backend admin if special",
      "default_backend web",
    ]);
    expect(destinationOf(model, get("/a/x"))).toBe("admin");
    expect(destinationOf(model, get("/index.php"))).toBe("admin");
    expect(destinationOf(model, get("/x", { method: "DELETE" }))).toBe("admin");
    expect(destinationOf(model, get("/x"))).toBe("web");
  });

  it("the first use_backend whose condition holds wins", () => {
    const model = config([
      "use_backend static if { path_beg /api/static }",
      "use_backend api if { path_beg /api }",
      "default_backend web",
    ]);
    expect(destinationOf(model, get("/api/static/x"))).toBe("static");
    expect(destinationOf(model, get("/api/x"))).toBe("api");
  });
});

describe("what lbguard cannot know", () => {
  it("a condition on the Host header with no host given is undetermined, not guessed", () => {
    const model = config([
      "use_backend api if { path_beg /api }",
      "use_backend shop if { hdr(host) -i shop.example.com }",
      "default_backend web",
    ]);
    const fe = frontend(model, { requests: [get("/api/x", { weight: 1 }), get("/", { weight: 3 })] });
    // /api is decided before the Host rule is reached.
    const api = fe.routes.find((r) => r.request.path === "/api/x")!;
    expect(api).toMatchObject({ backend: "api", undetermined: false });
    const root = fe.routes.find((r) => r.request.path === "/")!;
    expect(root.undetermined).toBe(true);
    expect(root.backend).toBeUndefined();
    expect(root.reason).toContain("Host");
    expect(fe.undeterminedShare).toBeCloseTo(0.75, 9);
    expect(fe.unroutedShare).toBe(0);
  });

  it("an OR already decided by a known term is not undetermined", () => {
    const model = config([
      "use_backend api if { path_beg /api } || { hdr(host) api.local }",
      "default_backend web",
    ]);
    expect(destinationOf(model, get("/api/x"))).toBe("api");
    expect(destinationOf(model, get("/other"))).toBe("?");
  });

  it("undetermined requests add no rate to any backend", () => {
    const model = config(["use_backend shop if { hdr(host) -i shop.example.com }", "default_backend web"]);
    const result = simulate(model, { rps: 100, requests: [get("/")] }, undefined, { failures: false });
    expect(result.frontends[0]!.undeterminedShare).toBe(1);
    expect(result.backends.find((b) => b.name === "shop")!.rps).toBe(0);
    expect(result.backends.find((b) => b.name === "web")!.rps).toBe(0);
  });

  it("a dynamic use_backend %[...] is undetermined", () => {
    const model = config(["use_backend %[req.hdr(host),lower]", "default_backend web"]);
    const fe = frontend(model, { requests: [get("/", { host: "shop" })] });
    expect(fe.routes[0]!.undetermined).toBe(true);
    expect(fe.undeterminedShare).toBe(1);
  });

  it("no matching rule and no default_backend: the share is unrouted (HAProxy answers 503)", () => {
    const model = config(["use_backend api if { path_beg /api }"]);
    const fe = frontend(model, { requests: [get("/api/x", { weight: 1 }), get("/", { weight: 4 })] });
    expect(fe.unroutedShare).toBeCloseTo(0.8, 9);
    expect(fe.undeterminedShare).toBe(0);
    const root = fe.routes.find((r) => r.request.path === "/")!;
    expect(root).toMatchObject({ undetermined: false, rps: 80 });
    expect(root.backend).toBeUndefined();
  });
});

describe("before and besides use_backend", () => {
  it("http-request deny answers before routing", () => {
    const model = config([
      "http-request deny if { path_beg /admin }",
      "use_backend admin if { path_beg /admin }",
      "default_backend web",
    ]);
    const fe = frontend(model, { requests: [get("/admin/x"), get("/")] });
    const denied = fe.routes.find((r) => r.request.path === "/admin/x")!;
    expect(denied.backend).toBeUndefined();
    expect(denied.undetermined).toBe(false);
    expect(denied.reason).toContain("deny");
    expect(fe.routes.find((r) => r.request.path === "/")!.backend).toBe("web");
    expect(fe.unroutedShare).toBeCloseTo(0.5, 9);
  });

  it("a listen section serves its own requests", () => {
    const model = config(["default_backend web"], {
      extra: ["listen app", "    bind :8080", "    server app1 10.0.3.1:80"],
    });
    const result = simulate(model, { frontendRps: { app: 40 }, requests: [get("/")] }, undefined, {
      failures: false,
    });
    const app = result.frontends.find((f) => f.name === "app")!;
    expect(app.routes.map((r) => [r.backend, r.rps])).toEqual([["app", 40]]);
    const served = result.backends.find((b) => b.name === "app")!;
    expect(served.rps).toBe(40);
    expect(served.servers[0]!.rps).toBeCloseTo(40, 9);
  });
});

describe("rates", () => {
  it("--paths '/:7,/api:3' at 100 req/s sends 70 to web and 30 to api", () => {
    const model = config(["use_backend api if { path_beg /api }", "default_backend web"]);
    const input = trafficFromOptions({ rps: "100", paths: "/:7,/api:3" });
    const result = simulate(model, input, undefined, { failures: false });
    const fe = result.frontends[0]!;
    expect(fe.rps).toBe(100);
    const rate = Object.fromEntries(fe.routes.map((r) => [r.backend, r.rps]));
    expect(rate["web"]).toBeCloseTo(70, 9);
    expect(rate["api"]).toBeCloseTo(30, 9);
    expect(result.backends.find((b) => b.name === "web")!.rps).toBeCloseTo(70, 9);
    expect(result.backends.find((b) => b.name === "api")!.rps).toBeCloseTo(30, 9);
  });

  it("two frontends routing to one backend add up", () => {
    const model = config(["default_backend web"], {
      extra: ["frontend fe2", "    bind :81", "    default_backend web"],
    });
    const result = simulate(model, { frontendRps: { fe: 30, fe2: 12 } }, undefined, { failures: false });
    expect(result.backends.find((b) => b.name === "web")!.rps).toBeCloseTo(42, 9);
  });
});
