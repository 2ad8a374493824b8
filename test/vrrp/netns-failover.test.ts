import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Change, CreatedToken, NodeStatus, Rollout, StoredEvent } from "../../src/control/api-types.js";
import { until } from "../helpers.js";
import { endedAfter, failures, firstServedByMs, sentBetween, serveAgainMs, slowestMs } from "./netns-load.js";
import { CLI, haproxyConfig, LB_NAMES, LB_NODES, pairFile, PairLab, type LbNode } from "./netns-pair.js";
import { isAlive, netnsSupport, NetnsTopology } from "./netns-topology.js";

/**
 * The redundant pair for real: two load-balancer namespaces each running HAProxy, keepalived
 * and the lbguard agent, two web servers, the control plane, and a client sending 100 requests
 * a second to the VIP, all joined by a bridge that lives in a namespace of its own (see
 * netns-topology.ts). Failures are injected while the load runs and measured from its log of
 * every request: how long until the VIP answers again, and how many requests failed.
 */

const support = netnsSupport();
const mustRun = process.env.CI === "true";
if (!support.ok) {
  console.log(
    `netns-failover: ${mustRun ? "FAILING (CI=true)" : "skipped"}: ${support.reason}. The redundant-pair test builds network namespaces and needs root.`,
  );
}

/**
 * Makes what a crashed run leaves: a namespace named after a PID that no longer exists, with a
 * process still running in it. NetnsTopology.create must remove both.
 */
function leaveStaleNamespace(): { ns: string; pid: number } {
  const gone = spawnSync("true").pid!;
  const ns = `lbgv-${gone}-1-lb1`;
  spawnSync("ip", ["netns", "add", ns]);
  const sleeper = spawn("ip", ["netns", "exec", ns, "sleep", "600"], { stdio: "ignore", detached: true });
  sleeper.unref();
  return { ns, pid: sleeper.pid! };
}

/** The event types of a rollout's progress, in the log. */
const ROLLOUT_STORY = new Set([
  "rollout.started",
  "node.standby",
  "rollout.handover-requested",
  "rollout.handed-over",
  "node.applied",
  "rollout.canary-passed",
  "rollout.completed",
]);

/** An event as `TYPE NODE`, the node it concerns when it concerns one. */
function storyLine(event: StoredEvent): string {
  const from = event.data.from;
  const node =
    (event.data.node as string | undefined) ??
    (Array.isArray(from) ? from.join(",") : undefined) ??
    (event.subject?.startsWith("node:") ? event.subject.split("/").pop() : undefined);
  return node === undefined ? event.type : `${event.type} ${node}`;
}

/** The goal of the issue: the VIP serves again within 3 s of HAProxy dying on the active node. */
const SERVE_AGAIN_GOAL_MS = 3_000;

// Under CI=true a machine that cannot build namespaces is a failure, not a skip.
it("can build network namespaces wherever it must (CI=true)", () => {
  const why = support.ok ? "" : `the redundant-pair test cannot run: ${support.reason}`;
  expect(support.ok || !mustRun, why).toBe(true);
});

