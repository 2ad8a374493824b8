import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ApiClient } from "../../src/client/api-client.js";
import type { ApplyReport, Change, CreatedToken } from "../../src/control/api-types.js";
import { HOSTILE, HOSTILE_SHOWN } from "./control-fixtures.js";
import { serveForCli } from "./served-cli.js";

/**
 * The control-plane commands end to end: `main([...])` against a real `lbguard serve` (SQLite in a
 * temporary directory). Agents are played by the API client with real agent tokens, so rollouts
 * move as the server decides.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const cli = serveForCli("lbguard-control-e2e-", { port: 0 });
const { work, tokens, lbguard } = cli;
const before = join(ROOT, "examples", "change", "before.cfg");
/** The example change with its weight typo: web-01 predicted over its capacity, so blocked. */
const typo = join(ROOT, "examples", "change", "after.cfg");
const good = join(work, "good.cfg");
writeFileSync(
  good,
  readFileSync(before, "utf8").replace(
    "    server web-02 10.0.0.2:8080 check weight 10\n",
    "    server web-02 10.0.0.2:8080 check weight 10\n    server web-03 10.0.0.4:8080 check weight 10\n",
  ),
);

/** Plays one node's agent: waits until a rollout hands it a version, then reports how its apply ended. */
async function agentApplies(node: string, status: ApplyReport["status"], detail?: string): Promise<void> {
  const agent = new ApiClient({ server: cli.server.url, token: tokens[node]! });
  for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
    const desired = await agent.desired(undefined, 0);
    if (desired.rollout !== undefined) {
      await agent.reportApply({
        version: desired.version.id,
        rollout: desired.rollout,
        apply: `apply-${node}`,
        status,
        ...(detail ? { detail } : {}),
      });
      return;
    }
    await sleep(50);
  }
  throw new Error(`no rollout reached ${node} within 10 s`);
}

