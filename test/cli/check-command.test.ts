import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { ROOT } from "../helpers.js";

async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(
    argv,
    (s) => {
      stdout += s;
    },
    (s) => {
      stderr += s;
    },
  );
  return { code, stdout, stderr };
}

function write(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "lbguard-cli-"));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const CLEAN = `global
    maxconn 2048
    stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners
    server-state-file /var/lib/haproxy/server-state

defaults
    mode http
    option forwardfor
    option redispatch
    load-server-state-from-file global
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend www
    bind 127.0.0.1:18080
    default_backend web

backend web
    option httpchk GET /health
    server web-01 127.0.10.1:8080 check
    server web-02 127.0.10.2:8080 check
`;

const BROKEN = CLEAN.replace("default_backend web", "default_backend webb");

describe("lbguard check", () => {
  it("exits 0 on a clean configuration", async () => {
    const r = await run("check", "--no-haproxy", "--no-color", write("clean.cfg", CLEAN));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("no problems found");
  });

  it("exits 1 with file:line:column, the excerpt, why and fix when an error is found", async () => {
    const path = write("broken.cfg", BROKEN);
    const r = await run("check", "--no-haproxy", "--no-color", path);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${path}:17:21  error`);
    expect(r.stdout).toContain("undefined-backend");
    expect(r.stdout).toMatch(/ 17 \|\s+default_backend webb\n\s+\|\s+\^{4}\n/);
    expect(r.stdout).toMatch(/why: HAProxy refuses to start/);
    expect(r.stdout).toMatch(/fix: Define 'backend webb'/);
  });

  it("honours --fail-on", async () => {
    // Checks that only open a TCP connection: a warning, not an error.
    const path = write("warn.cfg", CLEAN.replace("    option httpchk GET /health\n", ""));
    const errorsOnly = await run("check", "--no-haproxy", "--format", "json", path);
    expect(JSON.parse(errorsOnly.stdout).summary.warning).toBeGreaterThan(0);
    expect(errorsOnly.code).toBe(0);
    expect((await run("check", "--no-haproxy", "--fail-on", "warning", path)).code).toBe(1);
    expect((await run("check", "--no-haproxy", "--fail-on", "never", write("b.cfg", BROKEN))).code).toBe(0);
  });

  it("prints findings as JSON data", async () => {
    const r = await run("check", "--no-haproxy", "--json", write("broken.cfg", BROKEN));
    const doc = JSON.parse(r.stdout);
    expect(doc.haproxy).toEqual({ ran: false, reason: "--no-haproxy" });
    expect(doc.findings).toContainEqual(
      expect.objectContaining({
        ruleId: "undefined-backend",
        messageId: "undefinedBackend",
        data: { kind: "frontend", frontend: "www", backend: "webb" },
        severity: "error",
        source: "lbguard",
        span: expect.objectContaining({ line: 17, column: 21, endLine: 17, endColumn: 25 }),
      }),
    );
  });

  it("prints SARIF 2.1.0 with rules, levels and regions", async () => {
    const r = await run("check", "--no-haproxy", "--format", "sarif", write("broken.cfg", BROKEN));
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe("2.1.0");
    const [runLog] = sarif.runs;
    expect(runLog.tool.driver.name).toBe("lbguard");
    const result = runLog.results.find((x: { ruleId: string }) => x.ruleId === "undefined-backend");
    expect(result.level).toBe("error");
    expect(runLog.tool.driver.rules[result.ruleIndex].id).toBe("undefined-backend");
    expect(runLog.tool.driver.rules[result.ruleIndex].help.markdown).toContain("## How to fix");
    expect(result.locations[0].physicalLocation.region).toEqual({
      startLine: 17,
      startColumn: 21,
      endLine: 17,
      endColumn: 25,
    });
    expect(result.locations[0].physicalLocation.artifactLocation.uri).toMatch(/^file:\/\/.*broken\.cfg$/);
  });

  it("exits 2 naming the path when input is unreadable, and on usage errors", async () => {
    const missing = await run("check", "/nonexistent/haproxy.cfg");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("cannot read /nonexistent/haproxy.cfg: no such file or directory");
    expect((await run("check")).code).toBe(2);
    expect((await run("check", "--format", "xml", "x.cfg")).code).toBe(2);
    const unknownFlag = await run("check", "--bogus", "x.cfg");
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("lbguard check --help");
    expect((await run("check", "--disable", "no-such-rule", "x.cfg")).stderr).toContain(
      "there is no rule 'no-such-rule'",
    );
  });

  it("names the file, line and problem of a bad inventory", async () => {
    const inventory = write(
      "inv.yaml",
      "servers:\n  - { name: web-01, role: cache, address: 10.0.0.1:80 }\n",
    );
    const r = await run("check", "--no-haproxy", "--inventory", inventory, write("c.cfg", CLEAN));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${inventory}:2:`);
    expect(r.stderr).toContain("role must be web, db or other");
  });
});

describe("lbguard rules and explain", () => {
  it("lists every rule and prints a doc page", async () => {
    const rules = await run("rules", "--json");
    const list = JSON.parse(rules.stdout) as { id: string }[];
    expect(list.map((r) => r.id)).toContain("route-always-matches");
    const explain = await run("explain", "route-always-matches");
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/^# route-always-matches\n/);
    const unknown = await run("explain", "route-always-match");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("did you mean 'route-always-matches'?");
  });
});

describe("the installed binary", () => {
  it("runs check on a directory and runs haproxy -c alongside", () => {
    const haproxy = spawnSync("haproxy", ["-v"]);
    expect(haproxy.error, "these tests need HAProxy: apt-get install haproxy").toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), "lbguard-bin-"));
    writeFileSync(
      join(dir, "10-main.cfg"),
      CLEAN.replace(
        "    server web-02 127.0.10.2:8080 check\n",
        "    server web-02 127.0.10.2:8080 check\n    reqadd X-Proto:\\ http\n",
      ),
    );
    const r = spawnSync(process.execPath, [join(ROOT, "dist", "cli", "bin.js"), "check", "--json", dir], {
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.haproxy.ran).toBe(true);
    expect(doc.haproxy.exitCode).toBe(1);
    const fromHaproxy = doc.findings.filter((f: { source: string }) => f.source === "haproxy");
    expect(fromHaproxy).toContainEqual(
      expect.objectContaining({ severity: "error", span: expect.objectContaining({ line: 23 }) }),
    );
    expect(fromHaproxy[0].message).toContain("reqadd");
    expect(doc.findings).toContainEqual(
      expect.objectContaining({ source: "parser", ruleId: "parse/removed-keyword" }),
    );
    expect(
      execFileSync(process.execPath, [join(ROOT, "dist", "cli", "bin.js"), "--version"], {
        encoding: "utf8",
      }),
    ).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
