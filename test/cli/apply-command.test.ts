import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { MasterCli } from "../../src/haproxy/runtime/master-cli.js";
import { startNodeFixture, type NodeFixture } from "../agent/node-fixture.js";

// Loopback 127.0.33.0/24, ports 18355-18358: this file's own.
const CONFIG = (extra = "") => `global
    maxconn 256

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.33.2:18355
    default_backend web

backend web
${extra}    server a 127.0.33.31:18356
`;

let fixture: NodeFixture | undefined;
afterEach(async () => {
  await fixture?.stop();
  fixture = undefined;
});

async function apply(f: NodeFixture, candidate: string, ...more: string[]) {
  let out = "";
  let err = "";
  const code = await main(
    [
      "apply",
      candidate,
      "--config",
      f.configPath,
      "--master-socket",
      f.masterSocket,
      "--admin-socket",
      f.adminSocket,
      "--data",
      f.dataDir,
      "--actor",
      "tester",
      ...more,
    ],
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

describe("lbguard apply", () => {
  it("exits 1 naming HAProxy's error with file:line when haproxy -c refuses, and changes nothing", async () => {
    fixture = await startNodeFixture(CONFIG(), [{ name: "a", host: "127.0.33.31", port: 18356 }]);
    const running = readFileSync(fixture.configPath, "utf8");
    const reloads = (await new MasterCli(fixture.masterSocket).showProc()).master.reloads;
    const candidate = join(fixture.dir, "candidate.cfg");
    const text = fixture.withSockets(CONFIG("    balance nonsense\n"));
    writeFileSync(candidate, text);
    const line = text.split("\n").indexOf("    balance nonsense") + 1;
    const run = await apply(fixture, candidate, "--force");
    expect(run.code).toBe(1);
    expect(run.err).toContain("haproxy -c refuses");
    expect(run.err).toContain(`${candidate}:${line}:`);
    expect(run.err).toContain("balance only supports");
    expect(readFileSync(fixture.configPath, "utf8")).toBe(running);
    expect((await new MasterCli(fixture.masterSocket).showProc()).master.reloads).toBe(reloads);
  }, 20_000);

  it("applies a good candidate, prints each step, and exits 0", async () => {
    fixture = await startNodeFixture(CONFIG(), [{ name: "a", host: "127.0.33.31", port: 18356 }]);
    const candidate = join(fixture.dir, "candidate.cfg");
    const text = fixture.withSockets(CONFIG("    balance leastconn\n"));
    writeFileSync(candidate, text);
    const run = await apply(fixture, candidate, "--bake", "1");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^applied apply-\S+: the bake passed/);
    for (const step of [
      "apply.started",
      "apply.gate-passed",
      "apply.replaced",
      "apply.reloaded",
      "apply.promoted",
    ]) {
      expect(run.err).toContain(step);
    }
    expect(readFileSync(fixture.configPath, "utf8")).toBe(text);
    const events = readFileSync(join(fixture.dataDir, "events.jsonl"), "utf8").trim().split("\n");
    expect(events.map((e) => (JSON.parse(e) as { actor: string }).actor)).toContain("tester");
  }, 20_000);

  it("says which socket does not answer when HAProxy is not there", async () => {
    fixture = await startNodeFixture(CONFIG(), [{ name: "a", host: "127.0.33.31", port: 18356 }]);
    const candidate = join(fixture.dir, "candidate.cfg");
    writeFileSync(candidate, fixture.withSockets(CONFIG("    balance leastconn\n")));
    let err = "";
    const code = await main(
      [
        "apply",
        candidate,
        "--config",
        fixture.configPath,
        "--master-socket",
        join(fixture.dir, "nope.sock"),
        "--admin-socket",
        join(fixture.dir, "nope-admin.sock"),
        "--data",
        fixture.dataDir,
      ],
      () => undefined,
      (s) => {
        err += s;
      },
    );
    expect(code).toBe(1);
    expect(err).toContain("nope");
  }, 20_000);
});
