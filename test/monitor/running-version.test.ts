import { describe, expect, it } from "vitest";
import { runningVersionOf, type NodeVersionFacts } from "../../src/monitor/running-version.js";

const OLD = "a".repeat(64);
const NEW = "b".repeat(64);
const HAND_EDITED = "c".repeat(64);
/** Version 1 and 2 of a cluster; version 3 reverts to version 1's text. */
const VERSIONS = [
  { id: 1, hash: OLD },
  { id: 2, hash: NEW },
  { id: 3, hash: OLD },
];

const node = (facts: Partial<NodeVersionFacts>): NodeVersionFacts => ({
  runningHash: null,
  appliedVersion: null,
  desiredVersion: null,
  ...facts,
});

describe("runningVersionOf", () => {
  it("takes the version of the running hash for a canary baking it, though it has not promoted it yet", () => {
    const canary = node({ runningHash: NEW, appliedVersion: 1, desiredVersion: 2 });
    expect(runningVersionOf(canary, VERSIONS.slice(0, 2), 1)).toBe(2);
  });

  it("keeps the old version for a node still running it while the canary bakes", () => {
    const waiting = node({ runningHash: OLD, appliedVersion: 1, desiredVersion: 1 });
    expect(runningVersionOf(waiting, VERSIONS.slice(0, 2), 1)).toBe(1);
  });

  it("takes the old version again for a canary that rolled back", () => {
    const rolledBack = node({ runningHash: OLD, appliedVersion: 1, desiredVersion: 2 });
    expect(runningVersionOf(rolledBack, VERSIONS.slice(0, 2), 1)).toBe(1);
  });

  it("among versions with the same text, takes the current one, then the desired, then the applied, then the newest", () => {
    const running = { runningHash: OLD };
    expect(runningVersionOf(node({ ...running, desiredVersion: 3, appliedVersion: 1 }), VERSIONS, 1)).toBe(1);
    expect(runningVersionOf(node({ ...running, desiredVersion: 3, appliedVersion: 1 }), VERSIONS, 2)).toBe(3);
    expect(runningVersionOf(node({ ...running, desiredVersion: 2, appliedVersion: 1 }), VERSIONS, 2)).toBe(1);
    expect(runningVersionOf(node(running), VERSIONS, 2)).toBe(3);
  });

  it("falls back to the version last applied when the file was edited by hand, else to the current one", () => {
    expect(runningVersionOf(node({ runningHash: HAND_EDITED, appliedVersion: 2 }), VERSIONS, 1)).toBe(2);
    expect(runningVersionOf(node({ runningHash: HAND_EDITED }), VERSIONS, 1)).toBe(1);
  });

  it("takes the current version for a node that never reported", () => {
    expect(runningVersionOf(node({ desiredVersion: 2 }), VERSIONS, 1)).toBe(1);
  });
});
