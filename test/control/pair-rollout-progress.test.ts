import { describe, expect, it } from "vitest";
import type { Drift } from "../../src/control/api-types.js";
import { driftAfterReport, holdsVipNow } from "../../src/control/node-vrrp.js";
import {
  acceptsReport,
  progressRollout,
  rolloutOrder,
  type RolloutStep,
} from "../../src/control/rollout-progress.js";

const candidates = (holders: string[]) =>
  ["lb-3", "lb-1", "lb-2"].map((name) => ({ id: `web/${name}`, name, holdsVip: holders.includes(name) }));

describe("rolloutOrder", () => {
  it("puts the single VIP holder of a pair last and the backups first by name", () => {
    const { order, vipHolder } = rolloutOrder(candidates(["lb-1"]), true);
    expect([order.map((n) => n.name), vipHolder?.name]).toEqual([["lb-2", "lb-3", "lb-1"], "lb-1"]);
  });

  it("goes by name without a pair, with no holder known, or with two holders", () => {
    for (const [holders, pair] of [
      [["lb-1"], false],
      [[], true],
      [["lb-1", "lb-2"], true],
    ] as const) {
      const { order, vipHolder } = rolloutOrder(candidates([...holders]), pair);
      expect([order.map((n) => n.name), vipHolder]).toEqual([["lb-1", "lb-2", "lb-3"], undefined]);
    }
  });

  it("goes by name for a single node, even one holding the VIP", () => {
    const { vipHolder } = rolloutOrder([{ id: "web/lb-1", name: "lb-1", holdsVip: true }], true);
    expect(vipHolder).toBeUndefined();
  });
});

describe("progressRollout in a pair", () => {
  const steps = (canary: RolloutStep["state"], holder: RolloutStep["state"]): RolloutStep[] => [
    { node: "web/lb-2", position: 0, state: canary },
    { node: "web/lb-1", position: 1, state: holder },
  ];

  it("asks the holder to hand over when the backup canary stands by", () => {
    expect(progressRollout(steps("applying", "pending"), "web/lb-2", "standby", "web/lb-1")).toEqual({
      nodeState: "standby",
      start: [],
      handover: ["web/lb-1"],
      rollout: "running",
    });
    expect(progressRollout(steps("applying", "pending"), "web/lb-2", "standby").handover).toEqual([]);
  });

  it("releases the holder when the canary promotes, whether or not its handover was reported", () => {
    for (const holder of ["handed-over", "handing-over", "pending"] as const) {
      expect(progressRollout(steps("standby", holder), "web/lb-2", "promoted", "web/lb-1")).toEqual({
        nodeState: "applied",
        start: ["web/lb-1"],
        handover: [],
        rollout: "running",
      });
    }
  });

  it("halts on a standing-by canary's rollback", () => {
    expect(
      progressRollout(steps("standby", "handed-over"), "web/lb-2", "rolled-back", "web/lb-1").rollout,
    ).toBe("halted");
  });

  it("takes standby only while applying, and the end of an apply while applying or standing by", () => {
    expect([
      acceptsReport("applying", "standby"),
      acceptsReport("standby", "standby"),
      acceptsReport("standby", "promoted"),
      acceptsReport("standby", "rolled-back"),
      acceptsReport("handing-over", "unchanged"),
      acceptsReport("handed-over", "promoted"),
      acceptsReport(undefined, "promoted"),
    ]).toEqual([true, false, true, true, false, false, false]);
  });
});

describe("keepalived drift and VIP holders from reports", () => {
  const file: Drift = { kind: "file", since: "2025-03-01T09:00:00.000Z", diff: "-a\n+b\n" };
  const vrrp = (running: string, expected: string) => ({
    state: "BACKUP" as const,
    holdsVip: false,
    keepalivedHash: running,
    expectedKeepalivedHash: expected,
  });

  it("leaves a report without vrrp as it always was", () => {
    expect(driftAfterReport([file], {}, "now")).toBeUndefined();
    expect(driftAfterReport([file], { drift: [] }, "now")).toEqual([]);
  });

  it("adds keepalived drift while the hashes differ, keeping when it was first seen", () => {
    const first = driftAfterReport([file], { vrrp: vrrp("b", "a") }, "t1");
    expect(first?.map((d) => [d.kind, d.since, d.runningHash])).toEqual([
      ["file", file.since, undefined],
      ["keepalived", "t1", "b"],
    ]);
    const later = driftAfterReport(first ?? [], { vrrp: vrrp("b", "a"), drift: [] }, "t2");
    expect(later?.map((d) => [d.kind, d.since])).toEqual([["keepalived", "t1"]]);
    expect(driftAfterReport(later ?? [], { vrrp: vrrp("a", "a") }, "t3")).toEqual([]);
  });

  it("takes an agent's own keepalived drift at its word", () => {
    const own: Drift = { kind: "keepalived", since: "t0", diff: "-x\n+y\n" };
    expect(driftAfterReport([], { vrrp: vrrp("b", "a"), drift: [own] }, "t1")).toEqual([own]);
  });

  it("holds the VIP only on a report at most 10 s old", () => {
    const now = Date.parse("2025-03-01T10:00:10.000Z");
    expect(holdsVipNow({ vrrp_holds_vip: 1, vrrp_seen_at: "2025-03-01T10:00:00.000Z" }, now)).toBe(true);
    expect(holdsVipNow({ vrrp_holds_vip: 1, vrrp_seen_at: "2025-03-01T09:59:59.999Z" }, now)).toBe(false);
    expect(holdsVipNow({ vrrp_holds_vip: 0, vrrp_seen_at: "2025-03-01T10:00:10.000Z" }, now)).toBe(false);
    expect(holdsVipNow({ vrrp_holds_vip: null, vrrp_seen_at: null }, now)).toBe(false);
  });
});
