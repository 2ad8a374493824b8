import { join } from "node:path";
import { DEFAULT_CLUSTER_POLICY, type Change } from "../../src/control/api-types.js";
import { evaluateChange } from "../../src/gate/evaluate-change.js";
import { policyGaps } from "../../src/incidents/measures.js";
import { explainRootCause } from "../../src/incidents/root-cause.js";
import type { Impact, PostmortemInput, TimelineEntry } from "../../src/incidents/types.js";
import { readScenario } from "../../src/lab/scenario.js";
import type { Suspect } from "../../src/monitor/types.js";
import { SHARED } from "../helpers.js";

/**
 * A realistic incident, replaying seed 003: change 12 puts the database server db-01 into the
 * web pool; the gate blocks it, an admin overrides the block, lb-1 applies version 7, a third of
 * the requests fail, the agent rolls back. The plan and findings are the gate's own, computed
 * from the shared scenario; the events, samples and suspect are what the store would hold.
 */
export async function seed003Input(options: { timeZone?: string } = {}): Promise<PostmortemInput> {
  const scenario = readScenario(join(SHARED, "scenarios", "seed-003-database-in-pool.yaml"));
  const judged = await evaluateChange({
    before: [{ path: "version-6.cfg", text: scenario.before }],
    after: [{ path: "version-7.cfg", text: scenario.after }],
    inventory: { file: scenario.path, servers: scenario.servers },
    traffic: { rps: scenario.load.rps },
    env: {},
  });
  const change: Change = {
    id: 12,
    cluster: "web",
    kind: "config",
    state: "rolled-back",
    author: "alice",
    message: "add db-01 to the web pool for the | migration",
    parent: 6,
    version: 7,
    verdict: judged.result.verdict,
    risk: judged.plan.overall,
    approvals: 2,
    approvalsRequired: 2,
    createdAt: "2026-11-21T09:58:40.000Z",
    updatedAt: "2026-11-21T10:00:10.400Z",
    findings: judged.result.findings,
    plan: judged.plan,
    reviews: [
      { reviewer: "bob", decision: "approve", comment: "looks fine", createdAt: "2026-11-21T09:59:30.000Z" },
      {
        reviewer: "carol",
        decision: "approve",
        comment: "needed tonight",
        override: "the inventory still lists db-01 as a database",
        createdAt: "2026-11-21T10:00:01.800Z",
      },
    ],
  };
  const suspect: Suspect = {
    kind: "version",
    ref: "version:7",
    at: "2026-11-21T10:00:03.120Z",
    actor: "alice",
    node: "lb-1",
    summary: 'version 7: "add db-01 to the web pool for the | migration" by alice',
    touches: { servers: ["web/db-01"], backends: ["web"], frontends: [] },
    shareShift: { "web/db-01": 33.3, "web/web-01": -16.7, "web/web-02": -16.7 },
    rollback: "lbguard rollback --cluster web --to 6",
    score: 0.92,
    reasons: [
      "added web/db-01 to backend web, whose 5xx ratio the alert names",
      "took effect 6.8 s before the alert fired",
    ],
  };
  const rootCause = explainRootCause({
    suspect,
    change,
    before: { name: "version 6", text: scenario.before },
    after: { name: "version 7", text: scenario.after },
    plan: judged.plan,
  });
  return {
    incident: {
      id: 3,
      cluster: "web",
      title: "5xx on backend web after version 7",
      openedAt: "2026-11-21T10:00:10.050Z",
      resolvedAt: "2026-11-21T10:02:00.000Z",
      trigger: {
        kind: "alert",
        alert: 9,
        rule: "error-ratio-high",
        summary: "backend web: 33.6% of responses were 5xx",
      },
    },
    timeline: TIMELINE,
    impact: IMPACT,
    rootCause,
    findings: change.findings.map((f) => ({ rule: f.rule, severity: f.severity, message: f.message })),
    policyGaps: policyGaps(DEFAULT_CLUSTER_POLICY, { nodes: 1, gateOverridden: true, approvals: 2 }),
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    now: "2026-11-21T10:05:00.000Z",
  };
}

const entry = (
  at: string,
  kind: TimelineEntry["kind"],
  text: string,
  type: string,
  seq: number,
): TimelineEntry => ({
  at: `2026-11-21T${at}Z`,
  kind,
  text,
  source: { type, seq },
});

/** The recorded events of the incident, as the timeline builder words them. */
export const TIMELINE: TimelineEntry[] = [
  entry(
    "09:58:40.000",
    "change",
    'alice proposed change 12: "add db-01 to the web pool for the | migration"',
    "change.proposed",
    40,
  ),
  entry("09:59:30.000", "review", "bob approved change 12", "review.approved", 41),
  entry(
    "10:00:01.800",
    "review",
    "carol approved change 12 over the gate's block: the inventory still lists db-01 as a database",
    "review.approved",
    42,
  ),
  entry("10:00:02.300", "apply", "rollout 5 of change 12 started, lb-1 first", "rollout.started", 43),
  entry("10:00:03.120", "apply", "lb-1 applied version 7 (apply 4f2a9c)", "agent.apply.reloaded", 44),
  entry(
    "10:00:09.480",
    "detection",
    "lb-1's bake saw 33.6% 5xx on backend web against a baseline of 0.1%",
    "agent.bake.breach",
    46,
  ),
  entry(
    "10:00:09.920",
    "alert",
    "alert error-ratio-high fired: backend web: 33.6% of responses were 5xx",
    "alert.fired",
    47,
  ),
  entry("10:00:10.050", "incident", "incident 3 opened by alert error-ratio-high", "incident.opened", 48),
  entry(
    "10:00:10.400",
    "rollback",
    "lb-1 rolled back version 7 to version 6 (apply 4f2a9c)",
    "agent.apply.rolled-back",
    49,
  ),
  entry("10:00:24.310", "alert", "alert error-ratio-high resolved", "alert.resolved", 52),
  entry(
    "10:02:00.000",
    "resolution",
    "alice resolved incident 3: db-01 stays out of the template",
    "incident.resolved",
    55,
  ),
];

/** What the stats samples of the window add up to. */
export const IMPACT: Impact = {
  from: "2026-11-21T10:00:03.120Z",
  to: "2026-11-21T10:02:00.000Z",
  durationS: 116.88,
  requests: 14026,
  failed: 296,
  failedPct: (296 / 14026) * 100,
  peakErrorPct: 33.6,
  affectedBackends: [{ backend: "web", failed: 296, failedPct: (296 / 14026) * 100 }],
  affectedServers: [{ server: "web/db-01", why: "296 response errors: it does not speak HTTP" }],
};
