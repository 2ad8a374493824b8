import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { runManagedAgent, type ManagedAgent } from "../../../src/agent/managed/managed-agent.js";
import type { ControlPlane, ManagedRun } from "../../../src/agent/managed/managed-run.js";
import { StatsBuffer, streamStats, type SendStats } from "../../../src/agent/managed/stats-stream.js";
import { ApiClient } from "../../../src/client/api-client.js";
import type { DesiredState } from "../../../src/control/api-types.js";
import { LbguardError } from "../../../src/errors.js";
import { sendRequest } from "../../../src/lab/http-client.js";
import { listenOn } from "../../../src/lab/listen.js";
import { StatsRecorder } from "../../../src/monitor/stats-recorder.js";
import type { AgentStatsReport, MetricSample } from "../../../src/monitor/types.js";
import { until } from "../../helpers.js";
import { metricSample, rowSample } from "../../monitor/sample-builders.js";
import { statRow } from "../bake/stat-fixtures.js";
import { startNodeFixture, type NodeFixture } from "../node-fixture.js";
import { startFakeControlPlane, type FakeControlPlane } from "./fake-control-plane.js";

// Loopback 127.0.60.0/24, ports 18602-18603 and 18618-18619: this file's own.
const TOKEN = "agent-token-lb-1";

const sample = (n: number, rows = 1): MetricSample =>
  metricSample(
    "lb-1",
    new Date(n * 1000).toISOString(),
    Array.from({ length: rows }, () =>
      rowSample("frontend", "www", { requests: n, responses: { "2xx": n } }),
    ),
  );
const numbers = (samples: MetricSample[]): number[] => samples.map((s) => s.rows[0]!.requests);

describe("StatsBuffer", () => {
  it("keeps the newest samples up to its limit and counts the ones it dropped", () => {
    const buffer = new StatsBuffer(3);
    for (let n = 1; n <= 5; n++) buffer.push(sample(n));
    expect(buffer.size).toBe(3);
    expect(buffer.dropped).toBe(2);
    expect(numbers(buffer.take())).toEqual([3, 4, 5]);
  });

  it("takes batches up to a number of samples and of bytes, at least one, oldest first", () => {
    const buffer = new StatsBuffer(100);
    for (let n = 1; n <= 5; n++) buffer.push(sample(n, 20));
    const one = JSON.stringify(sample(1, 20)).length;
    expect(numbers(buffer.take(2))).toEqual([1, 2]);
    expect(numbers(buffer.take(60, one * 2 + one / 2))).toEqual([3, 4]);
    expect(numbers(buffer.take(60, 10))).toEqual([5]);
    expect(buffer.size).toBe(0);
  });

  it("puts an unsent batch back before the samples taken meanwhile, dropping the oldest past the limit", () => {
    const buffer = new StatsBuffer(4);
    for (let n = 1; n <= 3; n++) buffer.push(sample(n));
    const batch = buffer.take();
    for (let n = 4; n <= 6; n++) buffer.push(sample(n));
    buffer.putBack(batch);
    expect(buffer.dropped).toBe(2);
    expect(numbers(buffer.take())).toEqual([3, 4, 5, 6]);
  });
});

/** A recorder over a pretend HAProxy whose frontend serves one request per snapshot. */
function countingRecorder(buffer: StatsBuffer): { recorder: StatsRecorder; produced: () => number } {
  let served = 0;
  let produced = 0;
  const node = {
    snapshot: async () => {
      served++;
      return { at: served * 10, rows: [statRow("www", "FRONTEND", { mode: "http", requestsTotal: served })] };
    },
  };
  const recorder = new StatsRecorder({
    node,
    name: "this-host",
    sink: (s) => {
      produced++;
      buffer.push(s);
    },
    intervalMs: 10,
  });
  return { recorder, produced: () => produced };
}

function fakeRun(
  lines: string[],
  desired?: Partial<DesiredState>,
): { run: ManagedRun; stop: AbortController } {
  const stop = new AbortController();
  const run = {
    ctx: { clock: Date.now },
    signal: stop.signal,
    log: (line: string) => lines.push(line),
    ...(desired ? { desired } : {}),
  } as unknown as ManagedRun;
  return { run, stop };
}

describe("streamStats", () => {
  it("keeps the newest samples while the control plane is away, logs the outage once, and the number dropped once it ends", async () => {
    const lines: string[] = [];
    const { run, stop } = fakeRun(lines, { node: "lb-7" });
    const buffer = new StatsBuffer(10);
    const { recorder, produced } = countingRecorder(buffer);
    const received: MetricSample[] = [];
    let down = true;
    const send: SendStats = async (report) => {
      if (down) throw new LbguardError("LBG_SERVER_UNREACHABLE", { url: "x", reason: "ECONNREFUSED" });
      received.push(...report.samples);
    };
    const streaming = streamStats(run, recorder, buffer, send, 10);
    await until("thirty samples", 20_000, () => produced() >= 30, 10);
    down = false;
    await until("samples after the outage", 20_000, () => received.length >= 15, 10);
    stop.abort();
    await streaming;

    expect(lines.filter((l) => l.includes("cannot be sent"))).toHaveLength(1);
    const back = lines.filter((l) => l.includes("again"));
    expect(back).toHaveLength(1);
    const dropped = Number(/(\d+) older samples were dropped/.exec(back[0]!)?.[1]);
    expect(dropped).toBeGreaterThanOrEqual(15);
    expect(dropped + received.length + buffer.size).toBe(produced());
    // The ten kept are the newest of the outage, and every sample after them follows in order.
    const counts = received.map((s) => new Date(s.at).getTime() / 10);
    expect(counts).toEqual(counts.map((_, i) => counts[0]! + i));
    expect(received.every((s) => s.node === "lb-7")).toBe(true);
  });

  it("drops a batch the control plane refuses for what it is, telling it once, and goes on", async () => {
    const lines: string[] = [];
    const { run, stop } = fakeRun(lines);
    const buffer = new StatsBuffer();
    const { recorder } = countingRecorder(buffer);
    let refusals = 3;
    const received: MetricSample[] = [];
    const send: SendStats = async (report) => {
      if (refusals-- > 0) throw new LbguardError("LBG_BAD_REQUEST", { detail: "body/samples/0 is wrong" });
      received.push(...report.samples);
    };
    const streaming = streamStats(run, recorder, buffer, send, 10);
    await until("samples after the refusals", 20_000, () => received.length >= 3, 10);
    stop.abort();
    await streaming;
    expect(lines.filter((l) => l.includes("refused"))).toHaveLength(1);
    expect(lines.some((l) => l.includes("cannot be sent"))).toBe(false);
    expect(received[0]?.node).toBe("this-host");
  });

  it("stops with the error when the control plane refuses the token", async () => {
    const { run } = fakeRun([]);
    const buffer = new StatsBuffer();
    const { recorder } = countingRecorder(buffer);
    const send: SendStats = async () => {
      throw new LbguardError("LBG_UNAUTHENTICATED", { detail: "no such token" });
    };
    await expect(streamStats(run, recorder, buffer, send, 10)).rejects.toMatchObject({
      code: "LBG_UNAUTHENTICATED",
    });
  });
});

