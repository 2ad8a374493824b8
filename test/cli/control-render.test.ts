import { describe, expect, it } from "vitest";
import { renderTokenCreated, renderTokens, renderWhoAmI } from "../../src/cli/render/account-text.js";
import { renderEvents, verificationText } from "../../src/cli/render/audit-text.js";
import {
  renderChange,
  renderChangeList,
  renderDiff,
  renderRollout,
  rolloutProgress,
} from "../../src/cli/render/change-text.js";
import {
  agentCommandLine,
  renderCluster,
  renderNodeAdded,
  renderNodes,
  renderVersions,
} from "../../src/cli/render/cluster-text.js";
import { escapeControl, terminalSafe } from "../../src/cli/render/terminal-safe.js";
import { DEFAULT_CLUSTER_POLICY } from "../../src/control/api-types.js";
import { change, event, HOSTILE, HOSTILE_SHOWN, node, rollout } from "./control-fixtures.js";

/* eslint-disable no-control-regex -- these tests are about finding control characters */
/** Any character a terminal acts on, other than newline. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** The colour codes the painter writes. */
const PAINT_CODE = /\u001b\[[\d;]*m/g;
/* eslint-enable no-control-regex */

describe("escapeControl", () => {
  it("writes control and invisible formatting characters as escapes and leaves the rest", () => {
    expect(escapeControl(HOSTILE)).toBe(HOSTILE_SHOWN);
    expect(escapeControl("a\nb\tc\u200b\u2028é✓")).toBe("a\\nb\\tc\\u200b\\u2028é✓");
  });

  it("keeps newlines and tabs in multi-line text", () => {
    expect(escapeControl("+ server a\t10.0.0.1:80\n- x\u001b[31m\r\n", { multiline: true })).toBe(
      "+ server a\t10.0.0.1:80\n- x\\x1b[31m\\r\n",
    );
  });

  it("reaches every string of a value, keys included", () => {
    expect(terminalSafe({ [HOSTILE]: [HOSTILE, 1, null, { deep: HOSTILE }] })).toEqual({
      [HOSTILE_SHOWN]: [HOSTILE_SHOWN, 1, null, { deep: HOSTILE_SHOWN }],
    });
  });
});

describe("renderChange", () => {
  it("shows the id, verdict, risk, approvals still needed, findings and the plan summary", () => {
    const text = renderChange(change(), { color: false, plan: "summary" });
    expect(text).toContain("change #12  in-review  (config, cluster web)");
    expect(text).toMatch(/gate\s+PASS, risk medium/);
    expect(text).toMatch(/approvals\s+0 of 2 approvals; needs 2 more/);
    expect(text).toMatch(/changes\s+version 4 -> 5/);
    expect(text).toContain("warn   haproxy.cfg:12:5  web-01 (10.0.0.1:80) is predicted at 130.0 req/s");
    expect(text).toContain("capacity/over-capacity");
    expect(text).toContain("Plan: 0 high, 1 medium, 0 low, overall risk medium");
    expect(text).toContain("server web-03 added (10.0.0.3:80, weight 1)  haproxy.cfg:12  medium");
    expect(text).not.toContain("Reviews");
    expect(text).not.toContain("share-moved");
  });

  it("says a blocked change needs an admin's override", () => {
    const text = renderChange(change({ verdict: "block", risk: "high" }), { color: false });
    expect(text).toMatch(/gate\s+BLOCK, risk high/);
    expect(text).toContain("blocked by the gate, only an admin's --override can approve it");
  });

  it("shows a runtime operation instead of versions", () => {
    const { version: _version, ...config } = change();
    const text = renderChange(
      {
        ...config,
        kind: "runtime",
        operation: { backend: "web", server: "web-01", action: { kind: "weight", weight: 5 } },
      },
      { color: false },
    );
    expect(text).toMatch(/changes\s+weight=5 web\/web-01/);
    expect(text).not.toContain("Plan:");
  });

  it("in full: the plan's reasons, the reviews with an override, the rollout and the diff", () => {
    const reviewed = change({
      state: "rolling-out",
      approvals: 2,
      reviews: [
        { reviewer: "bob", decision: "approve", comment: "looks fine", createdAt: "2025-03-01T10:01:00Z" },
        {
          reviewer: "root",
          decision: "approve",
          comment: "ship it",
          override: "capacity was raised yesterday",
          createdAt: "2025-03-01T10:02:00Z",
        },
      ],
      rollout: rollout("running", [
        ["lb-1", "applied"],
        ["lb-2", "pending"],
      ]),
    });
    const text = renderChange(reviewed, { color: false, plan: "full", diff: "@@ -1 +1 @@\n-a\n+b\n" });
    expect(text).toContain("web-01 share 50% -> 98%");
    expect(text).toContain("approved by bob  2025-03-01 10:01:00  looks fine");
    expect(text).toContain("override: capacity was raised yesterday");
    expect(text).toContain("rollout #3 of change #12: running  (started by carol)");
    expect(text).toMatch(/lb-1 \(canary\)\s+applied/);
    expect(text).toContain("Diff against the parent\n@@ -1 +1 @@\n-a\n+b\n");
  });

  it("prints hostile text from the server literally and without raw control characters", () => {
    const hostile = change({
      author: HOSTILE,
      message: HOSTILE,
      findings: [{ rule: HOSTILE, severity: "error", message: HOSTILE }],
      reviews: [{ reviewer: HOSTILE, decision: "reject", comment: HOSTILE, createdAt: HOSTILE }],
    });
    const plain = renderChange(hostile, { color: false, plan: "full", diff: `+${HOSTILE}\n` });
    expect(plain).not.toMatch(RAW_CONTROL);
    expect(plain.split(HOSTILE_SHOWN).length - 1).toBeGreaterThanOrEqual(6);
    // With colour, the only escape sequences are the painter's own.
    const painted = renderChange(hostile, { color: true, plan: "full", diff: `+${HOSTILE}\n` });
    expect(painted.replace(PAINT_CODE, "")).not.toMatch(RAW_CONTROL);
    expect(painted).toContain("\u001b[");
  });
});

describe("renderChangeList", () => {
  it("lists one row per change with state, author, verdict, risk and what it changes", () => {
    const text = renderChangeList(
      [
        change(),
        change({
          id: 11,
          state: "applied",
          author: "bob",
          verdict: "block",
          risk: "high",
          version: 4,
          parent: 3,
        }),
      ],
      false,
    );
    const [header, first, second] = text.split("\n");
    expect(header).toMatch(/^change\s+state\s+author\s+verdict\s+risk\s+what\s+proposed\s+message$/);
    expect(first).toMatch(
      /^#12\s+in-review\s+alice\s+pass\s+medium\s+version 4 -> 5\s+2025-03-01 10:00:00\s+add web-03$/,
    );
    expect(second).toMatch(/^#11\s+applied\s+bob\s+block\s+high\s+version 3 -> 4/);
    expect(renderChangeList([], false)).toBe("no changes\n");
  });

  it("keeps one change on one line even when its message has newlines", () => {
    const text = renderChangeList([change({ message: "one\ntwo" })], false);
    expect(text.trimEnd().split("\n")).toHaveLength(2);
    expect(text).toContain("one\\ntwo");
  });
});

describe("renderDiff", () => {
  it("keeps the lines of a diff and says so when there is no difference", () => {
    expect(renderDiff("--- v1\n+++ v2\n-a\n+b", false)).toBe("--- v1\n+++ v2\n-a\n+b\n");
    expect(renderDiff("", false)).toBe("(no difference)\n");
  });

  it("colours added and removed lines", () => {
    expect(renderDiff("-a\n+b\n", true)).toBe("\u001b[31m-a\u001b[0m\n\u001b[32m+b\u001b[0m\n");
  });
});

describe("rollout rendering", () => {
  it("prints only the nodes that moved since the last look", () => {
    const first = rollout("running", [
      ["lb-1", "applying"],
      ["lb-2", "pending"],
    ]);
    const next = rollout("running", [
      ["lb-1", "applied"],
      ["lb-2", "pending"],
    ]);
    expect(rolloutProgress(first, next, false)).toBe("2025-03-01 10:05:00  lb-1  applied\n");
    expect(rolloutProgress(next, next, false)).toBe("");
  });

  it("says how the rollout ended", () => {
    const running = rollout("running", [["lb-1", "applying"]]);
    expect(rolloutProgress(running, rollout("completed", [["lb-1", "applied"]]), false)).toContain(
      "rollout #3 completed: every node runs the new version",
    );
    const halted = { ...rollout("halted", [["lb-1", "rolled-back"]]) };
    halted.nodes[0]!.detail = "5xx rate 12% over 1%";
    const text = rolloutProgress(running, halted, false);
    expect(text).toContain("lb-1  rolled-back  5xx rate 12% over 1%");
    expect(text).toContain("rollout #3 halted");
  });

  it("names the canary", () => {
    const text = renderRollout(
      rollout("running", [
        ["lb-1", "applying"],
        ["lb-2", "pending"],
      ]),
      false,
    );
    expect(text).toMatch(/lb-1 \(canary\)\s+applying/);
    expect(text).toMatch(/\n\s+lb-2\s+pending/);
  });
});

describe("cluster and node rendering", () => {
  it("shows each node's versions, running hash, health, last report and drift", () => {
    const drifted = node({
      name: "lb-2",
      appliedVersion: 4,
      health: { haproxy: "down", error: "connect ENOENT" },
      drift: [{ kind: "file", since: "2025-03-01T09:00:00Z", diff: "-old\n+new\u001b[2J\n" }],
    });
    const {
      health: _health,
      lastSeenAt: _seen,
      runningHash: _hash,
      appliedVersion: _applied,
      ...fresh
    } = node({ name: "lb-3" });
    const text = renderNodes([node(), drifted, fresh], false);
    const rows = text.split("\n");
    expect(rows[0]).toMatch(/^node\s+desired\s+applied\s+running\s+health\s+last seen\s+drift$/);
    expect(rows[1]).toMatch(
      /^lb-1\s+5\s+5\s+9f86d081884c\s+up 3\/4 servers 41\.3 req\/s\s+2025-03-01 10:06:07\s+none$/,
    );
    expect(rows[2]).toMatch(/^lb-2\s+5\s+4\s+9f86d081884c\s+down: connect ENOENT\s+.*\s+file$/);
    expect(rows[3]).toMatch(/^lb-3\s+5\s+-\s+-\s+-\s+-\s+none$/);
    expect(text).toContain("lb-2: file drift since 2025-03-01 09:00:00\n-old\n+new\\x1b[2J");
    expect(renderNodes([], false)).toContain("lbguard nodes add NAME");
  });

  it("shows a cluster's current version and policy", () => {
    const text = renderCluster(
      {
        name: "web",
        policy: { ...DEFAULT_CLUSTER_POLICY, bakeS: 30 },
        currentVersion: 5,
        createdAt: "2025-03-01T08:00:00Z",
        nodes: [node()],
      },
      false,
    );
    expect(text).toContain("cluster web  current version 5");
    expect(text).toContain("policy: approvals low=1 medium=1 high=2, drift report, bake 30 s");
    expect(text).toMatch(/lb-1\s+5\s+5/);
  });

  it("prints a new node's token once with the command line for its agent", () => {
    const token = {
      id: "tk_9",
      label: "agent lb-3",
      role: "agent" as const,
      cluster: "web",
      node: "lb-3",
      createdAt: "2025-03-01T10:00:00Z",
      token: "lbg_s3cr3t",
    };
    const text = renderNodeAdded({ node: node({ name: "lb-3" }), token }, "http://10.0.0.9:8700", false);
    expect(text).toContain("node lb-3 added to cluster web");
    expect(text).toContain("\n  lbg_s3cr3t\n");
    expect(text).toContain("lbguard agent --server http://10.0.0.9:8700 --token lbg_s3cr3t");
  });

  it("quotes what a shell would otherwise split or expand in the agent's command line", () => {
    expect(agentCommandLine("http://lb ctl:8700", "a'b$c")).toBe(
      "lbguard agent --server 'http://lb ctl:8700' --token 'a'\\''b$c'",
    );
  });

  it("marks the current version", () => {
    const v = (id: number) => ({
      id,
      cluster: "web",
      hash: "ab".repeat(32),
      author: "alice",
      message: `v${id}`,
      createdAt: "2025-03-01T10:00:00Z",
      ...(id > 1 ? { parent: id - 1 } : {}),
    });
    const lines = renderVersions([v(2), v(1)], 2, false).split("\n");
    expect(lines[1]).toMatch(/^\* 2\s+abababababab\s+1\s+alice/);
    expect(lines[2]).toMatch(/^ {2}1\s+abababababab\s+-\s+alice/);
  });
});

describe("audit, tokens and whoami rendering", () => {
  it("lists events as seq, time, actor, type and subject", () => {
    const text = renderEvents(
      [event(1), event(2, { type: "review.approved", actor: "bob", subject: HOSTILE })],
      false,
    );
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^seq\s+time\s+actor\s+type\s+subject$/);
    expect(lines[1]).toMatch(/^1\s+2025-03-01 10:00:00\s+alice\s+change\.proposed\s+change:12$/);
    expect(lines[2]).toContain(HOSTILE_SHOWN);
    expect(text).not.toMatch(RAW_CONTROL);
  });

  it("names the cluster as the subject of an event about no other thing", () => {
    const { subject: _subject, ...clusterEvent } = event(3, { type: "cluster.created" });
    const { subject: _none, cluster: _cluster, ...bare } = event(4, { type: "user.created" });
    const lines = renderEvents([clusterEvent, bare], false).split("\n");
    expect(lines[1]).toMatch(/cluster\.created\s+cluster:web$/);
    expect(lines[2]).toMatch(/user\.created\s+-$/);
  });

  it("states the chain check's result in one line", () => {
    expect(verificationText({ ok: true, checked: 42 })).toBe("42 events, chain intact");
    expect(verificationText({ ok: false, checked: 42, broken: { seq: 17, reason: "hash mismatch" } })).toBe(
      "the audit chain is broken at event 17: hash mismatch (42 events checked)",
    );
  });

  it("shows a new token's secret once, and lists tokens without secrets", () => {
    const info = {
      id: "tk_1",
      label: "laptop",
      role: "operator" as const,
      user: "alice",
      createdAt: "2025-03-01T10:00:00Z",
    };
    expect(renderTokenCreated({ ...info, token: "lbg_secret" }, false)).toBe(
      "token tk_1 for alice (role operator, label laptop), shown only this once:\n  lbg_secret\n",
    );
    const list = renderTokens([info, { ...info, id: "tk_2", revokedAt: "2025-03-02T00:00:00Z" }], false);
    expect(list).toMatch(/tk_1\s+operator\s+alice\s+laptop\s+2025-03-01 10:00:00\s+active/);
    expect(list).toMatch(/tk_2\s+.*revoked 2025-03-02 00:00:00/);
    expect(list).not.toContain("lbg_secret");
  });

  it("says who the token belongs to", () => {
    expect(renderWhoAmI({ name: "alice", role: "approver", token: "tk_1" })).toBe(
      "alice (role approver), token tk_1\n",
    );
    expect(
      renderWhoAmI({ name: "node:web/lb-1", role: "agent", token: "tk_2", cluster: "web", node: "lb-1" }),
    ).toContain("agent of node web/lb-1");
  });
});
