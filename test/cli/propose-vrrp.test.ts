import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ApiClient } from "../../src/client/api-client.js";
import type { Change } from "../../src/control/api-types.js";
import { PAIR_CFG, pairFile, vrrpReport } from "../server/vrrp-fixtures.js";
import { serveForCli } from "./served-cli.js";

/** `lbguard propose --vrrp`, `lbguard diff` and `lbguard nodes` for a pair, against a real server. */
const cli = serveForCli("lbguard-propose-vrrp-", { port: 0 });
const { work, tokens, lbguard } = cli;
const config = join(work, "haproxy.cfg");
const pair = join(work, "pair.yaml");
const badPair = join(work, "bad-pair.yaml");
writeFileSync(config, PAIR_CFG);
writeFileSync(pair, pairFile());
writeFileSync(badPair, pairFile().replace("interface: eth0", "interface: lo"));

describe("lbguard propose --vrrp", () => {
  it("warns of a single node, proposes a pair file alone, diffs it and shows the nodes' VRRP state", async () => {
    expect((await lbguard("admin", "cluster", "create", "web", "--config", config)).code).toBe(0);
    tokens["lb-1"] = (await lbguard("admin", "nodes", "add", "lb-1", "--json")).json<{
      token: { token: string };
    }>().token.token;
    const alone = await lbguard("admin", "nodes");
    expect(alone.stdout).toContain(
      "warning (cluster/single-lb-node): lb-1 is the cluster's only load-balancer node",
    );
    tokens["lb-2"] = (await lbguard("admin", "nodes", "add", "lb-2", "--json")).json<{
      token: { token: string };
    }>().token.token;

    const bad = await lbguard("admin", "propose", "--vrrp", badPair, "-m", "pair");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("pair.yaml:2:");
    const both = await lbguard(
      "admin",
      "propose",
      "--runtime",
      "drain",
      "web/web-02",
      "--vrrp",
      pair,
      "-m",
      "x",
    );
    expect([both.code, both.stderr]).toEqual([2, expect.stringContaining("--runtime and --vrrp")]);

    const proposed = await lbguard("admin", "propose", "--vrrp", pair, "-m", "share the VIP", "--json");
    expect(proposed.code).toBe(0);
    const change = proposed.json<Change>();
    expect([
      change.kind,
      change.verdict,
      change.findings.filter((f) => f.rule.startsWith("cluster/")),
    ]).toEqual(["config", "pass", []]);
    const diff = await lbguard("admin", "diff", "1", String(change.version));
    expect(diff.stdout).toContain(`--- version 1 pair.yaml\n+++ version ${change.version} pair.yaml\n`);
    expect(diff.stdout).toContain("+  - { name: lb-2, priority: 100 }");

    await new ApiClient({ server: cli.server.url, token: tokens["lb-1"]! }).report(vrrpReport("MASTER"));
    await new ApiClient({ server: cli.server.url, token: tokens["lb-2"]! }).report(vrrpReport("BACKUP"));
    const nodes = (await lbguard("admin", "nodes")).stdout.split("\n");
    expect(nodes[0]).toMatch(/\shealth\s+vrrp\s+last seen\s/);
    expect(nodes[1]).toMatch(/^lb-1\s.*\sMASTER, VIP\s/);
    expect(nodes[2]).toMatch(/^lb-2\s.*\sBACKUP\s/);
    expect(nodes.join("\n")).not.toContain("single-lb-node");
  });
});
