import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { applyConfig } from "../../src/agent/apply.js";
import { contentHash } from "../../src/agent/config-store.js";
import { MasterCli } from "../../src/haproxy/runtime/master-cli.js";
import { runLoad } from "../../src/lab/load-generator.js";
import { summarizeLoad } from "../../src/lab/load-summary.js";
import { sendSequentially, servedBy } from "../../src/lab/http-client.js";
import { startNodeFixture, type NodeFixture } from "./node-fixture.js";

// Loopback 127.0.33.0/24, ports 18340-18349: this file's own.
const FRONT = "http://127.0.33.1:18340";
const config = (servers: string, extra = ""): string => `global
    maxconn 512

defaults
    mode http
    # Keep-alive clients: without it a reload can reset a request racing an idle close.
    option idle-close-on-response
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.33.1:18340
    default_backend web

backend web
    balance roundrobin
${extra}${servers}
`;
const TWO = "    server a 127.0.33.11:18341\n    server b 127.0.33.12:18341\n";
const SERVERS = [
  { name: "a", host: "127.0.33.11", port: 18341 },
  { name: "b", host: "127.0.33.12", port: 18341 },
];

let fixture: NodeFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

describe("applyConfig on a real HAProxy", () => {
  it("promotes a good change after the bake, keeping both versions and the event trail", async () => {
    fixture = await startNodeFixture(config(TWO), SERVERS, { bakeS: 1 });
    const running = readFileSync(fixture.configPath, "utf8");
    const candidate = fixture.withSockets(
      config("    server a 127.0.33.11:18341 weight 3\n    server b 127.0.33.12:18341\n"),
    );
    const load = runLoad({ url: FRONT, rps: 100, durationS: 3.5 });
    const outcome = await applyConfig(fixture.node, fixture.ctx, {
      text: candidate,
      source: "candidate.cfg",
      actor: "test",
      haproxy: "haproxy",
    });
    const summary = summarizeLoad((await load).records);
    expect(outcome.status).toBe("promoted");
    expect(readFileSync(fixture.configPath, "utf8")).toBe(candidate);
    expect(fixture.ctx.store.lastKnownGood()?.hash).toBe(contentHash(candidate));
    expect(fixture.ctx.store.versions().map((v) => v.hash)).toEqual([
      contentHash(running),
      contentHash(candidate),
    ]);
    expect(fixture.ctx.journal.current()).toBeUndefined();
    expect(fixture.ctx.events.read().map((e) => e.type)).toEqual([
      "apply.started",
      "apply.gate-passed",
      "apply.backed-up",
      "apply.replaced",
      "apply.reloaded",
      "apply.promoted",
    ]);
    expect(summary.failed).toBe(0);
    // The new weights are live: a gets three requests of every four.
    const names = await servedBy(Array.from({ length: 8 }, () => ({ target: FRONT })));
    expect(names.filter((n) => n === "a")).toHaveLength(6);
  }, 20_000);

  it("rolls back by itself when live traffic breaks, and HAProxy serves the old config again", async () => {
    fixture = await startNodeFixture(config(TWO), SERVERS, { bakeS: 5 });
    const running = readFileSync(fixture.configPath, "utf8");
    const broken = fixture.withSockets(
      config("    server a 127.0.33.11:18341\n    server b 127.0.33.12:18349\n"),
    );
    const load = runLoad({ url: FRONT, rps: 120, durationS: 4 });
    await new Promise((r) => setTimeout(r, 300));
    const outcome = await applyConfig(fixture.node, fixture.ctx, {
      text: broken,
      source: "broken.cfg",
      actor: "test",
      force: true,
      haproxy: "haproxy",
    });
    const records = (await load).records;
    expect(outcome.status).toBe("rolled-back");
    expect(outcome.breaches?.[0]?.scope).toMatch(/web|www/);
    const detectMs = outcome.times.decidedAt! - outcome.times.appliedAt!;
    expect(detectMs).toBeLessThan(3000);
    expect(readFileSync(fixture.configPath, "utf8")).toBe(running);
    expect(fixture.ctx.store.lastKnownGood()?.hash).toBe(contentHash(running));
    const types = fixture.ctx.events.read().map((e) => e.type);
    expect(types).toContain("apply.gate-skipped");
    expect(types.slice(-2)).toEqual(["apply.breach", "apply.rolled-back"]);
    // After the rollback, every request succeeds again.
    const after = summarizeLoad(records, { from: outcome.times.restoredAt! + 200 });
    expect(after.requests).toBeGreaterThan(50);
    expect(after.failed).toBe(0);
    const answers = await sendSequentially(Array.from({ length: 4 }, () => ({ target: FRONT })));
    expect(answers.every((r) => r.status === 200)).toBe(true);
  }, 20_000);

  it("changes nothing when haproxy -c refuses the candidate, and names the line", async () => {
    fixture = await startNodeFixture(config(TWO), SERVERS);
    const running = readFileSync(fixture.configPath, "utf8");
    const master = new MasterCli(fixture.masterSocket);
    const reloadsBefore = (await master.showProc()).master.reloads;
    const invalid = fixture.withSockets(config(TWO, "    balance nonsense\n"));
    const outcome = await applyConfig(fixture.node, fixture.ctx, {
      text: invalid,
      source: "bad.cfg",
      actor: "test",
      force: true,
      haproxy: "haproxy",
    });
    expect(outcome.status).toBe("invalid");
    expect(outcome.invalid?.[0]?.span.file).toBe("bad.cfg");
    expect(outcome.invalid?.[0]?.span.line).toBe(invalid.split("\n").indexOf("    balance nonsense") + 1);
    expect(readFileSync(fixture.configPath, "utf8")).toBe(running);
    expect((await master.showProc()).master.reloads).toBe(reloadsBefore);
    expect(fixture.ctx.store.versions()).toEqual([]);
  }, 20_000);

  it("blocks before touching anything when a new server does not answer the pre-flight probe", async () => {
    fixture = await startNodeFixture(config(TWO), SERVERS);
    const running = readFileSync(fixture.configPath, "utf8");
    const candidate = fixture.withSockets(config(`${TWO}    server c 127.0.33.13:18341\n`));
    const outcome = await applyConfig(fixture.node, fixture.ctx, {
      text: candidate,
      source: "c.cfg",
      actor: "test",
      haproxy: "haproxy",
    });
    expect(outcome.status).toBe("blocked");
    expect(outcome.probes).toEqual([
      expect.objectContaining({ probe: "server-connect", target: "web/c", severity: "error" }),
    ]);
    expect(readFileSync(fixture.configPath, "utf8")).toBe(running);
  }, 20_000);

  it("skips a candidate identical to the live file", async () => {
    fixture = await startNodeFixture(config(TWO), SERVERS);
    const outcome = await applyConfig(fixture.node, fixture.ctx, {
      text: readFileSync(fixture.configPath, "utf8"),
      source: "same.cfg",
      actor: "test",
      haproxy: "haproxy",
    });
    expect(outcome.status).toBe("unchanged");
  }, 20_000);
});
