import { describe, expect, it } from "vitest";
import { DEFAULT_DATA_DIR } from "../../src/cli/node-options.js";
import type { Change } from "../../src/control/api-types.js";
import { changeCandidates, rankSuspects } from "../../src/incidents/suspects.js";
import { AGENT_DATA_DIR } from "../../src/incidents/undo-commands.js";
import type { ChangeCandidate } from "../../src/monitor/types.js";
import { change, config, event, own, realPlan, shipped, time, WEB } from "./incident-fixtures.js";

const WITH_DB = config([...WEB, "server db-01 127.0.30.1:5432 check"]);

/** Change 12: version 7 (parent 6) adds a database server to backend web; rollout 3. */
const ADD_DB = change(12, {
  version: 7,
  parent: 6,
  rollout: 3,
  plan: realPlan(config(WEB), WITH_DB),
  message: "add the database as a web server",
});

function changes(...list: Change[]): Map<number, Change> {
  return new Map(list.map((c) => [c.id, c]));
}

/** A node's report of how an apply ended, as the control plane records it. */
function nodeApplied(at: string, node: string, data: Record<string, unknown>, actor?: string) {
  return event(at, "node.applied", data, { subject: `node:web/${node}`, ...(actor ? { actor } : {}) });
}

/** A version rolled out to lb-1 through the control plane, with the agent's events shipped. */
function versionRollout(apply: string, status: "promoted" | "rolled-back", version = 7, rollout = 3) {
  return [
    event(
      "00:00",
      "version.created",
      { parent: 6, message: "add the database as a web server" },
      { subject: `version:${version}` },
    ),
    event(
      "00:01",
      "rollout.started",
      { rollout, version, nodes: ["lb-1"], canary: "lb-1" },
      { subject: "change:12" },
    ),
    shipped("00:02", "apply.started", apply, { source: `version ${version}`, force: true }),
    shipped("00:02.5", "apply.gate-skipped", apply, { forced: true, wouldBe: "pass" }),
    shipped("00:04", "apply.replaced", apply, { version: "000004-aaaa.cfg" }),
    shipped("00:05", "apply.reloaded", apply, { workerPid: 4242, tookMs: 80, version: "000004-aaaa.cfg" }),
    ...(status === "rolled-back"
      ? [
          shipped("00:09", "apply.breach", apply, { breaches: [{ message: "backend web: 30.0% 5xx." }] }),
          shipped(
            "00:10",
            "apply.rolled-back",
            apply,
            { version: "000003-bbbb.cfg", workerPid: 4243 },
            "lb-1",
            "agent",
          ),
        ]
      : [shipped("00:25", "apply.promoted", apply, { version: "000004-aaaa.cfg" })]),
    nodeApplied("00:30", "lb-1", { version, rollout, apply, status }, "node:web/lb-1"),
  ];
}

