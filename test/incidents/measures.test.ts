import { describe, expect, it } from "vitest";
import { DEFAULT_CLUSTER_POLICY, type ClusterPolicy } from "../../src/control/api-types.js";
import { correctiveMeasures, measuresAndTasks, policyGaps } from "../../src/incidents/measures.js";
import type { RootCause } from "../../src/incidents/types.js";
import type { Suspect } from "../../src/monitor/types.js";

const SAFE: ClusterPolicy = { approvals: { low: 1, medium: 1, high: 2 }, drift: "restore", bakeS: 60 };

const SUSPECT: Suspect = {
  kind: "version",
  ref: "version:7",
  at: "2026-11-21T10:00:03.120Z",
  actor: "alice",
  node: "lb-1",
  summary: 'version 7: "more weight" by alice',
  touches: { servers: ["web/web-01"], backends: ["web"], frontends: [] },
  rollback: "lbguard rollback --cluster web --to 6",
  score: 0.9,
  reasons: [],
};

describe("policyGaps", () => {
  it("finds nothing in a policy with two nodes, restore, two approvals for high risk and a bake window", () => {
    expect(policyGaps(SAFE, { nodes: 2, approvals: 2 })).toEqual([]);
  });

  it("names a single node, drift only reported, too few approvals and no bake window", () => {
    const policy: ClusterPolicy = { approvals: { low: 0, medium: 0, high: 1 }, drift: "report" };
    expect(policyGaps(policy, { nodes: 1 })).toEqual([
      "a single load-balancer node serves the cluster: it is a single point of failure",
      "a high-risk change needs only 1 approval",
      "a medium-risk change needs no approval",
      "the drift policy is 'report': a change made by hand on a node stays until someone undoes it",
      "the cluster policy sets no bake window: each node watches a new version only as long as its agent's default",
    ]);
  });

  it("names an override of the gate, and a change with no approval", () => {
    expect(policyGaps(SAFE, { nodes: 2, gateOverridden: true, approvals: 1 })).toEqual([
      "a change the gate blocked went out on one admin's override with 1 approval",
    ]);
    expect(policyGaps(SAFE, { nodes: 3, approvals: 0 })).toEqual([
      "the change behind the incident had no approval",
    ]);
  });

  it("reads the default policy as drift reported and no bake window", () => {
    expect(policyGaps(DEFAULT_CLUSTER_POLICY, { nodes: 2 })).toHaveLength(2);
  });
});

