import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { checkKeepalivedConf } from "../../src/vrrp/keepalived-check.js";
import { parseVrrpPair } from "../../src/vrrp/pair.js";
import { keepalivedConfPath, nodePaths, renderKeepalivedConf } from "../../src/vrrp/render-keepalived.js";
import { ROOT } from "../helpers.js";

/** `lbguard vrrp ...` through main(), with the real keepalived where it runs. */

const PAIR = join(ROOT, "examples", "vrrp", "pair.yaml");
const GOOD_CFG = join(ROOT, "examples", "vrrp", "haproxy.cfg");
const OUTAGE_CFG = join(ROOT, "examples", "haproxy.cfg");
const dir = mkdtempSync(join(tmpdir(), "lbguard-vrrp-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function lbguard(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(
    argv,
    (s) => (stdout += s),
    (s) => (stderr += s),
  );
  return { code, stdout, stderr };
}

describe("lbguard vrrp check", () => {
  it("passes the example pair with the configuration that serves its check, keepalived accepting both nodes", async () => {
    const run = await lbguard("vrrp", "check", PAIR, "--config", GOOD_CFG, "--no-color");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("no problems found");
    expect(run.stdout).toContain("keepalived -t: lb-1 accepted, lb-2 accepted");
  });

  it("fails with exit 1 when no frontend serves the check URL, pointing into the pair file", async () => {
    const run = await lbguard("vrrp", "check", PAIR, "--config", OUTAGE_CFG, "--json");
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout) as {
      findings: { ruleId: string; span: { file: string; line: number } }[];
      keepalived: { ran: boolean; nodes: { node: string; ok: boolean }[] };
    };
    expect(result.findings.map((f) => `${f.ruleId} ${f.span.line}`)).toEqual([
      "vrrp/check-url-not-served 13",
    ]);
    expect(result.keepalived).toEqual({
      ran: true,
      nodes: [
        { node: "lb-1", ok: true, problems: [] },
        { node: "lb-2", ok: true, problems: [] },
      ],
    });
  });

  it("leaves keepalived out with --no-keepalived and says so", async () => {
    const run = await lbguard("vrrp", "check", PAIR, "--no-keepalived", "--no-color");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("keepalived -t: not run (--no-keepalived)");
  });

  it("exits 1 and shows the rendered line when keepalived refuses a node's configuration", async () => {
    // A stand-in for keepalived that refuses every configuration the way keepalived 2.2 words it.
    const fake = join(dir, "refusing-keepalived");
    writeFileSync(
      fake,
      [
        "#!/bin/bash",
        'file="${2#--use-file=}"',
        'line=$(grep -n "^ *priority " "$file" | cut -d: -f1)',
        'echo "($file: Line $line) (lbguard_vip) Priority not valid! must be between 1 & 255. Using default 100" >&2',
        "exit 5",
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    const run = await lbguard("vrrp", "check", PAIR, "--keepalived", fake, "--no-color");
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("keepalived -t refuses the keepalived.conf rendered for lb-1:");
    expect(run.stdout).toMatch(
      /\n {2}line (\d+): \(lbguard_vip\) Priority not valid!.*\n {4}\1 \| {5}priority 150\n/,
    );
    expect(run.stdout).toContain("keepalived -t: lb-1 REFUSED, lb-2 REFUSED");
  });

  it("exits 2 naming file and line when the pair file is not usable", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, readFileSync(PAIR, "utf8").replace("virtual_router_id: 51", "virtual_router_id: 300"));
    const run = await lbguard("vrrp", "check", bad, "--json");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${bad}:8:20: 'virtual_router_id' must be a whole number from 1 to 255`);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: "LBG_BAD_VRRP" } });
  });

  it("exits 2 on usage errors", async () => {
    expect((await lbguard("vrrp")).code).toBe(2);
    expect((await lbguard("vrrp", "check")).code).toBe(2);
    expect((await lbguard("vrrp", "check", PAIR, "--fail-on", "sometimes")).code).toBe(2);
    expect((await lbguard("vrrp", "render", PAIR)).code).toBe(2);
    expect((await lbguard("vrrp", "check", join(dir, "missing.yaml"))).code).toBe(2);
    expect((await lbguard("vrrp", "--help")).stdout).toContain("Usage: lbguard vrrp check PAIR");
  });
});

describe("lbguard vrrp render", () => {
  const pair = parseVrrpPair(readFileSync(PAIR, "utf8"), PAIR);

  it("prints the node's keepalived.conf for the default directory", async () => {
    const run = await lbguard("vrrp", "render", PAIR, "--node", "lb-2");
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(renderKeepalivedConf(pair, "lb-2", nodePaths("/var/lib/lbguard/keepalived")));
  });

  it("writes keepalived.conf and the scripts into --dir, as the agent would, and keepalived accepts them", async () => {
    const target = join(dir, "node", "keepalived");
    const run = await lbguard("vrrp", "render", PAIR, "--node", "lb-1", "--dir", target, "--json");
    expect(run.code).toBe(0);
    const paths = nodePaths(target);
    const conf = keepalivedConfPath(target);
    expect(JSON.parse(run.stdout)).toEqual({
      node: "lb-1",
      dir: target,
      files: [paths.checkScript, paths.notifyScript, conf],
      scriptSecurity: [],
    });
    expect(statSync(paths.checkScript).mode & 0o777).toBe(0o755);
    expect(statSync(paths.notifyScript).mode & 0o777).toBe(0o755);
    expect(statSync(conf).mode & 0o777).toBe(0o644);
    const text = readFileSync(conf, "utf8");
    expect(text).toBe(renderKeepalivedConf(pair, "lb-1", paths));
    expect(await checkKeepalivedConf(text, { standInInterfaces: ["eth0"] })).toMatchObject({ ok: true });
  });

  it("warns when keepalived would refuse to run the scripts, as keepalived -t confirms", async () => {
    const unsafe = join(dir, "unsafe");
    mkdirSync(unsafe);
    chownSync(unsafe, 65534, 65534);
    const run = await lbguard("vrrp", "render", PAIR, "--node", "lb-1", "--dir", unsafe);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      `keepalived will refuse to run ${nodePaths(unsafe).checkScript} as root: ${unsafe} belongs to uid 65534, not root`,
    );
    const verdict = await checkKeepalivedConf(readFileSync(keepalivedConfPath(unsafe), "utf8"), {
      standInInterfaces: ["eth0"],
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.map((p) => p.message).join("\n")).toMatch(/insecure/);
  });

  it("refuses a node that is not in the pair", async () => {
    const run = await lbguard("vrrp", "render", PAIR, "--node", "lb-9");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("node 'lb-9' is not in the pair (its nodes: lb-1, lb-2)");
  });
});
