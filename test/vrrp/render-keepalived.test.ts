import { describe, expect, it } from "vitest";
import { LbguardError } from "../../src/errors.js";
import { parseVrrpPair } from "../../src/vrrp/pair.js";
import {
  keepalivedConfPath,
  nodePaths,
  renderCheckScript,
  renderKeepalivedConf,
  renderNotifyScript,
} from "../../src/vrrp/render-keepalived.js";
import { samplePair, SAMPLE_PAIR_YAML } from "./pair-fixtures.js";

const PATHS = nodePaths("/var/lib/lbguard/keepalived");

/** The rendered text's lines without indentation, comments and blank lines. */
function settings(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

describe("nodePaths", () => {
  it("keeps the agent's files in one absolute directory", () => {
    expect(PATHS).toEqual({
      checkScript: "/var/lib/lbguard/keepalived/check-haproxy.sh",
      notifyScript: "/var/lib/lbguard/keepalived/notify-state.sh",
      maintenanceFile: "/var/lib/lbguard/keepalived/maintenance",
      stateFile: "/var/lib/lbguard/keepalived/vrrp-state",
    });
    expect(keepalivedConfPath("/var/lib/lbguard/keepalived")).toBe(
      "/var/lib/lbguard/keepalived/keepalived.conf",
    );
    expect(nodePaths("relative/dir").checkScript).toMatch(/^\/.*\/relative\/dir\/check-haproxy\.sh$/);
  });

  it("refuses directories keepalived would split or read as a comment", () => {
    for (const dir of ["/var/lib/my keepalived", "/srv/#ka", '/srv/"ka"']) {
      expect(() => nodePaths(dir)).toThrow(LbguardError);
    }
  });
});

describe("renderKeepalivedConf", () => {
  it("renders the node's instance: BACKUP, nopreempt, its priority, the pair's VRRP settings", () => {
    const lb1 = settings(renderKeepalivedConf(samplePair(), "lb-1", PATHS));
    expect(lb1).toEqual([
      "global_defs {",
      "router_id lb-1",
      "script_user root",
      "enable_script_security",
      "}",
      "vrrp_script lbguard_haproxy {",
      'script "/var/lib/lbguard/keepalived/check-haproxy.sh"',
      "interval 1",
      "timeout 2",
      "fall 1",
      "rise 2",
      "}",
      "vrrp_instance lbguard_vip {",
      "state BACKUP",
      "nopreempt",
      "interface eth0",
      "virtual_router_id 51",
      "priority 150",
      "version 2",
      "advert_int 1",
      "authentication {",
      "auth_type PASS",
      "auth_pass s3cret",
      "}",
      "virtual_ipaddress {",
      "198.51.100.100/24 dev eth0",
      "}",
      "track_script {",
      "lbguard_haproxy",
      "}",
      "garp_master_delay 1",
      "garp_master_refresh 60",
      'notify "/var/lib/lbguard/keepalived/notify-state.sh"',
      "}",
    ]);
    const lb2 = settings(renderKeepalivedConf(samplePair(), "lb-2", PATHS));
    expect(lb2.filter((l) => !lb1.includes(l))).toEqual(["router_id lb-2", "priority 100"]);
  });

  it("tracks the health script without a weight, so a failure means FAULT", () => {
    const lines = settings(renderKeepalivedConf(samplePair(), "lb-1", PATHS));
    expect(lines.filter((l) => /\bweight\b/.test(l))).toEqual([]);
    expect(lines.filter((l) => l.startsWith("state "))).toEqual(["state BACKUP"]);
  });

  it("renders VRRPv3 with a fractional advert interval and no authentication block", () => {
    const pair = samplePair({ vrrpVersion: 3, advertInterval: 0.5, authPass: undefined });
    const lines = settings(renderKeepalivedConf(pair, "lb-1", PATHS));
    expect(lines).toContain("version 3");
    expect(lines).toContain("advert_int 0.5");
    expect(lines.some((l) => l.startsWith("auth"))).toBe(false);
  });

  it("gives keepalived's script timeout a second more than the probe's, rounded up", () => {
    const pair = samplePair({ check: { ...samplePair().check, timeoutSeconds: 0.5, intervalSeconds: 3 } });
    const lines = settings(renderKeepalivedConf(pair, "lb-1", PATHS));
    expect(lines).toContain("interval 3");
    expect(lines).toContain("timeout 2");
  });

  it("is deterministic and names its source in the header when given", () => {
    const pair = parseVrrpPair(SAMPLE_PAIR_YAML, "pair.yaml");
    const a = renderKeepalivedConf(pair, "lb-1", PATHS, { source: "version 12" });
    expect(renderKeepalivedConf(pair, "lb-1", PATHS, { source: "version 12" })).toBe(a);
    expect(a.split("\n")[0]).toBe("# keepalived.conf of node lb-1, rendered by lbguard from version 12.");
    expect(renderKeepalivedConf(pair, "lb-1", PATHS).split("\n")[0]).toBe(
      "# keepalived.conf of node lb-1, rendered by lbguard.",
    );
  });

  it("refuses a node that is not in the pair, naming those that are", () => {
    expect(() => renderKeepalivedConf(samplePair(), "lb-3", PATHS)).toThrow(
      /'lb-3' is not in the pair \(its nodes: lb-1, lb-2\)/,
    );
  });
});

describe("renderCheckScript and renderNotifyScript", () => {
  it("put the pair's values in quoted assignments, never in the probe's code", () => {
    const script = renderCheckScript(samplePair(), PATHS.maintenanceFile);
    expect(script.startsWith("#!/bin/bash\n")).toBe(true);
    expect(script).toContain("maintenance_file='/var/lib/lbguard/keepalived/maintenance'\n");
    expect(script).toContain("host='127.0.0.1'\nport='8404'\npath='/healthz'\ntimeout_seconds='1'\n");
    expect(script).toContain('exec timeout --kill-after=1 "$timeout_seconds" bash -c');
  });

  it("writes the state file through a rename", () => {
    const script = renderNotifyScript(PATHS.stateFile);
    expect(script).toContain("state_file='/var/lib/lbguard/keepalived/vrrp-state'\n");
    expect(script).toContain('mv -f "$tmp" "$state_file"');
  });
});