describe("correctiveMeasures", () => {
  it("makes one measure per rule in the rule's plain meaning, naming the backend and quoting the finding", () => {
    const measures = correctiveMeasures(
      [
        {
          rule: "server-without-health-check",
          severity: "warning",
          message:
            "none of the 2 servers of backend 'web' is health-checked: a dead server keeps receiving its share of the requests",
        },
        {
          rule: "server-without-health-check",
          severity: "warning",
          message:
            "server api/api-02 has no health check while others in the backend do: if it dies it keeps receiving traffic",
        },
      ],
      [],
    );
    expect(measures).toEqual([
      {
        text:
          "Add health checks to backends web and api ('check' on every server line, or 'default-server check'), so that a dead server stops receiving requests" +
          " (server-without-health-check: \"none of the 2 servers of backend 'web' is health-checked: a dead server keeps receiving its share of the requests\" and 1 more)." +
          " See docs/rules/server-without-health-check.md.",
        source: "finding:server-without-health-check",
      },
    ]);
  });

  it("puts errors first, merges rules that ask for the same action, and quotes rules it has no words for", () => {
    const measures = correctiveMeasures(
      [
        { rule: "missing-timeouts", severity: "warning", message: "frontend 'www' has no timeout client" },
        {
          rule: "capacity/over-capacity",
          severity: "error",
          message: "web-01 (10.0.0.1:80) is predicted at 150.0 req/s against a capacity of 100 (backend web)",
        },
        { rule: "probe/health", severity: "error", message: "GET /health on web-03 answered 500" },
        {
          rule: "plan/bind-moved",
          severity: "error",
          message: "frontend www: bind 127.0.0.1:80 -> 127.0.0.1:8080",
        },
        { rule: "plan/bind-removed", severity: "error", message: "frontend www: bind 10.0.0.9:443 removed" },
      ],
      [],
    );
    expect(measures.map((m) => m.source)).toEqual([
      "finding:capacity/over-capacity",
      "finding:probe/health",
      "finding:plan/bind-moved,plan/bind-removed",
      "finding:missing-timeouts",
    ]);
    expect(measures[0]?.text).toMatch(/^Add capacity to backend web or move load off it/);
    expect(measures[1]?.text).toBe(
      'Fix what probe/health found (probe/health: "GET /health on web-03 answered 500").',
    );
    expect(measures[2]?.text).toMatch(/^Keep frontend www listening where clients connect/);
    expect(measures[3]?.text).toBe(
      "Fix what missing-timeouts found (missing-timeouts: \"frontend 'www' has no timeout client\"). See docs/rules/missing-timeouts.md.",
    );
  });

  it("makes one measure per policy gap, and a generic one for a gap it does not know", () => {
    const gaps = [...policyGaps(DEFAULT_CLUSTER_POLICY, { nodes: 1 }), "nobody is on call at night"];
    expect(correctiveMeasures([], gaps).map((m) => m.source)).toEqual([
      "policy:single-node",
      "policy:drift-report",
      "policy:no-bake-window",
      "policy",
    ]);
    expect(correctiveMeasures([], ["nobody is on call at night"])[0]?.text).toBe(
      "Close the policy gap: nobody is on call at night.",
    );
  });

  it("requires a second admin when the root cause went past the gate on an override, once", () => {
    const rootCause: RootCause = {
      suspect: SUSPECT,
      change: { id: 12, author: "alice", reviewers: ["carol"], message: "more weight", override: "urgent" },
      diff: "",
      planExcerpt: [],
    };
    const alone = correctiveMeasures([], [], rootCause);
    expect(alone).toEqual([
      {
        text: 'Require a second admin to confirm any override of a blocking gate verdict, after reading the gate\'s findings with the author (change 12 went past the gate on the override "urgent").',
        source: "root-cause:override",
      },
    ]);
    const gaps = policyGaps(SAFE, { nodes: 2, gateOverridden: true, approvals: 1 });
    expect(correctiveMeasures([], gaps, rootCause).map((m) => m.source)).toEqual(["policy:gate-overridden"]);
  });

  it("asks for the gate in every apply after a forced change, and for changes through lbguard after a hand change", () => {
    const forced = correctiveMeasures([], [], { suspect: SUSPECT, diff: "", planExcerpt: [], forced: true });
    expect(forced.map((m) => m.source)).toEqual(["root-cause:forced"]);
    const hand = correctiveMeasures([], [], {
      suspect: { ...SUSPECT, kind: "hand-change", node: "lb-2", summary: "weight of web/web-01 set to 0" },
      diff: "",
      planExcerpt: [],
    });
    expect(hand.map((m) => m.source)).toEqual(["root-cause:hand-change"]);
    expect(hand[0]?.text).toContain("weight of web/web-01 set to 0 was made by hand on lb-2");
    const unreviewed = correctiveMeasures([], [], {
      suspect: SUSPECT,
      change: { id: 4, author: "alice", reviewers: [], message: "x" },
      diff: "",
      planExcerpt: [],
    });
    expect(unreviewed.map((m) => m.source)).toEqual(["root-cause:unapproved"]);
  });

  it("gives each measure a task: its action without the evidence", () => {
    const { measures, tasks } = measuresAndTasks(
      [
        {
          rule: "single-server-backend",
          severity: "warning",
          message: "backend 'api' has a single server, 'api-01', and no backup",
        },
      ],
      policyGaps(SAFE, { nodes: 1 }),
    );
    expect(measures).toHaveLength(2);
    expect(tasks).toEqual([
      "Add a second server (or a backup) to backend api, so that one server's failure does not fail every request.",
      "Add a second load-balancer node (behind a shared address or DNS failover), so that one node's failure or one bad apply cannot take the service down.",
    ]);
  });
});
