import { describe, expect, it } from "vitest";
import { approvalsOption, policyBody, policyOptions } from "../../src/cli/cluster-command.js";
import { main } from "../../src/cli/main.js";
import { runtimeOperation } from "../../src/cli/propose-command.js";
import { watchRollout } from "../../src/cli/rollout-command.js";
import {
  DEFAULT_SERVER,
  idArgument,
  openControl,
  SERVER_HELP,
  SERVER_OPTIONS,
} from "../../src/cli/server-options.js";
import { DEFAULT_CLUSTER_POLICY } from "../../src/control/api-types.js";
import { LbguardError } from "../../src/errors.js";
import { rollout } from "./control-fixtures.js";

async function run(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(
    argv,
    (s) => void (stdout += s),
    (s) => void (stderr += s),
  );
  return { code, stdout, stderr };
}

/** Nothing listens here, so a command that reached the network would fail with another code. */
const NOWHERE = ["--server", "http://127.0.0.1:1", "--token", "t"];

describe("shared control-plane options", () => {
  it("takes the server, token and cluster from the flags, then the environment, then the default", () => {
    const env = { LBGUARD_SERVER: "http://ctl:9000", LBGUARD_TOKEN: "env-token", LBGUARD_CLUSTER: "web" };
    const fromEnv = openControl({}, () => {}, env);
    expect(fromEnv.server).toBe("http://ctl:9000");
    expect(fromEnv.client.base).toBe("http://ctl:9000/api/v1");
    expect(fromEnv.namedCluster).toBe("web");
    const fromFlags = openControl({ server: "http://other:1/", cluster: "api" }, () => {}, env);
    expect(fromFlags.client.base).toBe("http://other:1/api/v1");
    expect(fromFlags.namedCluster).toBe("api");
    const bare = openControl({}, () => {}, {});
    expect(bare.server).toBe(DEFAULT_SERVER);
    expect(bare.namedCluster).toBeUndefined();
  });

  it("prints JSON with --json and text otherwise", () => {
    let printed = "";
    openControl({ json: true }, (s) => (printed += s), {}).print({ a: "\u001b" }, () => "text");
    expect(JSON.parse(printed)).toEqual({ a: "\u001b" });
    printed = "";
    openControl({}, (s) => (printed += s), {}).print({ a: 1 }, () => "text\n");
    expect(printed).toBe("text\n");
  });

  it("documents every shared option", () => {
    for (const name of Object.keys(SERVER_OPTIONS)) expect(SERVER_HELP).toContain(`--${name}`);
  });

  it.each([
    ["12", 12],
    ["1", 1],
  ])("reads the id %s", (text, id) => expect(idArgument("CHANGE", text)).toBe(id));

  it.each(["0", "-1", "1.5", "12abc", "", "1e3"])("refuses the id '%s'", (text) => {
    expect(() => idArgument("CHANGE", text)).toThrow(expect.objectContaining({ code: "LBG_USAGE" }));
  });
});

describe("runtime operations", () => {
  it.each([
    ["drain", { kind: "drain" }],
    ["disable", { kind: "disable" }],
    ["enable", { kind: "enable" }],
    ["weight=0", { kind: "weight", weight: 0 }],
    ["weight=256", { kind: "weight", weight: 256 }],
  ])("reads --runtime %s", (action, expected) => {
    expect(runtimeOperation(action, "web/web-01")).toEqual({
      backend: "web",
      server: "web-01",
      action: expected,
    });
  });

  it.each([
    ["weight=257", "web/web-01"],
    ["weight=", "web/web-01"],
    ["stop", "web/web-01"],
    ["drain", "web-01"],
    ["drain", "web/a/b"],
  ])("refuses --runtime %s %s", (action, target) => {
    expect(() => runtimeOperation(action, target)).toThrow(LbguardError);
  });
});

describe("policy options", () => {
  it("merges the risks named over the current approvals", () => {
    expect(approvalsOption("high=3")).toEqual({ high: 3 });
    const options = policyOptions({ approvals: "high=3, low=0" })!;
    expect(options).toEqual({ approvals: { high: 3, low: 0 } });
    expect(policyBody(options, DEFAULT_CLUSTER_POLICY)).toEqual({
      approvals: { low: 0, medium: 1, high: 3 },
    });
    const kept = { ...DEFAULT_CLUSTER_POLICY, approvals: { low: 2, medium: 2, high: 2 } };
    expect(policyBody(options, kept)).toEqual({ approvals: { low: 0, medium: 2, high: 3 } });
    expect(policyOptions({ drift: "restore", bake: "30" })).toEqual({ drift: "restore", bakeS: 30 });
    expect(policyOptions({})).toBeUndefined();
  });

  it.each([
    { approvals: "critical=1" },
    { approvals: "high" },
    { approvals: "high=-1" },
    { drift: "fix" },
    { bake: "-5" },
  ])("refuses %j", (values) => {
    expect(() => policyOptions(values)).toThrow(expect.objectContaining({ code: "LBG_USAGE" }));
  });
});

