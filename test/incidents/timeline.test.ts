import { describe, expect, it } from "vitest";
import { buildTimeline } from "../../src/incidents/timeline.js";
import type { RecordedEvent } from "../../src/incidents/types.js";
import { event, own, shipped, time } from "./incident-fixtures.js";

const APPLY = "apply-20261121T100005Z-a1b2c3";
const LB1 = { actor: "node:web/lb-1", subject: "node:web/lb-1" };

/** An incident's worth of events, in the order the control plane recorded them. */
const STORY: RecordedEvent[] = [
  event(
    "00:00",
    "change.proposed",
    {
      parent: 6,
      version: 7,
      operation: null,
      verdict: "pass",
      risk: "medium",
      errors: [],
      state: "in-review",
      message: "add the\ndatabase",
    },
    { subject: "change:12" },
  ),
  event("00:00.5", "token.created", { role: "admin" }, { subject: "token:ab12" }),
  event("00:01", "review.approved", { comment: "ok", approvals: 1 }, { actor: "bob", subject: "change:12" }),
  event("00:01", "change.approved", {}, { actor: "bob", subject: "change:12" }),
  event(
    "00:02",
    "rollout.started",
    { rollout: 3, canary: "lb-1", nodes: ["lb-1", "lb-2"], version: 7 },
    { actor: "bob", subject: "change:12" },
  ),
  shipped("00:03", "apply.started", APPLY, { source: "version 7", force: true }),
  shipped("00:03.5", "apply.gate-skipped", APPLY, { forced: true, wouldBe: "pass" }),
  shipped("00:04", "apply.reloaded", APPLY, { workerPid: 4242, tookMs: 85, version: "000004-aaaa.cfg" }),
  event("00:05", "user.created", { role: "viewer" }, { subject: "user:eve" }),
  event(
    "00:12",
    "alert.fired",
    {
      rule: "error-ratio",
      kind: "error-ratio",
      severity: "critical",
      labels: { backend: "web" },
      summary: "backend web: 42.0% of responses were 5xx over 30 s (threshold 5.0%).",
    },
    { actor: "lbguard", subject: "alert:4" },
  ),
  event(
    "00:12.2",
    "incident.opened",
    { title: "error ratio on web", severity: "critical", trigger: { kind: "alert", alert: 4 } },
    { actor: "lbguard", subject: "incident:2" },
  ),
  event(
    "00:12.4",
    "notification.failed",
    { receiver: "ops", status: "firing", attempts: 1, final: false, error: "HTTP 500" },
    { actor: "lbguard", subject: "alert:4" },
  ),
  event(
    "00:13.4",
    "notification.delivered",
    { receiver: "ops", status: "firing", attempts: 2 },
    { actor: "lbguard", subject: "alert:4" },
  ),
  shipped("00:14", "apply.breach", APPLY, {
    breaches: [{ message: "backend web: 5xx 42.0% (baseline 0.0%, threshold 5.0%)." }],
    afterMs: 10021,
  }),
  shipped(
    "00:15",
    "apply.rolled-back",
    APPLY,
    { version: "000003-bbbb.cfg", workerPid: 4243, tookMs: 70 },
    "lb-1",
    "agent",
  ),
  event(
    "00:16",
    "node.applied",
    { version: 7, rollout: 3, apply: APPLY, status: "rolled-back", detail: "backend web: 5xx 42.0%" },
    LB1,
  ),
  event("00:16", "rollout.halted", { rollout: 3 }, { actor: "control-plane", subject: "change:12" }),
  shipped("00:17", "drift.seen", undefined, { kind: "runtime", diff: "x" }, "lb-1", "agent"),
  event(
    "00:18",
    "node.drift",
    {
      drift: [
        { kind: "runtime", since: time("00:17"), diff: "web/web-02 weight 10 -> 1 (set on the runtime API)" },
      ],
      policy: "report",
    },
    LB1,
  ),
  event(
    "00:40",
    "alert.resolved",
    { rule: "error-ratio", labels: { backend: "web" } },
    { actor: "lbguard", subject: "alert:4" },
  ),
  event(
    "00:50",
    "incident.note",
    { text: "db-01 is a database, not a web server" },
    { actor: "bob", subject: "incident:2" },
  ),
  event(
    "01:00",
    "incident.resolved",
    { summary: "rolled back by the agent" },
    { actor: "bob", subject: "incident:2" },
  ),
];