describe("changeCandidates", () => {
  it("makes a version applied on a node one candidate, live from the reload, explained by its change's plan", () => {
    const [candidate, ...rest] = changeCandidates(versionRollout("apply-a1", "promoted"), changes(ADD_DB));
    expect(rest).toEqual([]);
    expect(candidate).toEqual({
      kind: "version",
      ref: "change:12",
      at: time("00:05"),
      actor: "alice",
      node: "lb-1",
      apply: "apply-a1",
      version: 7,
      summary: 'version 7: "add the database as a web server" by alice',
      touches: { servers: ["web/db-01", "web/web-01", "web/web-02"], backends: ["web"], frontends: [] },
      shareShift: { "web/db-01": 33.3, "web/web-01": -16.7, "web/web-02": -16.7 },
      rollback: "lbguard rollback --cluster web --to 6",
    });
  });

  it("keeps an apply the agent rolled back: it was live until then", () => {
    const [candidate] = changeCandidates(versionRollout("apply-a2", "rolled-back"), changes(ADD_DB));
    expect(candidate).toMatchObject({
      ref: "change:12",
      at: time("00:05"),
      summary: 'version 7: "add the database as a web server" by alice (rolled back by the agent)',
    });
  });

  it("leaves out applies that changed nothing: blocked, refused, already live, or never reloaded", () => {
    const events = [
      nodeApplied("00:10", "lb-1", { version: 7, apply: "apply-b", status: "blocked" }),
      nodeApplied("00:11", "lb-1", { version: 7, apply: "apply-i", status: "invalid" }),
      nodeApplied("00:12", "lb-1", { version: 7, apply: "apply-u", status: "unchanged" }),
      shipped("00:13", "apply.replaced", "apply-f", {}),
      shipped("00:14", "apply.reload-failed", "apply-f", { error: "no worker" }),
      nodeApplied("00:15", "lb-1", { version: 7, apply: "apply-f", status: "failed" }),
      shipped("00:16", "apply.started", "apply-s", { source: "version 7" }),
    ];
    expect(changeCandidates(events, changes(ADD_DB))).toEqual([]);
  });

  it("takes a node's report alone when its own events did not arrive, and finds the parent without a change", () => {
    const events = [
      nodeApplied("00:00", "lb-2", { version: 6, apply: "apply-old", status: "promoted" }),
      nodeApplied("00:40", "lb-2", { version: 9, apply: "apply-c", status: "promoted" }),
    ];
    const found = changeCandidates(events, changes());
    expect(found.map((c) => [c.ref, c.at, c.node, c.summary, c.rollback])).toEqual([
      [
        "version:6",
        time("00:00"),
        "lb-2",
        "version 6",
        "lbguard rollback --cluster web --to <earlier version>",
      ],
      ["version:9", time("00:40"), "lb-2", "version 9", "lbguard rollback --cluster web --to 6"],
    ]);
  });

  it("makes an approved runtime operation a candidate that proposes the server's previous weight back", () => {
    const op = "op-20261121T100100Z-abcdef";
    const operation = { backend: "web", server: "web-02", action: { kind: "weight" as const, weight: 50 } };
    const weights = config(WEB.map((s) => `${s} weight 10`));
    const plan = realPlan(
      weights,
      weights.replace("127.0.10.2:8080 check weight 10", "127.0.10.2:8080 check weight 50"),
    );
    const runtime = change(13, { parent: 7, plan, operation, message: "more to web-02", author: "dave" });
    const evidence = { server: "web/web-02", command: "set server web/web-02 weight 50" };
    const events = [
      shipped("01:00", "runtime.started", op, {
        ...evidence,
        revert: "set server web/web-02 weight 10",
        force: true,
      }),
      shipped("01:01", "runtime.applied", op, evidence),
      shipped("01:21", "runtime.kept", op, evidence),
      nodeApplied("01:22", "lb-1", {
        version: 7,
        apply: op,
        status: "promoted",
        detail: "change 13: set server web/web-02 weight 50",
      }),
    ];
    const [candidate, ...rest] = changeCandidates(events, changes(ADD_DB, runtime));
    expect(rest).toEqual([]);
    expect(candidate).toMatchObject({
      kind: "runtime-operation",
      ref: "change:13",
      at: time("01:01"),
      actor: "dave",
      node: "lb-1",
      apply: op,
      summary: 'change 13: weight of web/web-02 to 50 "more to web-02" by dave',
      touches: { servers: ["web/web-01", "web/web-02"], backends: ["web"], frontends: [] },
      shareShift: { "web/web-01": -33.3, "web/web-02": 33.3 },
      rollback: 'lbguard propose --cluster web --runtime weight=10 web/web-02 -m "undo change 13"',
    });
  });

  it("makes each server set by hand a hand change, once, at the time the drift was first seen", () => {
    const drift = (at: string, ...d: Record<string, unknown>[]) =>
      event(
        at,
        "node.drift",
        { drift: d, policy: "report" },
        { actor: "node:web/lb-1", subject: "node:web/lb-1" },
      );
    const weight = {
      kind: "runtime",
      since: time("00:40"),
      diff: "web/web-02 weight 10 -> 1 (set on the runtime API)",
    };
    const both = {
      ...weight,
      diff: `${weight.diff}\nweb/web-01 state ready -> maint (set on the runtime API)`,
    };
    const file = {
      kind: "file",
      since: time("02:00"),
      runningHash: "f".repeat(64),
      diff: [
        "--- version 7 (approved)",
        "+++ /etc/haproxy/haproxy.cfg",
        "@@ -12,4 +12,5 @@",
        " backend web",
        "     server web-01 127.0.10.1:8080 check",
        "     server web-02 127.0.10.2:8080 check",
        "+    server web-03 127.0.10.3:8080 check",
        " ",
      ].join("\n"),
    };
    const events = [
      drift("00:41", weight),
      drift("01:30", both),
      drift("02:01", both, file),
      drift("02:30", both, file),
    ];
    const found = changeCandidates(events, changes());
    expect(found).toEqual([
      {
        kind: "hand-change",
        ref: "node:web/lb-1",
        at: time("00:40"),
        actor: "unknown",
        node: "lb-1",
        summary: "hand change on lb-1's runtime API: web/web-02 weight 10 -> 1",
        touches: { servers: ["web/web-02"], backends: ["web"], frontends: [] },
        rollback:
          'lbguard propose --cluster web --runtime weight=10 web/web-02 -m "undo hand change on lb-1"',
      },
      expect.objectContaining({
        at: time("01:30"),
        summary: "hand change on lb-1's runtime API: web/web-01 state ready -> maint",
        rollback: 'lbguard propose --cluster web --runtime enable web/web-01 -m "undo hand change on lb-1"',
      }),
      expect.objectContaining({
        at: time("02:00"),
        summary: "hand edit of haproxy.cfg on lb-1 (1 line changed)",
        touches: { servers: ["web/web-03"], backends: ["web"], frontends: [] },
        rollback: "lbguard cluster policy --cluster web --drift restore",
      }),
    ]);
  });

  it("sees drift that cleared and came back as a new hand change", () => {
    const weight = {
      kind: "runtime",
      since: time("00:40"),
      diff: "web/web-02 weight 10 -> 1 (set on the runtime API)",
    };
    const events = [
      event("00:41", "node.drift", { drift: [weight] }, { subject: "node:web/lb-1" }),
      event("00:50", "node.drift-cleared", { drift: [] }, { subject: "node:web/lb-1" }),
      event(
        "01:11",
        "node.drift",
        { drift: [{ ...weight, since: time("01:10") }] },
        { subject: "node:web/lb-1" },
      ),
    ];
    expect(changeCandidates(events, changes()).map((c) => c.at)).toEqual([time("00:40"), time("01:10")]);
  });

  it("reads a drill's own events: the apply by its id, undone by applying the configuration the agent kept", () => {
    const apply = "apply-20261121T100000Z-0a0b0c";
    const events = [
      own("00:00", "apply.started", apply, { source: "candidate.cfg", force: true }),
      own("00:01", "apply.gate-skipped", apply, { forced: true, wouldBe: "block" }),
      own("00:02", "apply.backed-up", apply, { previous: "000003-abc.cfg", candidate: "000004-def.cfg" }),
      own("00:03", "apply.replaced", apply, { path: "/etc/haproxy/haproxy.cfg" }),
      own("00:04", "apply.reloaded", apply, { workerPid: 7 }),
      own("00:08", "apply.breach", apply, { breaches: [] }),
      own("00:09", "apply.rolled-back", apply, { version: "000003-abc.cfg" }, "agent"),
      own("00:20", "runtime.started", "op-1", {
        server: "web/web-02",
        command: "set server web/web-02 state maint",
        revert: "set server web/web-02 state ready",
      }),
      own("00:21", "runtime.applied", "op-1", {
        server: "web/web-02",
        command: "set server web/web-02 state maint",
      }),
    ];
    expect(changeCandidates(events, changes())).toEqual([
      {
        kind: "version",
        ref: `apply:${apply}`,
        at: time("00:04"),
        actor: "drill",
        apply,
        summary: "candidate.cfg applied by drill, forced past the gate (rolled back by the agent)",
        touches: { servers: [], backends: [], frontends: [] },
        rollback: `lbguard apply ${DEFAULT_DATA_DIR}/versions/000003-abc.cfg`,
      },
      expect.objectContaining({
        kind: "runtime-operation",
        ref: "apply:op-1",
        at: time("00:21"),
        summary: "set server web/web-02 state maint by drill",
        touches: { servers: ["web/web-02"], backends: ["web"], frontends: [] },
        rollback: "lbguard server enable web/web-02",
      }),
    ]);
    expect(AGENT_DATA_DIR).toBe(DEFAULT_DATA_DIR);
  });
});