describe("watchRollout", () => {
  it("polls until the rollout ends and prints each node's progress", async () => {
    const looks = [
      rollout("running", [
        ["lb-1", "applied"],
        ["lb-2", "applying"],
      ]),
      rollout("halted", [
        ["lb-1", "applied"],
        ["lb-2", "rolled-back"],
      ]),
    ];
    const waits: number[] = [];
    let printed = "";
    const last = await watchRollout(
      rollout("running", [
        ["lb-1", "applying"],
        ["lb-2", "pending"],
      ]),
      async (id) => {
        expect(id).toBe(3);
        return looks.shift()!;
      },
      (s) => (printed += s),
      false,
      async (ms) => waits.push(ms),
    );
    expect(last.state).toBe("halted");
    expect(waits).toEqual([500, 500]);
    expect(printed).toMatch(/lb-1 \(canary\)\s+applying/);
    expect(printed).toMatch(/lb-1 {2}applied\n.*lb-2 {2}applying\n.*lb-2 {2}rolled-back\nrollout #3 halted/);
  });
});

describe("control-plane commands on the command line", () => {
  it("lists them in the main help", async () => {
    const { stdout } = await run("--help");
    for (const command of [
      "cluster create",
      "propose FILE",
      "review CHANGE",
      "approve CHANGE",
      "rollout CHANGE",
      "rollback --to V",
      "history",
      "diff V1 V2",
      "audit [verify]",
      "nodes [add NAME]",
      "token create",
      "whoami",
    ]) {
      expect(stdout).toContain(command);
    }
  });

  it.each([
    ["cluster"],
    ["cluster", "create"],
    ["propose"],
    ["submit"],
    ["review"],
    ["approve"],
    ["reject"],
    ["rollout"],
    ["rollback"],
    ["history"],
    ["diff"],
    ["audit"],
    ["audit", "verify"],
    ["nodes"],
    ["nodes", "add"],
    ["token"],
    ["token", "create"],
    ["user", "create"],
    ["whoami"],
  ])("lbguard %s --help prints its usage", async (...argv) => {
    const { code, stdout } = await run(...argv, "--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: lbguard /);
    expect(stdout).toContain(`lbguard ${argv[0]}`);
    expect(stdout).toContain("--server URL");
  });

  it.each([
    [["cluster"], "cluster needs an action: create, show or policy"],
    [["cluster", "drop"], "not 'drop'"],
    [["cluster", "create", "web"], "--config is required"],
    [["propose", "new.cfg"], "--message is required"],
    [["propose", "-m", "x"], "propose needs one FILE"],
    [["propose", "--runtime", "stop", "web/a", "-m", "x"], "--runtime takes drain"],
    [["approve", "12"], "--message is required"],
    [["reject", "twelve", "-m", "no"], "CHANGE must be a whole number"],
    [["rollout"], "CHANGE is missing"],
    [["rollback"], "--to is required"],
    [["history", "--state", "merged"], "--state must be one of"],
    [["diff", "1"], "diff needs two versions"],
    [["audit", "--limit", "0"], "--limit must be a whole number from 1"],
    [["nodes", "add"], "nodes add needs one NAME"],
    [["token", "create"], "--user is required"],
    [["user", "create", "bob", "--role", "root"], "--role must be one of viewer, operator, approver, admin"],
    [["cluster", "policy", "--drift", "fix"], "--drift must be report or restore"],
  ])("%j is a usage error (exit 2) found before asking the server", async (argv, message) => {
    const { code, stderr } = await run(...argv, ...NOWHERE);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("reads the proposed file before asking the server, naming it when it is missing", async () => {
    const { code, stderr } = await run("propose", "/nonexistent/new.cfg", "-m", "x", ...NOWHERE);
    expect(code).toBe(2);
    expect(stderr).toContain("cannot read /nonexistent/new.cfg");
  });

  it("prints errors as JSON on stdout with --json, and for people on stderr", async () => {
    const { code, stdout, stderr } = await run("approve", "12", "--json", ...NOWHERE);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({
      error: { code: "LBG_USAGE", message: "--message is required", hint: expect.any(String) },
    });
    expect(stderr).toContain("lbguard: --message is required");
  });

  it("reports a server it cannot reach with LBG_SERVER_UNREACHABLE (exit 1)", async () => {
    const { code, stdout } = await run("whoami", "--json", ...NOWHERE);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).error.code).toBe("LBG_SERVER_UNREACHABLE");
  });

  it("points at the command's help for an unknown option", async () => {
    const { code, stderr } = await run("history", "--bogus");
    expect(code).toBe(2);
    expect(stderr).toContain("Run 'lbguard history --help' for usage.");
  });
});