describe.skipIf(!support.ok)("the redundant pair in network namespaces", () => {
  let work: string;
  let topo: NetnsTopology;
  let lab: PairLab;
  /** The node that holds the VIP as each test starts, and the other one. */
  let active: LbNode;
  let standby: LbNode;

  const other = (lb: LbNode): LbNode => (lb === "lb1" ? "lb2" : "lb1");
  const figure = (what: string, fields: Record<string, unknown>): void =>
    console.log(`netns-failover: ${what}: ${JSON.stringify(fields)}`);

  /** Waits until keepalived on `lb` wrote BACKUP: its check passes again and it does not hold the VIP. */
  const waitForBackup = (lb: LbNode): Promise<unknown> =>
    until(`${lb} to be BACKUP`, 20_000, () => lab.vrrpState(lb)?.startsWith("BACKUP"), 50);

  /** A namespace "left by a crashed run" (its owner PID is gone) with a process in it. */
  let stale: { ns: string; pid: number } | undefined;

  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    stale = leaveStaleNamespace();
    work = mkdtempSync(join(tmpdir(), "lbgv-"));
    topo = NetnsTopology.create(work);
    lab = new PairLab(topo);
    const config = join(work, "haproxy.cfg");
    const pair = join(work, "pair.yaml");
    writeFileSync(config, haproxyConfig());
    writeFileSync(pair, pairFile());

    await lab.startWebServers();
    await lab.startControlPlane();
    await lab.cliJson("admin", "cluster", "create", "pair", "--config", config);
    await lab.cliJson("admin", "cluster", "policy", "--approvals", "low=1,medium=1,high=1", "--bake", "5");
    for (const [user, role] of [
      ["alice", "operator"],
      ["bob", "approver"],
    ] as const) {
      await lab.cliJson("admin", "user", "create", user, "--role", role);
      lab.tokens[user] = (await lab.cliJson<CreatedToken>("admin", "token", "create", "--user", user)).token;
    }
    for (const lb of LB_NODES) {
      const added = await lab.cliJson<{ token: CreatedToken }>("admin", "nodes", "add", LB_NAMES[lb]);
      lab.tokens[LB_NAMES[lb]] = added.token.token;
    }

    // First start of each node as an operator would do it: haproxy.cfg of version 1, the
    // keepalived files from `lbguard vrrp render`, the steering of its own connections,
    // HAProxy, keepalived, then the agent.
    for (const lb of LB_NODES) {
      await lab.prepareNode(lb, haproxyConfig(), pair);
      await lab.steerOwnConnections(lb);
    }
    await Promise.all(LB_NODES.map((lb) => lab.startHaproxy(lb)));
    for (const lb of LB_NODES) lab.startKeepalived(lb);
    for (const lb of LB_NODES) lab.startAgent(lb);

    // The control plane adopts the pair: a change that adds the pair file to the cluster's
    // version, reviewed and rolled out like any other.
    const adopted = await lab.cliJson<Change>("alice", "propose", "--vrrp", pair, "-m", "the pair lb-1/lb-2");
    await lab.cliJson("bob", "approve", String(adopted.id), "-m", "VIP and priorities checked");
    const rollout = await lab.cliJson<Rollout>("alice", "rollout", String(adopted.id), "--wait");
    expect(rollout.state).toBe("completed");
    setUp = true;
  }, 150_000);

  let setUp = false;
  let failed = false;
  afterEach(({ task }) => {
    if (task.result?.state === "fail") failed = true;
  });
  afterAll(() => {
    const left = topo?.teardown();
    if (left && (left.namespaces.length > 0 || left.processes.length > 0 || left.links.length > 0)) {
      console.log(`netns-failover: tear-down left ${JSON.stringify(left)}`);
    }
    // The logs of every process stay for a failed run.
    if (work === undefined) return;
    if (failed || !setUp) console.log(`netns-failover: logs kept in ${join(work, "logs")}`);
    else rmSync(work, { recursive: true, force: true });
  });

  it("comes up with exactly one node holding the VIP, and the load succeeds", async () => {
    const holders = await lab.waitForHolders("one node to take the VIP", 20_000, (h) => h.length === 1);
    active = holders[0]!;
    standby = other(active);
    await waitForBackup(standby);
    expect(lab.vrrpState(active)).toMatch(/^MASTER /);

    const load = await lab.startLoad();
    await sleep(2_000);
    const records = await load.stop();
    expect(lab.vipHolders()).toEqual([active]);
    expect(failures(records)).toEqual({ count: 0, reasons: {} });
    expect(new Set(records.map((r) => r.lb))).toEqual(new Set([LB_NAMES[active]]));
    expect(new Set(records.map((r) => r.by))).toEqual(new Set(["web1", "web2"]));
    figure("steady state", {
      active: LB_NAMES[active],
      requests: records.length,
      slowestMs: Math.round(slowestMs(records)),
    });
  });

  it("serves again within 3 s after the active node's HAProxy is killed", async () => {
    const killed = active;
    const survivor = standby;
    const load = await lab.startLoad();
    await sleep(1_000);
    const moved = lab
      .waitForHolders(`the VIP to move to ${survivor}`, 10_000, (h) => h.length === 1 && h[0] === survivor)
      .then(() => Date.now());
    const killedAt = await lab.crashHaproxy(killed);
    const vipMovedMs = (await moved) - killedAt;
    [active, standby] = [survivor, killed];
    await until(
      "an answer after the kill",
      10_000,
      () => serveAgainMs(load.records(), killedAt) !== undefined,
    );
    // Long enough after the first answer for requests that waited on a SYN retransmission to end.
    await sleep(2_500);
    const records = await load.stop();

    const again = serveAgainMs(records, killedAt)!;
    const failed = failures(sentBetween(records, killedAt));
    figure("HAProxy SIGKILL on the active node", {
      killed: LB_NAMES[killed],
      vipMovedMs,
      serveAgainMs: Math.round(again),
      failedRequests: failed.count,
      reasons: failed.reasons,
    });
    expect(again).toBeLessThanOrEqual(SERVE_AGAIN_GOAL_MS);
    expect(lab.vrrpState(killed)).toMatch(/^FAULT /);
    expect(lab.vipHolders()).toEqual([survivor]);
    // Every request sent a second after the first answer is answered by the node that took over.
    const afterwards = sentBetween(records, killedAt + again + 1_000);
    expect(afterwards.length).toBeGreaterThan(50);
    expect(failures(afterwards).count).toBe(0);
    expect(new Set(afterwards.map((r) => r.lb))).toEqual(new Set([LB_NAMES[survivor]]));
  });

  it("moves the VIP when keepalived is killed, and loses at most one request on a clean stop", async () => {
    // The node whose HAProxy died comes back as a backup; nopreempt keeps the VIP where it is.
    await lab.startHaproxy(standby);
    await waitForBackup(standby);
    expect(lab.vipHolders()).toEqual([active]);
    const load = await lab.startLoad();
    await sleep(1_000);

    // keepalived SIGKILLed (parent and VRRP child) on the active node: no priority-0 advert, the
    // backup waits for three missed adverts. The dead instance cannot remove its VIP, so its
    // node keeps answering on it until the backup's gratuitous ARPs take the traffic.
    const crashed = active;
    const taker = standby;
    const crashedAt = await lab.crashKeepalived(crashed);
    await lab.waitForHolders(`${taker} to take the VIP`, 10_000, (h) => h.includes(taker));
    const vipTakenMs = Date.now() - crashedAt;
    [active, standby] = [taker, crashed];
    const firstFromTaker = await until(`answers from ${taker}`, 10_000, () =>
      firstServedByMs(load.records(), crashedAt, LB_NAMES[taker]),
    );
    const crashFailures = failures(endedAfter(load.records(), crashedAt));
    figure("keepalived SIGKILL on the active node", {
      killed: LB_NAMES[crashed],
      vipTakenMs,
      firstAnswerFromOtherMs: Math.round(firstFromTaker),
      failedRequests: crashFailures.count,
      reasons: crashFailures.reasons,
    });

    // Restarted, keepalived removes the VIP its killed instance left behind and joins as backup.
    lab.startKeepalived(crashed);
    await waitForBackup(crashed);
    await lab.waitForHolders(
      `only ${taker} to hold the VIP`,
      10_000,
      (h) => h.length === 1 && h[0] === taker,
    );
    await sleep(1_000);

    // A clean stop of the active node: keepalived first (it gives the VIP away with a
    // priority-0 advert), then HAProxy once keepalived has exited.
    const stopped = taker;
    const survivor = crashed;
    const moved = lab
      .waitForHolders(`the VIP to move to ${survivor}`, 10_000, (h) => h.length === 1 && h[0] === survivor)
      .then(() => Date.now());
    const stoppedAt = await lab.stopKeepalived(stopped);
    const haproxyStoppedAt = await lab.stopHaproxy(stopped);
    const vipMovedMs = (await moved) - stoppedAt;
    [active, standby] = [survivor, stopped];
    await until(`answers from ${survivor}`, 10_000, () =>
      firstServedByMs(load.records(), stoppedAt, LB_NAMES[survivor]),
    );
    await sleep(1_000);
    const records = await load.stop();
    // Requests in flight when the stop began count too: they are the ones a stop could cut.
    const affected = endedAfter(records, stoppedAt);
    const stopFailures = failures(affected);
    figure("clean stop (SIGTERM keepalived, then HAProxy) of the active node", {
      stopped: LB_NAMES[stopped],
      vipMovedMs,
      haproxyStoppedAfterMs: haproxyStoppedAt - stoppedAt,
      firstAnswerFromOtherMs: Math.round(firstServedByMs(records, stoppedAt, LB_NAMES[survivor])!),
      failedRequests: stopFailures.count,
      reasons: stopFailures.reasons,
      failedSentAtMs: affected.filter((r) => !r.ok).map((r) => Math.round(r.sent - stoppedAt)),
      slowestMs: Math.round(slowestMs(affected)),
    });
    expect(stopFailures.count).toBeLessThanOrEqual(1);
    expect(lab.vipHolders()).toEqual([survivor]);

    // Back to a full pair for the rolling change: the stopped node returns as a backup.
    await lab.startHaproxy(stopped);
    lab.startKeepalived(stopped);
    await waitForBackup(stopped);
  }, 90_000);

  it("rolls a config change across the pair under load: backup first, handover, then the former holder", async () => {
    const holder = active;
    const backup = standby;
    for (const lb of LB_NODES) expect(topo.pidsIn(lb)).toContain(lab.agents.get(lb)!.pid);
    // The control plane must know who holds the VIP to order the rollout.
    await until(
      "both agents to report their VRRP state",
      20_000,
      async () => {
        const nodes = await lab.cliJson<NodeStatus[]>("alice", "nodes");
        return (
          nodes.find((n) => n.name === LB_NAMES[holder])?.vrrp?.holdsVip === true &&
          nodes.find((n) => n.name === LB_NAMES[backup])?.vrrp?.holdsVip === false
        );
      },
      500,
    );

    const candidate = join(work, "haproxy-v2.cfg");
    writeFileSync(candidate, haproxyConfig("    timeout http-request 5s\n"));
    const load = await lab.startLoad();
    const change = await lab.cliJson<Change>(
      "alice",
      "propose",
      candidate,
      "-m",
      "bound slow request headers",
    );
    expect(change).toMatchObject({ verdict: "pass", state: "in-review" });
    await lab.cliJson("bob", "approve", String(change.id), "-m", "harmless");
    const startedAt = Date.now();
    const rollout = await lab.cliJson<Rollout>("alice", "rollout", String(change.id), "--wait");
    const rolloutS = (Date.now() - startedAt) / 1000;
    [active, standby] = [backup, holder];
    await sleep(1_000);
    const records = await load.stop();

    const failed = failures(records);
    const switchedMs = firstServedByMs(records, startedAt, LB_NAMES[backup]);
    figure("rolling change under load", {
      formerHolder: LB_NAMES[holder],
      order: rollout.nodes.map((n) => n.node),
      rolloutS,
      requests: records.length,
      failedRequests: failed.count,
      reasons: failed.reasons,
      slowestMs: Math.round(slowestMs(records)),
      trafficMovedAfterMs: switchedMs === undefined ? null : Math.round(switchedMs),
    });
    expect(rollout.state).toBe("completed");
    expect(rollout.nodes.map((n) => n.node)).toEqual([LB_NAMES[backup], LB_NAMES[holder]]);
    expect(failed).toEqual({ count: 0, reasons: {} });
    expect(lab.vipHolders()).toEqual([backup]);
    // The canary answered live traffic before the rollout ended.
    expect(switchedMs).toBeDefined();

    const nodes = await lab.cliJson<NodeStatus[]>("alice", "nodes");
    for (const lb of LB_NODES) {
      expect(nodes.find((n) => n.name === LB_NAMES[lb])).toMatchObject({ appliedVersion: change.version });
      expect(readFileSync(lab.paths(lb).config, "utf8")).toBe(readFileSync(candidate, "utf8"));
    }
    // The event log tells the rollout's story in the contract's order: the backup applied and
    // stood by, the holder was asked to hand the VIP over and did, the backup baked under the
    // traffic and was promoted, then the former holder applied.
    const story = (await lab.events())
      .filter((e) => e.data.rollout === rollout.id && ROLLOUT_STORY.has(e.type))
      .filter((e) => e.type !== "node.applied" || e.data.status === "promoted")
      .map(storyLine);
    expect(story).toEqual([
      "rollout.started",
      `node.standby ${LB_NAMES[backup]}`,
      `rollout.handover-requested ${LB_NAMES[holder]}`,
      `rollout.handed-over ${LB_NAMES[holder]}`,
      `node.applied ${LB_NAMES[backup]}`,
      "rollout.canary-passed",
      `node.applied ${LB_NAMES[holder]}`,
      "rollout.completed",
    ]);
  }, 120_000);

  it("tears down without leaving a namespace, link or process, and cleared a crashed run's", () => {
    expect(existsSync(`/run/netns/${stale!.ns}`)).toBe(false);
    expect(isAlive(stale!.pid)).toBe(false);
    const namespaces = LB_NODES.map((lb) => topo.ns(lb));
    const pids = [...lab.haproxy.values(), ...lab.keepalived.values(), ...lab.agents.values()].map(
      (p) => p.pid,
    );
    const left = topo.teardown();
    expect(left).toEqual({ namespaces: [], processes: [], links: [] });
    for (const ns of namespaces) expect(existsSync(`/run/netns/${ns}`)).toBe(false);
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