describe("the control-plane CLI against a real server", () => {
  let goodChange: number;
  /** Every proposal of a config makes a version; the good change's is the one that ships. */
  let goodVersion: number;

  it("sets up a cluster, its policy, users, tokens and nodes", async () => {
    const created = await lbguard(
      "admin",
      "cluster",
      "create",
      "web",
      "--config",
      before,
      "--inventory",
      join(ROOT, "examples", "inventory.yaml"),
      "--rps",
      "400",
      "--json",
    );
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({ name: "web", currentVersion: 1 });

    const policy = await lbguard("admin", "cluster", "policy", "--approvals", "high=1", "--bake", "5");
    expect(policy.stdout).toBe(
      "cluster web policy: approvals low=1 medium=1 high=1, drift report, bake 5 s\n",
    );

    for (const [name, role] of [
      ["alice", "operator"],
      ["bob", "approver"],
    ]) {
      expect((await lbguard("admin", "user", "create", name!, "--role", role!)).code).toBe(0);
      const token = await lbguard("admin", "token", "create", "--user", name!, "--label", "e2e", "--json");
      tokens[name!] = (token.json() as CreatedToken).token;
    }
    expect((await lbguard("alice", "whoami")).stdout).toMatch(/^alice \(role operator\), token /);

    const added = await lbguard("admin", "nodes", "add", "lb-1", "--json");
    const answer = added.json() as { token: CreatedToken; command: string };
    tokens["lb-1"] = answer.token.token;
    expect(answer.command).toBe(`lbguard agent --server ${cli.server.url} --token ${answer.token.token}`);
    const text = await lbguard("admin", "nodes", "add", "lb-2");
    expect(text.stdout).toContain("Its agent token, shown only this once");
    const command = new RegExp(`\n {2}lbguard agent --server ${cli.server.url} --token (lbg_\\S+)\n`).exec(
      text.stdout,
    );
    tokens["lb-2"] = command![1]!;

    const nodes = await lbguard("alice", "nodes");
    expect(nodes.stdout).toMatch(/^lb-1\s+1\s+-\s+-\s+-\s+-\s+none$/m);

    const tokenList = await lbguard("admin", "token", "list");
    expect(tokenList.stdout).toMatch(/\s+operator\s+alice\s+e2e\s+/);
    expect(tokenList.stdout).not.toContain(tokens.alice);
  });

  it("proposes: a blocked change exits 1, a good one 0 and goes to review", async () => {
    const blocked = await lbguard("alice", "propose", typo, "-m", "web-03 joins the pool");
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/gate\s+BLOCK, risk/);
    expect(blocked.stdout).toContain("capacity/over-capacity");

    const proposed = await lbguard("alice", "propose", good, "-m", "web-03 joins the pool", "--json");
    expect(proposed.code).toBe(0);
    const change = proposed.json() as Change;
    expect(change).toMatchObject({
      state: "in-review",
      verdict: "pass",
      author: "alice",
      parent: 1,
      approvalsRequired: 1,
    });
    goodChange = change.id;
    goodVersion = change.version!;
  });

  it("refuses a review by the wrong role and by the author, and takes another approver's", async () => {
    const byOperator = await lbguard("alice", "approve", String(goodChange), "-m", "mine is fine", "--json");
    expect(byOperator.code).toBe(1);
    expect((byOperator.json() as { error: { code: string } }).error.code).toBe("LBG_FORBIDDEN");

    const own = await lbguard("bob", "propose", good, "-m", "the same, by bob");
    expect(own.code).toBe(0);
    const ownId = /change #(\d+)/.exec(own.stdout)![1]!;
    const self = await lbguard("bob", "approve", ownId, "-m", "trust me", "--json");
    expect(self.code).toBe(1);
    expect(self.json()).toEqual({
      error: { code: "LBG_SELF_REVIEW", message: expect.any(String), hint: expect.any(String) },
    });
    expect(self.stderr).toMatch(/^lbguard: /);

    const approved = await lbguard("bob", "approve", String(goodChange), "-m", "capacity checked");
    expect(approved.code).toBe(0);
    expect(approved.stdout).toBe(
      `change #${goodChange} is approved (1 of 1 approvals); roll it out with 'lbguard rollout ${goodChange} --wait'\n`,
    );

    const review = await lbguard("alice", "review", String(goodChange));
    expect(review.stdout).toContain(`change #${goodChange}  approved`);
    expect(review.stdout).toContain("approved by bob");
    expect(review.stdout).toContain("Diff against the parent");
    expect(review.stdout).toContain("+    server web-03 10.0.0.4:8080 check weight 10");
  });

  it("rolls out canary first with --wait, node by node, to completion", async () => {
    const rollout = lbguard("alice", "rollout", String(goodChange), "--wait");
    await agentApplies("lb-1", "promoted");
    await agentApplies("lb-2", "promoted");
    const done = await rollout;
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/lb-1 \(canary\)\s+applying/);
    expect(done.stdout).toMatch(/lb-1 {2}applied {2}apply-lb-1/);
    expect(done.stdout).toMatch(/lb-2 {2}applied/);
    expect(done.stdout).toContain("completed: every node runs the new version");
  });

  it("shows history, versions and diffs", async () => {
    const history = await lbguard("alice", "history");
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(
      new RegExp(`^#${goodChange}\\s+applied\\s+alice\\s+pass\\s+\\w+\\s+version 1 -> ${goodVersion}`, "m"),
    );
    expect(history.stdout).toMatch(/\s+superseded\s+alice\s+block\s+/);
    const applied = await lbguard("alice", "history", "--state", "applied", "--json");
    expect((applied.json() as Change[]).map((c) => c.id)).toEqual([goodChange]);

    const versions = await lbguard("alice", "history", "--versions");
    expect(versions.stdout).toMatch(new RegExp(`^\\* ${goodVersion}\\s+[0-9a-f]{12}\\s+1\\s+alice`, "m"));
    expect(versions.stdout).toMatch(/^ {2}1\s+[0-9a-f]{12}\s+-\s+admin/m);

    const diff = await lbguard("alice", "diff", "1", String(goodVersion));
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain("+    server web-03 10.0.0.4:8080 check weight 10\n");
    expect((await lbguard("alice", "diff", "1", "99")).code).toBe(1);
  });

  it("rolls back; a rollback the canary undoes halts and exits 1", async () => {
    const rollback = lbguard("bob", "rollback", "--to", "1", "-m", "5xx since the new version", "--wait");
    await agentApplies("lb-1", "rolled-back", "5xx rate over the policy");
    const halted = await rollback;
    expect(halted.code).toBe(1);
    expect(halted.stdout).toMatch(/rolls back to version 1/);
    expect(halted.stdout).toMatch(/lb-1 {2}rolled-back {2}apply-lb-1: 5xx rate over the policy/);
    expect(halted.stdout).toMatch(/rollout #\d+ halted/);
    const show = await lbguard("alice", "cluster", "show");
    expect(show.stdout).toContain(`cluster web  current version ${goodVersion}`);
  });

  it("prints hostile text from the server escaped", async () => {
    const proposed = await lbguard("alice", "propose", "--runtime", "weight=5", "web/web-01", "-m", HOSTILE);
    expect(proposed.stdout).toContain(HOSTILE_SHOWN);
    const history = await lbguard("alice", "history");
    expect(history.stdout).toContain(HOSTILE_SHOWN);
    expect(history.stdout).not.toContain("\u001b");
    expect(history.stdout).not.toContain("\u202e");
  });

  it("lists the audit log and verifies its chain", async () => {
    const audit = await lbguard("alice", "audit", "--limit", "1000");
    expect(audit.code).toBe(0);
    for (const type of [
      "cluster.created",
      "user.created",
      "change.proposed",
      "review.approved",
      "rollout.started",
      "rollout.completed",
      "rollout.halted",
    ]) {
      expect(audit.stdout).toContain(type);
    }
    expect(audit.stdout).toMatch(
      /^1\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+lbguard\s+user\.created\s+user:admin$/m,
    );
    const approvals = await lbguard("alice", "audit", "--type", "review.approved", "--json");
    const events = approvals.json() as { type: string; actor: string }[];
    expect(events.map((e) => [e.type, e.actor])).toEqual([["review.approved", "bob"]]);

    const verify = await lbguard("alice", "audit", "verify");
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^\d+ events, chain intact\n$/);
  });
});
