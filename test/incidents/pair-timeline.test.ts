import { describe, expect, it } from "vitest";
import { buildTimeline } from "../../src/incidents/timeline.js";
import { event, time } from "./incident-fixtures.js";

const LB1 = { actor: "node:web/lb-1", subject: "node:web/lb-1" };
const LB2 = { actor: "node:web/lb-2", subject: "node:web/lb-2" };
const PLANE = { actor: "control-plane", subject: "change:12" };

describe("a pair rollout and a failover in an incident's timeline", () => {
  it("tells the standby, the handover, the VIP's moves and keepalived drift", () => {
    const timeline = buildTimeline(
      [
        event("00:01", "node.standby", { version: 8, rollout: 4, apply: "a2", status: "standby" }, LB2),
        event("00:01", "rollout.handover-requested", { rollout: 4, from: ["lb-1"], canary: "lb-2" }, PLANE),
        event("00:02", "node.vrrp", { state: "BACKUP", holdsVip: false }, LB1),
        event("00:02", "node.vrrp", { state: "MASTER", holdsVip: true }, LB2),
        event("00:03", "rollout.handed-over", { rollout: 4, node: "lb-1" }, { ...PLANE, actor: LB1.actor }),
        event(
          "00:09",
          "rollout.handover-failed",
          { rollout: 5, node: "lb-2", detail: "VIP kept 20 s" },
          PLANE,
        ),
        event(
          "00:10",
          "node.drift",
          { drift: [{ kind: "keepalived", since: time("00:10"), diff: "x", runningHash: "b" }] },
          LB1,
        ),
      ],
      { from: time("00:00"), to: time("01:00") },
    );
    expect(timeline.map((t) => [t.kind, t.text])).toEqual([
      ["apply", "lb-2 applied version 8 as a backup and waits for the VIP to bake it."],
      ["apply", "Rollout 4 of change 12 asked lb-1 to hand the VIP over."],
      ["detection", "lb-1 is BACKUP and does not hold the VIP."],
      ["detection", "lb-2 is MASTER and holds the VIP."],
      ["apply", "lb-1 handed the VIP over (rollout 4 of change 12)."],
      ["rollback", "lb-2 could not hand the VIP over (rollout 5 of change 12): VIP kept 20 s."],
      [
        "detection",
        "lb-1 runs what was not approved: keepalived.conf is not the one rendered for the approved pair file.",
      ],
    ]);
  });
});
