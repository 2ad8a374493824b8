import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { planCommand } from "../../src/cli/plan-command.js";
import { LbguardError } from "../../src/errors.js";
import { SHARED } from "../helpers.js";

/** `lbguard plan`: reads both configurations, predicts both, prints the plan, exits 0. */

async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await planCommand(
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

const dir = mkdtempSync(join(tmpdir(), "lbguard-plan-"));
const scenarioPath = join(SHARED, "scenarios", "seed-002-one-server-overloaded.yaml");
const scenario = parseYaml(readFileSync(scenarioPath, "utf8")) as { before: string; after: string };
const before = join(dir, "before.cfg");
const after = join(dir, "after.cfg");
writeFileSync(before, scenario.before);
writeFileSync(after, scenario.after);

describe("lbguard plan", () => {
  it("prints the plan and exits 0, even for a high-risk change", async () => {
    const r = await run("--no-color", "--inventory", scenarioPath, "--rps", "160", before, after);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")[0]).toBe("Plan: 1 high, 1 medium, 0 low — 2 changes, overall risk high");
    expect(r.stdout).toContain(`~ server web-01: weight 10 -> 100  ${after}:17  high`);
    expect(r.stdout).toMatch(/web-01 at 158 req\/s, over its capacity of 120 \(132%\)/);
    expect(r.stdout).toMatch(/web-01\s+50% -> 99%\s+80 -> 158\s+120 \(132%\)/);
  });

  it("prints JSON with --json", async () => {
    const r = await run("--json", "--inventory", scenarioPath, "--rps", "160", before, after);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      tool: "lbguard",
      overall: "high",
      before: { files: [before] },
      after: { files: [after] },
    });
    expect(doc.traffic[0].servers[0]).toMatchObject({ server: "web-01", capacityRps: 120 });
  });

  it("works without an inventory (no capacities to judge by)", async () => {
    const r = await run("--json", before, after);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).overall).toBe("medium");
  });

  it("warns on stderr about lines it could not read", async () => {
    const broken = join(dir, "broken.cfg");
    writeFileSync(broken, `${scenario.after}    server web-03\n`);
    const r = await run("--json", before, broken);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/broken\.cfg: 1 line could not be read and is left out of the plan/);
  });

  it("shows its help", async () => {
    const r = await run("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: lbguard plan \[options\] BEFORE AFTER/);
  });

  it.each([
    [["only-one.cfg"], "LBG_USAGE"],
    [[before, join(dir, "missing.cfg")], "LBG_UNREADABLE_INPUT"],
    [["--rps", "many", before, after], "LBG_USAGE"],
    [["--inventory", join(dir, "missing.yaml"), before, after], "LBG_UNREADABLE_INPUT"],
  ])("%j fails with %s (exit code 2)", async (argv, code) => {
    const error = await run(...argv).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LbguardError);
    expect(error).toMatchObject({ code, exitCode: 2 });
  });
});
