import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentHash } from "../../../src/agent/config-store.js";
import {
  runManagedAgent,
  type ManagedAgent,
  type ManagedAgentOptions,
} from "../../../src/agent/managed/managed-agent.js";
import { loadManagedState } from "../../../src/agent/managed/managed-state.js";
import { ApiClient } from "../../../src/client/api-client.js";
import type { AgentReport } from "../../../src/control/api-types.js";
import { startNodeFixture, type NodeFixture } from "../node-fixture.js";
import { startFakeControlPlane, type FakeControlPlane } from "./fake-control-plane.js";
import { labPair, labSupport, openKeepalivedLab, type KeepalivedLab } from "./keepalived-lab.js";

// HAProxy and its servers on loopback 127.0.81.0/24, ports 18810-18828; keepalived in the
// network namespace lbga-kagent (never on the host's interfaces).
const support = labSupport();
if (!support.ok && process.env.CI === "true")
  throw new Error(`keepalived tests cannot run: ${support.reason}`);

const TOKEN = "agent-token-lb-1";
const config = (weightA = ""): string => `global
    maxconn 512

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.81.1:18810
    default_backend web

backend web
    balance roundrobin
    server a 127.0.81.11:18811${weightA}
    server b 127.0.81.12:18811
`;
const SERVERS = [
  { name: "a", host: "127.0.81.11", port: 18811 },
  { name: "b", host: "127.0.81.12", port: 18811 },
];
const FIRST = labPair(100);
const MOVED = labPair(101);

let lab: KeepalivedLab | undefined;
let fixture: NodeFixture | undefined;
let plane: FakeControlPlane | undefined;
let agent: ManagedAgent | undefined;
const logLines: string[] = [];

function startAgent(over: Partial<ManagedAgentOptions> = {}): ManagedAgent {
  return runManagedAgent({
    node: fixture!.node,
    ctx: fixture!.ctx,
    client: new ApiClient({ server: plane!.url, token: TOKEN }),
    haproxy: "haproxy",
    waitS: 2,
    keepalived: lab!.node,
    log: (line) => logLines.push(line),
    ...over,
  });
}

