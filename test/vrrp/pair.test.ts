import { describe, expect, it } from "vitest";
import { LbguardError } from "../../src/errors.js";
import { parseCheckUrl, parseVrrpPair, readVrrpPair } from "../../src/vrrp/pair.js";

/** Joins YAML lines with a final newline. */
function yaml(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

const MINIMAL = [
  "vip: 198.51.100.100/24",
  "interface: eth0",
  "virtual_router_id: 51",
  "check:",
  "  url: http://127.0.0.1:8404/healthz",
  "nodes:",
  "  - { name: lb-1, priority: 150 }",
  "  - { name: lb-2, priority: 100 }",
];

/** The `file:line:column: message` lines of the LBG_BAD_VRRP that parsing `text` throws. */
function problemsOf(text: string): string[] {
  try {
    parseVrrpPair(text, "pair.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(LbguardError);
    expect((error as LbguardError).code).toBe("LBG_BAD_VRRP");
    expect((error as LbguardError).exitCode).toBe(2);
    return (error as LbguardError).message
      .split("\n")
      .slice(1)
      .map((l) => l.trim());
  }
  throw new Error("parsing succeeded");
}

/** The place (`line:column`) of each problem. */
function placesOf(text: string): string[] {
  return problemsOf(text).map((p) => /^pair\.yaml:(\d+:\d+):/.exec(p)?.[1] ?? p);
}

describe("parseVrrpPair", () => {
  it("reads a minimal pair and fills the documented defaults", () => {
    expect(parseVrrpPair(yaml(...MINIMAL), "pair.yaml")).toEqual({
      vip: "198.51.100.100/24",
      interface: "eth0",
      virtualRouterId: 51,
      advertInterval: 1,
      vrrpVersion: 2,
      check: {
        url: "http://127.0.0.1:8404/healthz",
        intervalSeconds: 1,
        timeoutSeconds: 1,
        fall: 1,
        rise: 2,
      },
      nodes: [
        { name: "lb-1", priority: 150 },
        { name: "lb-2", priority: 100 },
      ],
    });
  });

  it("reads every field when given", () => {
    const pair = parseVrrpPair(
      yaml(
        "vip: 198.51.100.100/24",
        "interface: ens3",
        "virtual_router_id: 7",
        "advert_interval: 2",
        "vrrp_version: 2",
        "auth_pass: s3cret",
        "check:",
        "  url: http://127.0.0.2:9000/up",
        "  interval: 2",
        "  timeout: 0.5",
        "  fall: 2",
        "  rise: 3",
        "nodes:",
        "  - name: lb-a",
        "    priority: 200",
        "  - name: lb-b",
        "    priority: 199",
      ),
      "pair.yaml",
    );
    expect(pair).toMatchObject({
      interface: "ens3",
      virtualRouterId: 7,
      advertInterval: 2,
      authPass: "s3cret",
      check: { url: "http://127.0.0.2:9000/up", intervalSeconds: 2, timeoutSeconds: 0.5, fall: 2, rise: 3 },
    });
  });

  it("allows fractional advert intervals with VRRPv3 only", () => {
    const v3 = MINIMAL.concat("vrrp_version: 3", "advert_interval: 0.25");
    expect(parseVrrpPair(yaml(...v3), "pair.yaml")).toMatchObject({ vrrpVersion: 3, advertInterval: 0.25 });
    const v2 = MINIMAL.concat("advert_interval: 0.5");
    expect(placesOf(yaml(...v2))).toEqual(["9:18"]);
    expect(problemsOf(yaml(...v2))[0]).toContain("whole seconds");
  });

  it("keeps advert intervals within what keepalived's VRRP headers carry", () => {
    expect(placesOf(yaml(...MINIMAL, "advert_interval: 256"))).toEqual(["9:18"]);
    expect(placesOf(yaml(...MINIMAL, "vrrp_version: 3", "advert_interval: 41"))).toEqual(["10:18"]);
    expect(placesOf(yaml(...MINIMAL, "vrrp_version: 3", "advert_interval: 0.005"))).toEqual(["10:18"]);
    expect(placesOf(yaml(...MINIMAL, "advert_interval: 0"))).toEqual(["9:18"]);
  });

  it("names file, line and column of every problem, sorted, with what to do", () => {
    const text = yaml(
      "vip: 198.51.100.100", // no prefix
      "interface: eth0",
      "virtual_router_id: 256",
      "auth_pass: much-too-long",
      "check:",
      "  url: https://127.0.0.1:8404/healthz",
      "  fall: 0",
      "nodes:",
      "  - { name: lb-1, priority: 255 }",
      "  - { name: lb-1, priority: 100 }",
      "colour: blue",
    );
    const problems = problemsOf(text);
    expect(problems.map((p) => /^pair\.yaml:(\d+:\d+):/.exec(p)?.[1])).toEqual([
      "1:6",
      "3:20",
      "4:12",
      "6:8",
      "7:9",
      "9:29",
      "11:1",
    ]);
    expect(problems[0]).toContain("198.51.100.100/24");
    expect(problems[1]).toContain("from 1 to 255");
    expect(problems[2]).toContain("1 to 8 characters");
    expect(problems[3]).toContain("plain HTTP");
    expect(problems[5]).toContain("from 1 to 254");
    expect(problems[6]).toContain("unknown field 'colour'");
  });

  it("refuses a node listed twice and two nodes with one priority, pointing at the second", () => {
    const names = yaml(
      ...MINIMAL.slice(0, 6),
      "  - { name: lb-1, priority: 150 }",
      "  - { name: lb-1, priority: 100 }",
    );
    expect(placesOf(names)).toEqual(["8:13"]);
    expect(problemsOf(names)[0]).toContain("also listed at line 7");
    const priorities = yaml(
      ...MINIMAL.slice(0, 6),
      "  - { name: lb-1, priority: 150 }",
      "  - { name: lb-2, priority: 150 }",
    );
    expect(placesOf(priorities)).toEqual(["8:29"]);
    expect(problemsOf(priorities)[0]).toContain("like 'lb-1' (line 7)");
  });

  it("refuses auth_pass with VRRPv3, which has no authentication", () => {
    const text = yaml(...MINIMAL, "vrrp_version: 3", "auth_pass: secret");
    expect(placesOf(text)).toEqual(["10:12"]);
    expect(problemsOf(text)[0]).toContain("RFC 5798");
  });

  it("asks for a quoted auth_pass when YAML reads a number", () => {
    expect(problemsOf(yaml(...MINIMAL, "auth_pass: 1234"))[0]).toContain('auth_pass: "1234"');
  });

  it("refuses check URLs that are not plain HTTP on loopback", () => {
    for (const url of [
      "http://10.0.0.1:8404/healthz",
      "http://localhost:8404/healthz",
      "https://127.0.0.1/healthz",
      "http://127.0.0.1:70000/",
      "http://127.0.0.1/a path",
      "http://127.0.0.1/it's",
    ]) {
      const text = yaml(...MINIMAL.slice(0, 4), `  url: "${url}"`, ...MINIMAL.slice(5));
      expect(placesOf(text), url).toEqual(["5:8"]);
    }
  });

  it("refuses VIPs that cannot be a host's address", () => {
    for (const vip of [
      "198.51.100.0/24",
      "198.51.100.255/24",
      "127.0.0.10/8",
      "224.0.0.18/4",
      "10.0.0.1/0",
      "10.00.0.1/8",
    ]) {
      const text = yaml(`vip: ${vip}`, ...MINIMAL.slice(1));
      expect(placesOf(text), vip).toEqual(["1:6"]);
    }
    expect(parseVrrpPair(yaml("vip: 198.51.100.7/32", ...MINIMAL.slice(1)), "p").vip).toBe("198.51.100.7/32");
  });

  it("refuses the loopback interface and names Linux would not take", () => {
    expect(placesOf(yaml(MINIMAL[0]!, "interface: lo", ...MINIMAL.slice(2)))).toEqual(["2:12"]);
    expect(placesOf(yaml(MINIMAL[0]!, "interface: a-very-long-name0", ...MINIMAL.slice(2)))).toEqual([
      "2:12",
    ]);
    expect(placesOf(yaml(MINIMAL[0]!, 'interface: "eth 0"', ...MINIMAL.slice(2)))).toEqual(["2:12"]);
  });

  it("names missing fields on the mapping that lacks them", () => {
    const text = yaml("interface: eth0", "check:", "  interval: 1", "nodes:", "  - { name: lb-1 }");
    const problems = problemsOf(text);
    expect(problems.some((p) => p.startsWith("pair.yaml:1:1:") && p.includes("'vip:'"))).toBe(true);
    expect(problems.some((p) => p.startsWith("pair.yaml:1:1:") && p.includes("virtual_router_id"))).toBe(
      true,
    );
    expect(problems.some((p) => p.startsWith("pair.yaml:3:3:") && p.includes("'url:'"))).toBe(true);
    expect(problems.some((p) => p.startsWith("pair.yaml:5:5:") && p.includes("priority"))).toBe(true);
  });

  it("reports YAML syntax errors and an empty file with a place", () => {
    expect(placesOf("vip: [198.51.100.100/24\n")).toHaveLength(1);
    expect(problemsOf("")[0]).toMatch(/^pair\.yaml:1:1: a pair file is a mapping/);
    expect(problemsOf("vip: a\nvip: b\n")[0]).toMatch(/^pair\.yaml:2:1: not valid YAML/);
  });

  it("gives the places of the parts findings point at", () => {
    const { source } = readVrrpPair(yaml(...MINIMAL), "pair.yaml");
    expect(source.vip).toMatchObject({ file: "pair.yaml", line: 1, column: 6 });
    expect(source.checkUrl).toMatchObject({ line: 5, column: 8 });
    expect(source.nodeNames.map((s) => `${s.line}:${s.column}`)).toEqual(["7:13", "8:13"]);
    expect(source.nodePriorities.map((s) => `${s.line}:${s.column}`)).toEqual(["7:29", "8:29"]);
  });
});

describe("parseCheckUrl", () => {
  it("splits host, port (80 by default) and path (/ by default)", () => {
    expect(parseCheckUrl("http://127.0.0.1:8404/healthz")).toEqual({
      host: "127.0.0.1",
      port: 8404,
      path: "/healthz",
    });
    expect(parseCheckUrl("http://127.0.0.1")).toEqual({ host: "127.0.0.1", port: 80, path: "/" });
    expect(parseCheckUrl("http://127.0.0.1:0/")).toBeUndefined();
  });
});
