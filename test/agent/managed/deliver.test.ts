import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openAgentContext, type HaproxyNode } from "../../../src/agent/agent-context.js";
import { DEFAULT_POLICY } from "../../../src/agent/bake/policy.js";
import { deliver } from "../../../src/agent/managed/deliver.js";
import { loadManagedState, EMPTY_MANAGED_STATE } from "../../../src/agent/managed/managed-state.js";
import { Serial, type ControlPlane, type ManagedRun } from "../../../src/agent/managed/managed-run.js";
import type { ApplyReport } from "../../../src/control/api-types.js";
import { LbguardError } from "../../../src/errors.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A run whose control plane is `client`; the node is never used by deliveries. */
function runWith(client: Partial<ControlPlane>): ManagedRun {
  dir = mkdtempSync(join(tmpdir(), "lbguard-deliver-"));
  return {
    node: {} as HaproxyNode,
    ctx: openAgentContext(dir, { ...DEFAULT_POLICY }),
    client: client as ControlPlane,
    haproxy: "haproxy",
    state: structuredClone(EMPTY_MANAGED_STATE),
    work: new Serial(),
    delivery: new Serial(),
    signal: new AbortController().signal,
    log: () => undefined,
  };
}

const report = (apply: string): ApplyReport => ({ version: 1, apply, status: "promoted" });
const unreachable = (): Promise<never> =>
  Promise.reject(new LbguardError("LBG_SERVER_UNREACHABLE", { url: "http://x", reason: "refused" }));

describe("deliver", () => {
  it("sends the outbox, then new events once each, and remembers how far it got", async () => {
    const sent: string[] = [];
    const shipped: string[] = [];
    const run = runWith({
      reportApply: async (body) => {
        sent.push(body.apply);
        return { ok: true };
      },
      shipEvents: async ({ events }) => {
        shipped.push(...events.map((e) => e.type));
        return { accepted: events.length };
      },
    });
    run.state.outbox.push(report("apply-1"), report("apply-2"));
    run.ctx.events.append({ type: "agent.started", actor: "test" });
    await deliver(run);
    run.ctx.events.append({ type: "drift.seen", actor: "agent" });
    await Promise.all([deliver(run), deliver(run)]);
    expect(sent).toEqual(["apply-1", "apply-2"]);
    expect(shipped).toEqual(["agent.started", "drift.seen"]);
    expect(loadManagedState(run.ctx.dataDir)).toMatchObject({ outbox: [] });
    expect(loadManagedState(run.ctx.dataDir).eventsShipped).toBeGreaterThan(0);
  });

  it("keeps what it could not send when the control plane is out of reach", async () => {
    const run = runWith({ reportApply: unreachable, shipEvents: unreachable });
    run.state.outbox.push(report("apply-1"));
    run.ctx.events.append({ type: "agent.started", actor: "test" });
    await expect(deliver(run)).rejects.toMatchObject({ code: "LBG_SERVER_UNREACHABLE" });
    expect(run.state.outbox).toHaveLength(1);
    expect(run.state.eventsShipped).toBe(0);
  });

  it("drops a report the control plane refuses as malformed, so it does not block the ones behind it", async () => {
    const sent: string[] = [];
    const run = runWith({
      reportApply: async (body) => {
        if (body.apply === "bad") throw new LbguardError("LBG_BAD_REQUEST", { detail: "status" });
        sent.push(body.apply);
        return { ok: true };
      },
      shipEvents: async ({ events }) => ({ accepted: events.length }),
    });
    run.state.outbox.push(report("bad"), report("good"));
    await deliver(run);
    expect(sent).toEqual(["good"]);
    expect(run.state.outbox).toEqual([]);
  });
});