describe("buildTimeline", () => {
  it("says what happened, one plain sentence per event, at the events' own times", () => {
    const timeline = buildTimeline(STORY, { from: time("00:00"), to: time("01:00") });
    expect(timeline.map((e) => [e.at, e.kind, e.text])).toEqual([
      [
        time("00:00"),
        "change",
        'alice proposed change 12 (version 7 on version 6; gate pass, risk medium): "add the database".',
      ],
      [time("00:01"), "review", 'bob approved change 12 (1 approval so far): "ok".'],
      [time("00:01"), "review", "Change 12 has the approvals it needs."],
      [time("00:02"), "apply", "bob started rollout 3 of change 12 (version 7) on lb-1, lb-2, canary lb-1."],
      [time("00:03"), "apply", `lb-1: control-plane started ${APPLY} of version 7, forced.`],
      [time("00:04"), "apply", "lb-1: HAProxy reloaded onto 000004-aaaa.cfg (worker 4242, 85 ms)."],
      [
        time("00:12"),
        "detection",
        "Alert error-ratio fired (critical): backend web: 42.0% of responses were 5xx over 30 s (threshold 5.0%).",
      ],
      [time("00:12.2"), "incident", 'lbguard opened incident 2 (critical): "error ratio on web".'],
      [time("00:13.4"), "notification", "Notified ops that alert 4 is firing after 2 attempts."],
      [
        time("00:14"),
        "detection",
        `lb-1: The bake of ${APPLY} found a breach 10021 ms after the reload: backend web: 5xx 42.0% (baseline 0.0%, threshold 5.0%).`,
      ],
      [time("00:15"), "rollback", `lb-1: ${APPLY} rolled back to 000003-bbbb.cfg (worker 4243).`],
      [time("00:16"), "rollback", `lb-1 rolled version 7 back by itself (${APPLY}): backend web: 5xx 42.0%.`],
      [time("00:16"), "rollback", "Rollout 3 of change 12 halted."],
      [
        time("00:18"),
        "detection",
        "lb-1 runs what was not approved: web/web-02 weight 10 -> 1 (set on the runtime API).",
      ],
      [time("00:40"), "alert", "Alert error-ratio on backend web resolved."],
      [time("00:50"), "note", 'bob noted: "db-01 is a database, not a web server".'],
      [time("01:00"), "resolution", 'bob resolved incident 2: "rolled back by the agent".'],
    ]);
    expect(timeline[1]?.source).toEqual({ type: "review.approved", seq: STORY[2]?.seq });
  });

  it("orders by time whatever order the events come in, keeping recorded order for equal times", () => {
    const shuffled = [...STORY].reverse();
    const timeline = buildTimeline(shuffled, { from: time("00:00"), to: time("01:00") });
    const times = timeline.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const atSixteen = timeline.filter((e) => e.at === time("00:16")).map((e) => e.source.type);
    expect(atSixteen).toEqual(["node.applied", "rollout.halted"]);
  });

  it("keeps only what lies in the window, both ends included", () => {
    const timeline = buildTimeline(STORY, { from: time("00:04"), to: time("00:13.4") });
    expect(timeline.map((e) => e.source.type)).toEqual([
      "agent.apply.reloaded",
      "alert.fired",
      "incident.opened",
      "notification.delivered",
    ]);
  });

  it("tells a drill's story from the agent's own events", () => {
    const apply = "apply-x";
    const events = [
      own("00:00", "apply.started", apply, { source: "candidate.cfg", force: true }),
      own("00:01", "apply.gate-skipped", apply, { forced: true, wouldBe: "block" }),
      own("00:02", "apply.backed-up", apply, { previous: "000001-a.cfg" }),
      own(
        "00:03",
        "server.state-changed",
        undefined,
        { server: "web/web-01", from: "UP", to: "DOWN", checkStatus: "L4CON" },
        "agent",
      ),
      own(
        "00:04",
        "server.state-changed",
        undefined,
        { server: "web/web-01", from: "DOWN", to: "UP" },
        "agent",
      ),
      own("00:05", "agent.stopped", undefined, {}, "agent"),
    ];
    expect(
      buildTimeline(events, { from: time("00:00"), to: time("00:05") }).map((e) => [
        e.kind,
        e.text,
        e.source,
      ]),
    ).toEqual([
      ["apply", "drill started apply-x of candidate.cfg, forced.", { type: "apply.started" }],
      ["review", "apply-x went past the gate, which would have blocked it.", { type: "apply.gate-skipped" }],
      ["detection", "Server web/web-01 went DOWN (check L4CON).", { type: "server.state-changed" }],
      ["alert", "Server web/web-01 is UP again.", { type: "server.state-changed" }],
    ]);
  });
});