/** Resolves with the first truthy value of `probe`, polled every 50 ms, or fails after `timeoutMs`. */
async function eventually<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}\nagent:\n${logLines.join("\n")}\nkeepalived:\n${lab?.log()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const lastVrrp = (): AgentReport["vrrp"] => plane!.reports.at(-1)?.vrrp;
const applyOf = (version: number, status: string) =>
  plane!.applies.find((a) => a.version === version && a.status === status);
const maintenance = (): string => lab!.node.paths.maintenanceFile;

describe.skipIf(!support.ok)(
  `a managed agent on a node of a pair, with a real keepalived${support.ok ? "" : ` (skipped: ${support.reason})`}`,
  () => {
    beforeAll(async () => {
      lab = await openKeepalivedLab("lbga-kagent");
      // The node's first start: `lbguard vrrp render` wrote the files, keepalived runs on them.
      lab.render(FIRST);
      await lab.start();
      fixture = await startNodeFixture(config(), SERVERS);
      plane = await startFakeControlPlane(
        "127.0.81.1",
        18828,
        TOKEN,
        readFileSync(fixture.configPath, "utf8"),
      );
      plane.update({ version: { ...plane.desired.version, vrrp: FIRST } });
      plane.setPolicy({ drift: "report", bakeS: 1 });
      await eventually(() => lab!.holds("198.51.100.100"), 15_000, "keepalived to take the VIP");
    }, 40_000);

    afterAll(async () => {
      await agent?.stop();
      await plane?.close();
      await fixture?.stop();
      await lab?.close();
    });

    it("applies each version's pair, reports the VRRP role and keepalived.conf's hash, and a change of role within 2 s", async () => {
      agent = startAgent();
      // Files already rendered for the pair are not rewritten: version 1 is unchanged.
      await eventually(() => applyOf(1, "unchanged"), 10_000, "version 1");
      const firstConf = readFileSync(lab!.node.paths.conf, "utf8");
      expect(
        await eventually(() => lastVrrp()?.holdsVip && lastVrrp(), 5000, "a report holding the VIP"),
      ).toEqual({
        state: "MASTER",
        holdsVip: true,
        keepalivedHash: contentHash(firstConf),
        expectedKeepalivedHash: contentHash(firstConf),
      });

      // A version that changes only the pair: keepalived is reloaded onto the new VIP.
      const v2 = plane!.publish(readFileSync(fixture!.configPath, "utf8"), 1, MOVED);
      expect(
        await eventually(() => plane!.applies.find((a) => a.version === v2), 15_000, "version 2"),
      ).toMatchObject({
        rollout: 1,
        status: "promoted",
      });
      await eventually(
        async () => (await lab!.holds("198.51.100.101")) && !(await lab!.holds("198.51.100.100")),
        10_000,
        "the new VIP",
      );
      const movedConf = readFileSync(lab!.node.paths.conf, "utf8");
      expect(movedConf).toContain("198.51.100.101/24");
      await eventually(
        () =>
          lastVrrp()?.keepalivedHash === contentHash(movedConf) &&
          lastVrrp()?.expectedKeepalivedHash === contentHash(movedConf),
        5000,
        "a report of the new keepalived.conf",
      );
      expect(loadManagedState(fixture!.dataDir).keepalived).toMatchObject({ text: MOVED, node: "lb-1" });

      // The health check fails: keepalived goes FAULT and drops the VIP; the report follows at once.
      writeFileSync(maintenance(), "by hand\n");
      await eventually(
        async () => !(await lab!.holds("198.51.100.101")),
        10_000,
        "keepalived to drop the VIP",
      );
      const droppedAt = Date.now();
      await eventually(
        () => lastVrrp()?.holdsVip === false && lastVrrp()?.state === "FAULT",
        5000,
        "the report of FAULT",
      );
      expect(Date.now() - droppedAt).toBeLessThan(2000);
      rmSync(maintenance());
      await eventually(() => lastVrrp()?.holdsVip, 15_000, "the VIP back");
      await eventually(
        () => plane!.events.some((e) => e.type === "vrrp.state-changed" && e.evidence?.to === "FAULT"),
        5000,
        "the event",
      );
    }, 60_000);

    it("hands the VIP over when asked, once, reporting POST /agent/handovers", async () => {
      plane!.update({ rollout: 2, handover: true });
      const report = await eventually(() => plane!.handovers[0], 25_000, "the handover report");
      expect(report).toMatchObject({
        rollout: 2,
        status: "handed-over",
        detail: expect.stringMatching(/^released the VIP in \d+\.\d s$/),
      });
      expect(plane!.reports.some((r) => r.vrrp?.holdsVip === false)).toBe(true);
      expect(existsSync(maintenance())).toBe(false);
      expect(loadManagedState(fixture!.dataDir).handover).toEqual({ rollout: 2, status: "handed-over" });
      await eventually(
        () =>
          ["vrrp.handover-started", "vrrp.handed-over"].every((t) => plane!.events.some((e) => e.type === t)),
        5000,
        "the handover's events",
      );

      // The same answer again, and a restarted agent: no second handover.
      plane!.update({});
      await agent!.stop();
      agent = startAgent();
      await eventually(
        () => plane!.reports.length > 0 && lastVrrp(),
        5000,
        "a report of the restarted agent",
      );
      await new Promise((r) => setTimeout(r, 2500));
      expect(plane!.handovers).toHaveLength(1);
      plane!.update({ handover: false });
      // Alone in its namespace, the node takes the VIP back by itself once its check passes.
      await eventually(() => lastVrrp()?.holdsVip, 15_000, "the VIP back");
    }, 60_000);

    it("with bakeWhenActive, reports standby after the reload and bakes only once it holds the VIP", async () => {
      writeFileSync(maintenance(), "the other node is active\n");
      await eventually(() => lastVrrp()?.holdsVip === false, 10_000, "the VIP gone");
      const v3Text = fixture!.withSockets(config(" weight 3"));
      plane!.update({ bakeWhenActive: true });
      const v3 = plane!.publish(v3Text, 3, MOVED);
      const standby = await eventually(() => applyOf(v3, "standby"), 15_000, "the standby report");
      expect(standby.rollout).toBe(3);
      // Reloaded already: the backup serves the new config as soon as traffic comes.
      expect(readFileSync(fixture!.configPath, "utf8")).toBe(v3Text);
      expect(applyOf(v3, "promoted")).toBeUndefined();

      rmSync(maintenance());
      const promoted = await eventually(() => applyOf(v3, "promoted"), 30_000, "the promotion");
      expect(promoted.apply).toBe(standby.apply);
      const events = fixture!.ctx.events.read().filter((e) => e.apply === standby.apply);
      const at = (type: string) => Date.parse(events.find((e) => e.type === type)?.at ?? "");
      expect(events.map((e) => e.type)).toEqual(
        expect.arrayContaining(["apply.reloaded", "apply.standby", "apply.active", "apply.promoted"]),
      );
      expect(at("apply.standby")).toBeLessThan(at("apply.active"));
      // The bake window (1 s) runs from the moment it held the VIP.
      expect(at("apply.promoted") - at("apply.active")).toBeGreaterThanOrEqual(1000);
      expect(plane!.applies.findIndex((a) => a === standby)).toBeLessThan(
        plane!.applies.findIndex((a) => a === promoted),
      );
    }, 60_000);

    it("with bakeWhenActive, rolls back HAProxy and keepalived when the VIP does not come in time", async () => {
      await agent!.stop();
      agent = startAgent({ pairTimings: { activeWaitMs: 3000 } });
      writeFileSync(maintenance(), "the other node is active\n");
      await eventually(() => lastVrrp()?.holdsVip === false, 10_000, "the VIP gone");
      const v3Text = readFileSync(fixture!.configPath, "utf8");
      const movedConf = readFileSync(lab!.node.paths.conf, "utf8");
      const v4 = plane!.publish(fixture!.withSockets(config(" weight 5")), 4, labPair(102));
      await eventually(() => applyOf(v4, "standby"), 15_000, "the standby report");
      const rolledBack = await eventually(() => applyOf(v4, "rolled-back"), 15_000, "the rollback");
      expect(rolledBack.detail).toBe("this node did not come to hold the VIP within 3 s of standing by");
      expect(readFileSync(fixture!.configPath, "utf8")).toBe(v3Text);
      expect(readFileSync(lab!.node.paths.conf, "utf8")).toBe(movedConf);
      expect(
        fixture!.ctx.events
          .read()
          .some((e) => e.apply === rolledBack.apply && e.type === "keepalived.restored"),
      ).toBe(true);
      expect(loadManagedState(fixture!.dataDir).keepalived?.text).toBe(MOVED);
      rmSync(maintenance());
      await eventually(() => lastVrrp()?.holdsVip, 15_000, "the VIP back");
    }, 60_000);

    it("reports a pair keepalived -t refuses as invalid, with HAProxy and keepalived untouched", async () => {
      const before = {
        cfg: readFileSync(fixture!.configPath, "utf8"),
        conf: readFileSync(lab!.node.paths.conf, "utf8"),
      };
      plane!.update({ bakeWhenActive: false });
      const v5 = plane!.publish(
        fixture!.withSockets(config(" weight 7")),
        5,
        labPair(100, { interface: "lbga-none0" }),
      );
      const invalid = await eventually(
        () => plane!.applies.find((a) => a.version === v5),
        15_000,
        "version 5",
      );
      expect(invalid.status).toBe("invalid");
      expect(invalid.detail).toContain("lbga-none0");
      expect(readFileSync(fixture!.configPath, "utf8")).toBe(before.cfg);
      expect(readFileSync(lab!.node.paths.conf, "utf8")).toBe(before.conf);
    }, 30_000);

    it("an agent without --keepalived-dir applies haproxy.cfg only, says so once, and refuses a handover", async () => {
      await agent!.stop();
      logLines.length = 0;
      agent = startAgent({ keepalived: undefined });
      const conf = readFileSync(lab!.node.paths.conf, "utf8");
      const v6 = plane!.publish(fixture!.withSockets(config(" weight 2")), 6, labPair(103));
      expect(
        await eventually(() => plane!.applies.find((a) => a.version === v6), 15_000, "version 6"),
      ).toMatchObject({
        status: "promoted",
      });
      expect(readFileSync(lab!.node.paths.conf, "utf8")).toBe(conf);
      const v7 = plane!.publish(fixture!.withSockets(config(" weight 4")), 7, labPair(104));
      await eventually(() => plane!.applies.find((a) => a.version === v7), 15_000, "version 7");
      expect(logLines.filter((l) => l.includes("runs without --keepalived-dir"))).toHaveLength(1);
      expect(plane!.reports.at(-1)?.vrrp).toBeUndefined();

      plane!.update({ rollout: 8, handover: true });
      expect(
        await eventually(() => plane!.handovers.find((h) => h.rollout === 8), 10_000, "the refusal"),
      ).toEqual({
        rollout: 8,
        status: "failed",
        detail: "this agent does not manage keepalived: start it with --keepalived-dir and --keepalived-pid",
      });
    }, 40_000);
  },
);
