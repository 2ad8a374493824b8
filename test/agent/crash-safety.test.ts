import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConfigStore, contentHash } from "../../src/agent/config-store.js";
import { EventLog } from "../../src/agent/event-log.js";
import { APPLY_FAILPOINTS } from "../../src/agent/failpoint.js";
import type { JournalEntry } from "../../src/agent/journal.js";
import { AdminSocket } from "../../src/haproxy/runtime/admin-socket.js";
import { haproxyBinary } from "../../src/haproxy/runtime/process-helpers.js";
import { sendRequest, servedBy } from "../../src/lab/http-client.js";
import { runLoad, type LoadResult } from "../../src/lab/load-generator.js";
import { startNodeFixture, type NodeFixture } from "./node-fixture.js";

// Loopback 127.0.34.0/24, ports 18360-18379: this file's own. Each case binds its frontend on
// its own port (18360 + its index), so a case never meets the sockets of the one before.
const SERVER_PORT = 18371;
const DEAD_PORT = 18379;
const CLI = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

/** Failpoints reached only when the bake breaches; every other one is driven by a good change. */
const ROLLBACK_PATH: ReadonlySet<string> = new Set(["before-rollback-reload", "after-rollback-reload"]);

const config = (port: number, servers: string): string => `global
    maxconn 512

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.34.1:${port}
    default_backend web

backend web
    balance roundrobin
${servers}`;
const RUNNING = `    server a 127.0.34.11:${SERVER_PORT}\n    server b 127.0.34.12:${SERVER_PORT}\n`;
// A good change: a takes three requests of every four.
const REWEIGHTED = `    server a 127.0.34.11:${SERVER_PORT} weight 3\n    server b 127.0.34.12:${SERVER_PORT}\n`;
// A bad one: b moves to a port nothing listens on, with no health check to take it out.
const BROKEN = `    server a 127.0.34.11:${SERVER_PORT}\n    server b 127.0.34.12:${DEAD_PORT}\n`;
const SERVERS = [
  { name: "a", host: "127.0.34.11", port: SERVER_PORT },
  { name: "b", host: "127.0.34.12", port: SERVER_PORT },
];

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let fixture: NodeFixture | undefined;
let load: { stop: AbortController; done: Promise<LoadResult> } | undefined;
const children = new Set<ChildProcess>();

afterEach(async () => {
  for (const child of children) if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
  children.clear();
  load?.stop.abort();
  await load?.done;
  load = undefined;
  await fixture?.stop();
  fixture = undefined;
});

beforeAll(() => {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run \`npm run build\` first (this test spawns the built CLI)`);
  }
});

/** Runs the built CLI and resolves with how it ended; kills it after `deadlineMs`. */
function runCli(args: string[], env: NodeJS.ProcessEnv, deadlineMs = 20_000): Promise<Exit> {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => {
    stderr += `\n(killed by the test after ${deadlineMs} ms)`;
    if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
  }, deadlineMs);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function nodeArgs(f: NodeFixture): string[] {
  return [
    "--config",
    f.configPath,
    "--master-socket",
    f.masterSocket,
    "--admin-socket",
    f.adminSocket,
    "--data",
    f.dataDir,
    "--actor",
    "crash-test",
  ];
}

function envWithout(name: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env[name];
  return env;
}

/** The servers of backend `web` as a config declares them: `name host:port weight`, sorted. */
function declaredServers(text: string): string[] {
  const servers: string[] = [];
  for (const m of text.matchAll(/^\s*server (\S+) (\S+)(?: weight (\d+))?\s*$/gm)) {
    servers.push(`${m[1]} ${m[2]} weight ${m[3] ?? "1"}`);
  }
  return servers.sort();
}

/** The servers of backend `web` as the running worker has them, in the same form. */
async function servedServers(f: NodeFixture): Promise<string[]> {
  const rows = await new AdminSocket(f.adminSocket).showStat();
  return rows
    .filter((r) => r.type === "server" && r.proxy === "web")
    .map((r) => `${r.name} ${r.address ?? "?"} weight ${r.weight ?? "?"}`)
    .sort();
}

function haproxyCheck(path: string): { status: number | null; output: string } {
  const run = spawnSync(haproxyBinary(), ["-c", "-q", "-f", path], { encoding: "utf8" });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Statuses of a few requests sent together; a dead server's share ends in errors, not 200s. */
async function statuses(front: string): Promise<(number | string)[]> {
  const settled = await Promise.allSettled(
    Array.from({ length: 4 }, () => sendRequest({ target: front, timeoutMs: 1500 })),
  );
  return settled.map((s) => (s.status === "fulfilled" ? s.value.status : "error"));
}

function readJournal(f: NodeFixture): JournalEntry | undefined {
  const path = join(f.dataDir, "apply.json");
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as JournalEntry) : undefined;
}

function strayCopies(f: NodeFixture): string[] {
  return readdirSync(f.dir).filter((n) => n.startsWith(".haproxy.cfg.lbguard-") && n.endsWith(".tmp"));
}

