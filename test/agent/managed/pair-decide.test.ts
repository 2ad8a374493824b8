import { describe, expect, it } from "vitest";
import { contentHash } from "../../../src/agent/config-store.js";
import { decideWork, reportKey } from "../../../src/agent/managed/decide.js";
import { EMPTY_MANAGED_STATE, type ManagedState } from "../../../src/agent/managed/managed-state.js";
import { decideHandover, roleChanged, roleWait } from "../../../src/agent/managed/pair-decide.js";
import { DEFAULT_CLUSTER_POLICY, type DesiredState } from "../../../src/control/api-types.js";

const CONFIG = "global\n";
const PAIR_A = "vip: 198.51.100.100/24\n";
const PAIR_B = "vip: 198.51.100.101/24\n";

function desired(over: Partial<DesiredState> = {}, vrrp?: string): DesiredState {
  return {
    cluster: "web",
    node: "lb-1",
    version: {
      id: 2,
      cluster: "web",
      hash: contentHash(CONFIG),
      author: "a",
      message: "m",
      createdAt: "",
      text: CONFIG,
      ...(vrrp !== undefined ? { vrrp } : {}),
    },
    operations: [],
    policy: DEFAULT_CLUSTER_POLICY,
    ...over,
  };
}

const state = (over: Partial<ManagedState> = {}): ManagedState => ({
  ...structuredClone(EMPTY_MANAGED_STATE),
  ...over,
});

describe("decideHandover", () => {
  it("hands over when the desired state asks for it in a rollout", () => {
    expect(decideHandover(desired({ rollout: 7, handover: true }), state(), true)).toEqual({
      kind: "hand-over",
      rollout: 7,
    });
  });

  it("does nothing without the flag or without a rollout to report to", () => {
    expect(decideHandover(desired({ rollout: 7 }), state(), true).kind).toBe("none");
    expect(decideHandover(desired({ handover: true }), state(), true).kind).toBe("none");
  });

  it("does not hand over twice when the same answer repeats, whatever the first outcome", () => {
    for (const status of ["handed-over", "failed"] as const) {
      const done = state({ handover: { rollout: 7, status } });
      expect(decideHandover(desired({ rollout: 7, handover: true }), done, true).kind).toBe("none");
      expect(decideHandover(desired({ rollout: 8, handover: true }), done, true)).toEqual({
        kind: "hand-over",
        rollout: 8,
      });
    }
  });

  it("refuses, saying why, on an agent that manages no keepalived", () => {
    const work = decideHandover(desired({ rollout: 7, handover: true }), state(), false);
    expect(work.kind).toBe("refuse");
    expect(work).toMatchObject({ rollout: 7, detail: expect.stringContaining("--keepalived-dir") });
  });
});

describe("roleWait", () => {
  const master = { state: "MASTER" as const, holdsVip: true };
  const fault = { state: "FAULT" as const, holdsVip: false };

  it("is reached once the VIP is released (a handover) or held (a canary)", () => {
    expect(roleWait(fault, "released", 100, 20_000)).toBe("reached");
    expect(roleWait(master, "held", 100, 60_000)).toBe("reached");
  });

  it("waits up to the limit, then times out", () => {
    expect(roleWait(master, "released", 19_999, 20_000)).toBe("waiting");
    expect(roleWait(master, "released", 20_000, 20_000)).toBe("timed-out");
    expect(roleWait(fault, "held", 60_000, 60_000)).toBe("timed-out");
  });

  it("counts a role reached at the limit as reached", () => {
    expect(roleWait(master, "held", 90_000, 60_000)).toBe("reached");
  });
});

describe("roleChanged", () => {
  it("sees the first look, a new state name and the VIP coming or going", () => {
    const backup = { state: "BACKUP" as const, holdsVip: false };
    expect(roleChanged(undefined, backup)).toBe(true);
    expect(roleChanged(backup, { ...backup })).toBe(false);
    expect(roleChanged(backup, { state: "MASTER", holdsVip: false })).toBe(true);
    expect(roleChanged(backup, { state: "BACKUP", holdsVip: true })).toBe(true);
  });
});

describe("reportKey", () => {
  const health = { haproxy: "up" as const };

  it("changes when the VRRP state, the VIP or keepalived.conf's hash changes, so the report goes at once", () => {
    const base = {
      state: "BACKUP" as const,
      holdsVip: false,
      keepalivedHash: "a",
      expectedKeepalivedHash: "a",
    };
    const key = reportKey("h", health, [], base);
    expect(reportKey("h", health, [], { ...base })).toBe(key);
    expect(reportKey("h", health, [], { ...base, state: "MASTER" })).not.toBe(key);
    expect(reportKey("h", health, [], { ...base, holdsVip: true })).not.toBe(key);
    expect(reportKey("h", health, [], { ...base, keepalivedHash: "b" })).not.toBe(key);
    expect(reportKey("h", health, [], undefined)).not.toBe(key);
  });

  it("is the key of a node without a pair as before: hash, HAProxy up or down, drift", () => {
    const drift = [{ kind: "file" as const, since: "t0", diff: "-a\n+b\n", runningHash: "x" }];
    expect(JSON.parse(reportKey("h", health, drift, undefined))).toEqual({
      hash: "h",
      haproxy: "up",
      drift: [{ kind: "file", diff: "-a\n+b\n", runningHash: "x" }],
    });
    // `since` moves nothing: the same drift seen again is not news.
    expect(reportKey("h", health, [{ ...drift[0]!, since: "t1" }], undefined)).toBe(
      reportKey("h", health, drift, undefined),
    );
  });
});

describe("decideWork with pair files", () => {
  const applied = { version: 1, hash: contentHash(CONFIG), pairHash: contentHash(PAIR_A) };

  it("applies a version whose only change is its pair file (the version hash is haproxy.cfg's)", () => {
    expect(decideWork(desired({}, PAIR_B), state({ applied })).apply?.id).toBe(2);
  });

  it("does nothing when both the config and the pair are the ones applied", () => {
    expect(decideWork(desired({}, PAIR_A), state({ applied })).apply).toBeUndefined();
  });

  it("does not retry a pair that failed in the same rollout, but does in a new one", () => {
    const handled = {
      version: 2,
      hash: contentHash(CONFIG),
      pairHash: contentHash(PAIR_B),
      rollout: 4,
      status: "invalid" as const,
    };
    expect(decideWork(desired({ rollout: 4 }, PAIR_B), state({ applied, handled })).apply).toBeUndefined();
    expect(decideWork(desired({ rollout: 5 }, PAIR_B), state({ applied, handled })).apply?.id).toBe(2);
    // The same config with another pair in the same rollout is another version.
    expect(decideWork(desired({ rollout: 4 }, PAIR_A + "#\n"), state({ applied, handled })).apply?.id).toBe(
      2,
    );
  });
});