const config = (weightA = ""): string => `global
    maxconn 256

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.60.2:18602
    default_backend web

backend web
    balance roundrobin
    server a 127.0.60.21:18603${weightA}
    server b 127.0.60.22:18603
`;

/** A stand-in for the control plane's `POST /api/v1/agent/stats` that records every body. */
async function startStatsReceiver(
  host: string,
  port: number,
): Promise<{ reports: AgentStatsReport[]; server: Server }> {
  const reports: AgentStatsReport[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      const authorized = req.headers.authorization === `Bearer ${TOKEN}`;
      if (req.method !== "POST" || req.url !== "/api/v1/agent/stats" || !authorized) {
        res.writeHead(authorized ? 404 : 401, { "content-type": "application/json" }).end("{}");
        return;
      }
      const report = JSON.parse(body) as AgentStatsReport;
      reports.push(report);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ recorded: report.samples.length }));
    });
  });
  await listenOn(server, host, port);
  return { reports, server };
}

let fixture: NodeFixture | undefined;
let plane: FakeControlPlane | undefined;
let agent: ManagedAgent | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  await agent?.stop();
  await plane?.close();
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver!.close(resolve));
  }
  await fixture?.stop();
  agent = plane = fixture = receiver = undefined;
});

describe("managed agent stats, on a real HAProxy", () => {
  it("streams samples that count every request served before, during and after an apply's reload", async () => {
    fixture = await startNodeFixture(config(), [
      { name: "a", host: "127.0.60.21", port: 18603 },
      { name: "b", host: "127.0.60.22", port: 18603 },
    ]);
    plane = await startFakeControlPlane("127.0.60.1", 18618, TOKEN, readFileSync(fixture.configPath, "utf8"));
    plane.setPolicy({ drift: "report", bakeS: 1 });
    const stats = await startStatsReceiver("127.0.60.1", 18619);
    receiver = stats.server;
    const toPlane = new ApiClient({ server: plane.url, token: TOKEN });
    const toReceiver = new ApiClient({ server: "http://127.0.60.1:18619", token: TOKEN });
    const client: ControlPlane = {
      desired: (have, waitS, signal) => toPlane.desired(have, waitS, signal),
      report: (body) => toPlane.report(body),
      reportApply: (body) => toPlane.reportApply(body),
      shipEvents: (body) => toPlane.shipEvents(body),
      sendStats: (report, signal) => toReceiver.sendStats(report, signal),
    };
    agent = runManagedAgent({
      node: fixture.node,
      ctx: fixture.ctx,
      client,
      haproxy: "haproxy",
      waitS: 5,
      statsIntervalMs: 200,
    });
    await until("the first version", 20_000, () => plane!.applies.find((a) => a.version === 1), 10);
    await until("the first samples", 20_000, () => stats.reports.length > 0, 10);
    const samples = (): MetricSample[] => stats.reports.flatMap((r) => r.samples);
    const counted = (pick: (s: MetricSample) => number): number => samples().reduce((n, s) => n + pick(s), 0);
    const backendRequests = (s: MetricSample): number =>
      s.rows.find((r) => r.kind === "backend" && r.proxy === "web")?.requests ?? 0;
    const frontend2xx = (s: MetricSample): number =>
      s.rows.find((r) => r.kind === "frontend")?.responses["2xx"] ?? 0;

    for (let i = 0; i < 5; i++)
      expect((await sendRequest({ target: "http://127.0.60.2:18602" })).status).toBe(200);
    plane.publish(fixture.withSockets(config(" weight 3")), 1);
    const applied = await until("version 2", 20_000, () => plane!.applies.find((a) => a.version === 2), 10);
    expect(applied.status).toBe("promoted");
    for (let i = 0; i < 6; i++)
      expect((await sendRequest({ target: "http://127.0.60.2:18602" })).status).toBe(200);

    await until("eleven requests in the samples", 20_000, () => counted(backendRequests) >= 11, 10);
    const seen = samples().length;
    await until("one more sample", 20_000, () => samples().length > seen, 10);
    expect(counted(backendRequests)).toBe(11);
    expect(counted(frontend2xx)).toBe(11);
    expect(samples().some((s) => s.reset)).toBe(true);
    const times = samples().map((s) => Date.parse(s.at));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(samples().at(-1)?.node).toBe("lb-1");
  }, 60_000);
});