describe("crash safety: the apply is SIGKILLed at each failpoint, then `agent --once` settles it", () => {
  it.each(APPLY_FAILPOINTS.map((name, index) => ({ name, index })))(
    "$name: HAProxy keeps serving a checked config, the file stays whole, and recovery finishes",
    async ({ name, index }) => {
      const port = 18360 + index;
      const front = `http://127.0.34.1:${port}`;
      const rollback = ROLLBACK_PATH.has(name);
      fixture = await startNodeFixture(config(port, RUNNING), SERVERS);
      const f = fixture;
      const old = readFileSync(f.configPath, "utf8");
      const candidate = f.withSockets(config(port, rollback ? BROKEN : REWEIGHTED));
      const candidatePath = join(f.dir, "candidate.cfg");
      writeFileSync(candidatePath, candidate);
      expect(haproxyCheck(candidatePath).status).toBe(0);

      if (rollback) {
        // The bake needs traffic to see the dead port; the baseline must see it too.
        const stop = new AbortController();
        load = {
          stop,
          done: runLoad({ url: front, rps: 120, durationS: 10, timeoutMs: 2000, signal: stop.signal }),
        };
        await new Promise((r) => setTimeout(r, 300));
      }
      const applied = await runCli(
        [
          "apply",
          candidatePath,
          ...nodeArgs(f),
          "--bake",
          rollback ? "4" : "2",
          ...(rollback ? ["--force"] : []),
        ],
        { ...process.env, LBGUARD_FAILPOINT: name },
      );
      load?.stop.abort();
      await load?.done;
      expect(
        applied.signal,
        `the apply should have been killed at '${name}' (${rollback ? "rollback" : "promote"} path), ` +
          `but it exited with ${applied.code}:\n${applied.stdout}${applied.stderr}`,
      ).toBe("SIGKILL");

      // Right after the crash: the file is one version or the other, whole, and it passes -c.
      const live = readFileSync(f.configPath, "utf8");
      expect([contentHash(old), contentHash(candidate)]).toContain(contentHash(live));
      const check = haproxyCheck(f.configPath);
      expect(check.status, check.output).toBe(0);
      // HAProxy still serves, one of the two checked configs.
      expect([declaredServers(old), declaredServers(candidate)]).toContainEqual(await servedServers(f));
      expect(await statuses(front)).toContain(200);

      const journal = readJournal(f);
      const started = new EventLog(f.dataDir).read().filter((e) => e.type === "apply.started");
      expect(started).toHaveLength(1);
      const applyId = started[0]!.apply;

      const recovered = await runCli(["agent", "--once", ...nodeArgs(f)], envWithout("LBGUARD_FAILPOINT"));
      expect(recovered.code, recovered.stderr).toBe(0);
      expect(existsSync(join(f.dataDir, "apply.json"))).toBe(false);
      expect(strayCopies(f)).toEqual([]);

      const promoted = name === "before-promote";
      const expected = promoted ? candidate : old;
      expect(
        contentHash(readFileSync(f.configPath, "utf8")),
        `the live file should hold the ${promoted ? "candidate" : "old text"}`,
      ).toBe(contentHash(expected));
      const knownGood = new ConfigStore(f.dataDir).lastKnownGood();
      if (promoted) expect(knownGood?.hash).toBe(contentHash(candidate));
      else expect(knownGood?.hash).not.toBe(contentHash(candidate));

      // HAProxy serves what the file says: the same servers, addresses and weights, and the
      // balancing those weights give (a has 1 of 2 picks before, 3 of 4 after).
      expect(await servedServers(f)).toEqual(declaredServers(expected));
      const names = await servedBy(Array.from({ length: 8 }, () => ({ target: front })));
      expect(names.filter((n) => n === "a")).toHaveLength(promoted ? 6 : 4);
      expect(names.filter((n) => n === "b")).toHaveLength(promoted ? 2 : 4);

      // The restarted agent says what it did about which apply, at the step the crash left.
      const recoveries = new EventLog(f.dataDir).read().filter((e) => e.type === "apply.recovered");
      expect(
        recoveries.map((e) => e.apply),
        `a restarted agent must record that it settled ${applyId}; the crash left ` +
          (journal ? `the journal at step '${journal.step}'` : "no journal (DATA/apply.json) naming it"),
      ).toEqual([applyId]);
      const evidence = recoveries[0]?.evidence ?? {};
      if (journal) expect(evidence.step).toBe(journal.step);
      else expect(evidence.step).toEqual(expect.any(String));
      expect(evidence.action).toBe(
        promoted
          ? "promoted"
          : !journal || journal.step === "validating" || journal.step === "validated"
            ? "discarded"
            : "reverted",
      );

      const again = await runCli(["agent", "--once", ...nodeArgs(f)], envWithout("LBGUARD_FAILPOINT"));
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain("no interrupted apply to finish");
      expect(new EventLog(f.dataDir).read().filter((e) => e.type === "apply.recovered")).toHaveLength(1);
    },
    30_000,
  );
});
