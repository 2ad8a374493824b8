import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkPairConfigs } from "../../src/vrrp/check-pair-configs.js";
import { checkKeepalivedConf, parseProblems } from "../../src/vrrp/keepalived-check.js";
import {
  nodePaths,
  renderCheckScript,
  renderKeepalivedConf,
  renderNotifyScript,
} from "../../src/vrrp/render-keepalived.js";
import { samplePair } from "./pair-fixtures.js";

/**
 * The real `keepalived --config-test` (keepalived 2.2) on rendered configurations. The pair's
 * interface does not exist on this machine, so keepalived tests them in a private network
 * namespace that has one: the host's interfaces are never looked at, let alone touched.
 */

const IFACE = "lbgv1test0";
const pair = samplePair({ interface: IFACE });
const dir = mkdtempSync(join(tmpdir(), "lbguard-keepalived-test-"));
const paths = nodePaths(dir);
writeFileSync(paths.checkScript, renderCheckScript(pair, paths.maintenanceFile), { mode: 0o755 });
writeFileSync(paths.notifyScript, renderNotifyScript(paths.stateFile), { mode: 0o755 });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The line number of the first line of `text` that starts (after spaces) with `prefix`. */
function lineOf(text: string, prefix: string): number {
  return text.split("\n").findIndex((l) => l.trim().startsWith(prefix)) + 1;
}

describe("checkKeepalivedConf", () => {
  it("accepts what lbguard renders", async () => {
    const conf = renderKeepalivedConf(pair, "lb-1", paths);
    expect(await checkKeepalivedConf(conf, { standInInterfaces: [IFACE] })).toEqual({
      ok: true,
      ran: true,
      problems: [],
    });
  });

  it("rejects a broken configuration, naming the line keepalived names", async () => {
    const good = renderKeepalivedConf(pair, "lb-1", paths);
    const broken = good.replace("priority 150", "priority 300").replace("nopreempt", "nopreemptt");
    const result = await checkKeepalivedConf(broken, { standInInterfaces: [IFACE] });
    expect(result.ok).toBe(false);
    expect(result.problems).toContainEqual({
      line: lineOf(broken, "nopreemptt"),
      message: "Unknown keyword 'nopreemptt'",
    });
    const priority = result.problems.filter((p) => p.line === lineOf(broken, "priority 300"));
    expect(priority.length).toBeGreaterThan(0);
    expect(priority.map((p) => p.message).join(" ")).toMatch(/300/);
  });

  it("rejects a configuration whose interface this machine lacks, without a stand-in", async () => {
    const result = await checkKeepalivedConf(renderKeepalivedConf(pair, "lb-1", paths));
    expect(result.ok).toBe(false);
    expect(result.problems.some((p) => p.message.includes(IFACE))).toBe(true);
  });

  it("rejects a health script that does not exist", async () => {
    const conf = renderKeepalivedConf(pair, "lb-1", { ...paths, checkScript: join(dir, "missing.sh") });
    const result = await checkKeepalivedConf(conf, { standInInterfaces: [IFACE] });
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.message).join("\n")).toMatch(/not found/);
  });

  it("says when keepalived cannot be run at all", async () => {
    const result = await checkKeepalivedConf("global_defs {\n}\n", { keepalived: "/nonexistent/keepalived" });
    expect(result).toEqual({
      ok: false,
      ran: false,
      problems: [{ message: "/nonexistent/keepalived is not installed (apt-get install keepalived)" }],
    });
  });

  it("leaves no temporary file behind", async () => {
    const before = (await readdir(tmpdir())).filter((f) => f.startsWith("lbguard-keepalived-")).length;
    await checkKeepalivedConf(renderKeepalivedConf(pair, "lb-2", paths), { standInInterfaces: [IFACE] });
    const after = (await readdir(tmpdir())).filter((f) => f.startsWith("lbguard-keepalived-")).length;
    expect(after).toBe(before);
  });
});

describe("parseProblems", () => {
  it("reads keepalived's '(FILE: Line N)' prefix and keeps other lines whole", () => {
    const out = [
      "(/tmp/x/keepalived.conf: Line 16) Unknown keyword 'nopreemptt'",
      "(/tmp/x/keepalived.conf: Line 16) Unknown keyword 'nopreemptt'",
      "(/etc/other.conf: Line 3) Unknown keyword 'x'",
      "Non-existent interface specified in configuration",
      "",
    ].join("\n");
    expect(parseProblems(out, "/tmp/x/keepalived.conf")).toEqual([
      { line: 16, message: "Unknown keyword 'nopreemptt'" },
      { message: "(/etc/other.conf: Line 3) Unknown keyword 'x'" },
      { message: "Non-existent interface specified in configuration" },
    ]);
  });
});

describe("checkPairConfigs", () => {
  it("has keepalived accept every node's rendered configuration", async () => {
    const result = await checkPairConfigs(pair);
    expect(result.ran).toBe(true);
    expect(result.nodes.map((n) => [n.node, n.ok, n.problems])).toEqual([
      ["lb-1", true, []],
      ["lb-2", true, []],
    ]);
  });

  it("reports keepalived's verdict per node with the rendered text it judged", async () => {
    // A priority keepalived refuses, for one node only: built in code, past the file's checks.
    const result = await checkPairConfigs(
      samplePair({
        interface: IFACE,
        nodes: [
          { name: "lb-1", priority: 150 },
          { name: "lb-2", priority: 256 },
        ],
      }),
    );
    expect(result.nodes.map((n) => n.ok)).toEqual([true, false]);
    const lb2 = result.nodes[1]!;
    expect(lb2.problems.some((p) => p.line === lineOf(lb2.conf, "priority 256"))).toBe(true);
  });
});