describe("rankSuspects", () => {
  const handChange: ChangeCandidate = {
    kind: "hand-change",
    ref: "node:web/lb-1",
    at: time("00:00"),
    actor: "unknown",
    node: "lb-1",
    summary: "hand change on lb-1's runtime API: web/web-02 weight 10 -> 1",
    touches: { servers: ["web/web-02"], backends: ["web"], frontends: [] },
    rollback: 'lbguard propose --cluster web --runtime weight=10 web/web-02 -m "undo hand change on lb-1"',
  };
  const [addDb] = changeCandidates(versionRollout("apply-db", "promoted"), changes(ADD_DB)) as [
    ChangeCandidate,
  ];
  const apiVersion = (at: string): ChangeCandidate => ({
    kind: "version",
    ref: "change:14",
    at: time(at),
    actor: "carol",
    node: "lb-1",
    version: 8,
    summary: 'version 8: "more api" by carol',
    touches: { servers: ["api/api-01", "api/api-02"], backends: ["api"], frontends: [] },
    shareShift: { "api/api-01": -50, "api/api-02": 50 },
    rollback: "lbguard rollback --cluster web --to 7",
  });

  it("puts a hand change to exactly the alerted server above an unrelated version applied a minute later", () => {
    const symptom = {
      kind: "imbalance" as const,
      labels: { node: "lb-1", backend: "web", server: "web-02" },
      at: time("02:00"),
    };
    const ranked = rankSuspects(symptom, [handChange, apiVersion("01:00")]);
    expect(ranked.map((s) => s.ref)).toEqual(["node:web/lb-1", "change:14"]);
    const [hand, version] = ranked as [
      ChangeCandidate & { score: number; reasons: string[] },
      { score: number; reasons: string[] },
    ];
    expect(hand.score).toBeGreaterThan(0.8);
    expect(version.score).toBeLessThan(0.3);
    expect(hand.reasons).toEqual([
      "set by hand web/web-02, the server the alert names",
      "took effect on lb-1, the node the alert names",
      "took effect 2 min before the alert",
    ]);
    expect(version.reasons[0]).toBe("changed nothing the alert names");
  });

  it("blames the version that added a database server to backend web for an error ratio on backend web", () => {
    const symptom = { kind: "error-ratio" as const, labels: { backend: "web" }, at: time("03:00") };
    const ranked = rankSuspects(symptom, [addDb, apiVersion("02:30")]);
    expect(ranked.map((s) => s.ref)).toEqual(["change:12", "change:14"]);
    expect(ranked[0]?.score).toBeGreaterThan(0.6);
    expect(ranked[0]?.reasons).toEqual([
      "changed backend web (web/db-01, web/web-01, web/web-02), the backend the alert names",
      "its plan sends web/db-01 33.3 points more of web's traffic",
      "took effect 2 min 55 s before the alert",
    ]);
    expect(ranked[0]?.rollback).toBe("lbguard rollback --cluster web --to 6");
  });

  it("finds nothing when nothing took effect before the alert within the window", () => {
    const symptom = { kind: "error-ratio" as const, labels: { backend: "web" }, at: time("00:30") };
    expect(rankSuspects(symptom, [apiVersion("00:31"), addDb], { windowS: 10 })).toEqual([]);
    expect(rankSuspects(symptom, [])).toEqual([]);
    expect(rankSuspects(symptom, [addDb], { windowS: 25 })).toHaveLength(1);
  });

  it("ranks the apply a rollback names above everything, whatever it touched", () => {
    const symptom = {
      kind: "rollback" as const,
      labels: { node: "lb-1" },
      at: time("00:10"),
      apply: "apply-db",
    };
    const ranked = rankSuspects(symptom, [handChange, addDb, apiVersion("00:08")]);
    expect(ranked[0]).toMatchObject({
      ref: "change:12",
      score: 1,
      reasons: ["is the apply the agent rolled back on lb-1", "took effect 5 s before the rollback"],
    });
    const byVersion = rankSuspects(
      { kind: "rollback", labels: { node: "lb-1" }, at: time("00:10"), version: 7 },
      [apiVersion("00:08"), addDb],
    );
    expect(byVersion.map((s) => [s.ref, s.score])).toEqual([
      ["change:12", 1],
      ["change:14", expect.any(Number)],
    ]);
  });

  it("counts a change on another node than the alerted one half", () => {
    const symptom = {
      kind: "server-down" as const,
      labels: { node: "lb-2", backend: "web", server: "web-02" },
      at: time("02:00"),
    };
    const [suspect] = rankSuspects(symptom, [handChange]);
    expect(suspect?.score).toBeCloseTo((0.1 + 0.7) / 2 + 0.05 * (1 - 120 / 3600), 3);
    expect(suspect?.reasons).toContain("took effect on lb-1, not on lb-2");
  });

  it("breaks ties by recency, the later first", () => {
    const symptom = { kind: "error-ratio" as const, labels: { backend: "db" }, at: time("05:00") };
    const ranked = rankSuspects(symptom, [apiVersion("01:00"), { ...apiVersion("03:00"), ref: "change:15" }]);
    expect(ranked.map((s) => s.ref)).toEqual(["change:15", "change:14"]);
  });
});
