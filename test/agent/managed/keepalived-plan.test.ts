import { describe, expect, it } from "vitest";
import { contentHash } from "../../../src/agent/config-store.js";
import { keepalivedPaths } from "../../../src/agent/keepalived-node.js";
import {
  keepalivedProblems,
  planKeepalived,
  renderNodeFiles,
  type KeepalivedFiles,
} from "../../../src/agent/managed/keepalived-plan.js";
import { parseVrrpPair } from "../../../src/vrrp/pair.js";

const PAIR = `vip: 198.51.100.100/24
interface: eth0
virtual_router_id: 51
auth_pass: s3cret
check:
  url: http://127.0.0.1:8404/healthz
nodes:
  - { name: lb-1, priority: 150 }
  - { name: lb-2, priority: 100 }
`;
const MOVED = PAIR.replace("198.51.100.100/24", "198.51.100.101/24");
const paths = keepalivedPaths("/etc/lbguard/keepalived");

const plan = (over: Partial<Parameters<typeof planKeepalived>[0]> = {}) =>
  planKeepalived({
    pairText: PAIR,
    source: "version 3 pair.yaml",
    node: "lb-1",
    paths,
    applied: undefined,
    onDisk: {},
    ...over,
  });

const filesOf = (text: string, node = "lb-1"): KeepalivedFiles =>
  renderNodeFiles(parseVrrpPair(text, "pair.yaml"), node, paths);

describe("planKeepalived", () => {
  it("leaves keepalived alone for a version without a pair", () => {
    expect(plan({ pairText: undefined })).toEqual({ kind: "none" });
  });

  it("renders this node's files with the agent's paths and records the pair with the conf's hash", () => {
    const result = plan();
    expect(result.kind).toBe("change");
    if (result.kind !== "change") return;
    expect(result.files.conf).toContain("router_id lb-1");
    expect(result.files.conf).toContain(paths.checkScript);
    expect(result.files.conf).toContain(paths.notifyScript);
    expect(result.files.checkScript).toContain(paths.maintenanceFile);
    expect(result.files.notifyScript).toContain(paths.stateFile);
    expect(result.applied).toEqual({ text: PAIR, node: "lb-1", confHash: contentHash(result.files.conf) });
  });

  it("renders the other node's files for the other node", () => {
    const result = plan({ node: "lb-2" });
    expect(result.kind === "change" && result.files.conf).toContain("router_id lb-2");
  });

  it("does not touch files already rendered for the pair (a node started with `lbguard vrrp render`)", () => {
    expect(plan({ onDisk: filesOf(PAIR) }).kind).toBe("same");
  });

  it("changes the files when the pair differs from the one applied", () => {
    const applied = { text: PAIR, node: "lb-1", confHash: contentHash(filesOf(PAIR).conf) };
    const result = plan({ pairText: MOVED, applied, onDisk: filesOf(PAIR) });
    expect(result.kind).toBe("change");
    expect(result.kind === "change" && result.files.conf).toContain("198.51.100.101/24");
  });

  it("leaves a hand edit of the applied pair's files alone: that is drift, not a new version", () => {
    const applied = { text: PAIR, node: "lb-1", confHash: contentHash(filesOf(PAIR).conf) };
    const edited = { ...filesOf(PAIR), conf: "# edited by hand\n" };
    expect(plan({ applied, onDisk: edited }).kind).toBe("same");
  });

  it("refuses a pair file that does not parse, naming the version's pair file", () => {
    const result = plan({ pairText: "vip: 300.1.1.1/24\n" });
    expect(result.kind).toBe("invalid");
    expect(result.kind === "invalid" && result.problems.join("\n")).toContain("version 3 pair.yaml");
  });

  it("refuses a pair that does not list this node", () => {
    const result = plan({ node: "lb-3" });
    expect(result).toEqual({
      kind: "invalid",
      problems: ["version 3 pair.yaml: this node, lb-3, is not among the pair's nodes (lb-1, lb-2)"],
    });
  });
});

describe("keepalivedProblems", () => {
  it("names keepalived.conf's line when keepalived -t gives one", () => {
    expect(
      keepalivedProblems("/k/keepalived.conf", [
        { line: 21, message: "WARNING - interface eth9 for vrrp_instance lbguard_vip doesn't exist" },
        { message: "Non-existent interface specified in configuration" },
      ]),
    ).toEqual([
      "/k/keepalived.conf:21: WARNING - interface eth9 for vrrp_instance lbguard_vip doesn't exist",
      "Non-existent interface specified in configuration",
    ]);
  });
});
