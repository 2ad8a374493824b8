import { describe, expect, it } from "vitest";
import { contentHash } from "../../../src/agent/config-store.js";
import {
  applyReportFor,
  decideWork,
  haveHash,
  nextBackoff,
  operationStatus,
  reportDue,
} from "../../../src/agent/managed/decide.js";
import { takeEvents } from "../../../src/agent/managed/event-batches.js";
import { EMPTY_MANAGED_STATE, type ManagedState } from "../../../src/agent/managed/managed-state.js";
import { DEFAULT_CLUSTER_POLICY, type DesiredState } from "../../../src/control/api-types.js";

const V1 = "global\n";
const V2 = "global\n    maxconn 100\n";

function desired(text: string, id: number, over: Partial<DesiredState> = {}): DesiredState {
  return {
    cluster: "web",
    node: "lb-1",
    version: { id, cluster: "web", hash: contentHash(text), author: "a", message: "m", createdAt: "", text },
    operations: [],
    policy: DEFAULT_CLUSTER_POLICY,
    ...over,
  };
}

const state = (over: Partial<ManagedState> = {}): ManagedState => ({
  ...structuredClone(EMPTY_MANAGED_STATE),
  ...over,
});
const WEIGHT = { backend: "web", server: "b", action: { kind: "weight" as const, weight: 5 } };

describe("decideWork", () => {
  it("applies the desired version on a node that never applied one", () => {
    expect(decideWork(desired(V1, 1), state()).apply?.id).toBe(1);
  });

  it("does nothing when the desired version is the one applied and no rollout waits", () => {
    const applied = { version: 1, hash: contentHash(V1) };
    expect(
      decideWork(desired(V1, 1), state({ applied, handled: { ...applied, status: "promoted" } })),
    ).toEqual({
      operations: [],
    });
  });

  it("applies a new version", () => {
    const applied = { version: 1, hash: contentHash(V1) };
    expect(decideWork(desired(V2, 2, { rollout: 4 }), state({ applied })).apply?.id).toBe(2);
  });

  it("does not retry a version that rolled back in the same rollout, but does in a new one", () => {
    const s = state({
      applied: { version: 1, hash: contentHash(V1) },
      handled: { version: 2, hash: contentHash(V2), rollout: 4, status: "rolled-back" },
    });
    expect(decideWork(desired(V2, 2, { rollout: 4 }), s).apply).toBeUndefined();
    expect(decideWork(desired(V2, 2, { rollout: 5 }), s).apply?.id).toBe(2);
  });

  it("answers a new rollout of the version already running, so the rollout hears from this node", () => {
    const applied = { version: 1, hash: contentHash(V1) };
    const s = state({ applied, handled: { ...applied, status: "promoted" } });
    expect(decideWork(desired(V1, 1, { rollout: 9 }), s).apply?.id).toBe(1);
  });

  it("carries out each runtime operation once, oldest change first", () => {
    const applied = { version: 1, hash: contentHash(V1) };
    const operations = [
      { change: 12, operation: WEIGHT },
      { change: 10, operation: WEIGHT },
      { change: 11, operation: WEIGHT },
    ];
    const s = state({
      applied,
      handled: { ...applied, status: "unchanged" },
      operations: [{ change: 11, operation: WEIGHT, status: "kept" }],
    });
    expect(decideWork(desired(V1, 1, { operations }), s).operations.map((o) => o.change)).toEqual([10, 12]);
  });
});

describe("haveHash", () => {
  it("names the version last handled, even one that failed, so the long poll does not answer at once", () => {
    expect(haveHash(state())).toBeUndefined();
    const applied = { version: 1, hash: contentHash(V1) };
    expect(haveHash(state({ applied }))).toBe(contentHash(V1));
    expect(
      haveHash(state({ applied, handled: { version: 2, hash: contentHash(V2), status: "rolled-back" } })),
    ).toBe(contentHash(V2));
  });
});

describe("reports", () => {
  it("reports at once on a change and otherwise once per heartbeat", () => {
    expect(reportDue(undefined, "k", 0, 5000)).toBe(true);
    expect(reportDue({ key: "k", at: 1000 }, "k", 3000, 5000)).toBe(false);
    expect(reportDue({ key: "k", at: 1000 }, "k2", 1100, 5000)).toBe(true);
    expect(reportDue({ key: "k", at: 1000 }, "k", 6000, 5000)).toBe(true);
  });

  it("backs off from 1 s, doubling up to 15 s", () => {
    const delays: number[] = [];
    let delay: number | undefined;
    for (let i = 0; i < 6; i++) delays.push((delay = nextBackoff(delay)));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000]);
  });

  it("maps outcomes to the apply report's fields", () => {
    const version = desired(V2, 2).version;
    expect(applyReportFor(version, 4, { apply: "apply-1", status: "promoted" })).toEqual({
      version: 2,
      rollout: 4,
      apply: "apply-1",
      status: "promoted",
    });
    const failed = applyReportFor(version, undefined, { apply: "apply-2", status: "failed", error: "boom" });
    expect(failed).toMatchObject({ status: "failed", detail: "boom" });
    expect(failed).not.toHaveProperty("rollout");
    expect([operationStatus("kept"), operationStatus("reverted"), operationStatus("blocked")]).toEqual([
      "promoted",
      "rolled-back",
      "blocked",
    ]);
  });
});

describe("takeEvents", () => {
  const line = (type: string): string => `${JSON.stringify({ type, actor: "agent", at: "t" })}\n`;

  it("takes complete lines only, skipping one a crash cut short, and counts the bytes taken", () => {
    const chunk = Buffer.from(`${line("a")}{"type":"cut${line("b")}${line("c").slice(0, 10)}`);
    const { events, bytes } = takeEvents(chunk);
    expect(events.map((e) => e.type)).toEqual(["a"]);
    expect(chunk.subarray(bytes).toString()).toBe(line("c").slice(0, 10));
  });

  it("stops at the batch's event count and byte budget, taking at least one line", () => {
    const chunk = Buffer.from(line("a") + line("b") + line("c"));
    expect(takeEvents(chunk, 2).events.map((e) => e.type)).toEqual(["a", "b"]);
    expect(takeEvents(chunk, 10, 5).events.map((e) => e.type)).toEqual(["a"]);
    expect(takeEvents(chunk, 10, line("a").length * 2).bytes).toBe(line("a").length * 2);
  });
});
