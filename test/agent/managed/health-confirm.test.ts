import { describe, expect, it } from "vitest";
import {
  confirmHealth,
  DOWN_CONFIRM_MS,
  type HealthMemory,
} from "../../../src/agent/managed/health-confirm.js";
import type { NodeHealth } from "../../../src/control/api-types.js";

const UP: NodeHealth = { haproxy: "up", workerPid: 4242, serversUp: 2, serversTotal: 2, requestRate: 12 };
const DOWN: NodeHealth = { haproxy: "down", error: "connect ECONNREFUSED /run/haproxy-master.sock" };

/** The health reported at each look, the looks given as [millisecond, health read]. */
function reported(looks: [number, NodeHealth][], confirmMs = DOWN_CONFIRM_MS): NodeHealth[] {
  let memory: HealthMemory = {};
  return looks.map(([at, observed]) => {
    const next = confirmHealth(memory, observed, at, confirmMs);
    memory = next.memory;
    return next.health;
  });
}

describe("confirmHealth", () => {
  it("reports a read that succeeds as it is", () => {
    expect(reported([[0, UP]])).toEqual([UP]);
  });

  it("does not report HAProxy down for a failed read during a reload (regression: demo rollback alerted 'HAProxy is not running')", () => {
    // Looks every second; the master re-executes during the look at 1 s and answers again at 2 s.
    expect(
      reported([
        [0, UP],
        [1000, DOWN],
        [2000, UP],
      ]),
    ).toEqual([UP, UP, UP]);
  });

  it("does not add up failed reads separated by one that succeeded (an apply, then its rollback)", () => {
    const looks: [number, NodeHealth][] = [
      [0, UP],
      [1000, DOWN],
      [2000, UP],
      [3000, DOWN],
      [4000, UP],
    ];
    expect(reported(looks).map((h) => h.haproxy)).toEqual(["up", "up", "up", "up", "up"]);
  });

  it("reports HAProxy down, with the reason, once reads have failed for the confirmation time", () => {
    const health = reported([
      [0, UP],
      [1000, DOWN],
      [2000, DOWN],
      [3000, DOWN],
      [4000, DOWN],
    ]);
    expect(health.map((h) => h.haproxy)).toEqual(["up", "up", "up", "down", "down"]);
    expect(health[3]).toEqual(DOWN);
  });

  it("reports a HAProxy never read since the agent started down at once", () => {
    expect(reported([[0, DOWN]])).toEqual([DOWN]);
  });

  it("holds a failure back again once HAProxy answered after being reported down", () => {
    const health = reported([
      [0, UP],
      [1000, DOWN],
      [3000, DOWN],
      [4000, UP],
      [5000, DOWN],
    ]);
    expect(health.map((h) => h.haproxy)).toEqual(["up", "up", "down", "up", "up"]);
  });

  it("reports a failure at once when the confirmation time is 0", () => {
    expect(
      reported(
        [
          [0, UP],
          [1000, DOWN],
        ],
        0,
      ),
    ).toEqual([UP, DOWN]);
  });
});
