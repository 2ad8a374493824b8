import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderNodeFiles } from "../../../src/agent/managed/keepalived-plan.js";
import type { JournalEntry } from "../../../src/agent/journal.js";
import { AdminSocket } from "../../../src/haproxy/runtime/admin-socket.js";
import { parseVrrpPair } from "../../../src/vrrp/pair.js";
import { startNodeFixture, type NodeFixture } from "../node-fixture.js";
import { startFakeControlPlane, type FakeControlPlane } from "./fake-control-plane.js";
import { labPair, labSupport, openKeepalivedLab, type KeepalivedLab } from "./keepalived-lab.js";

// HAProxy and its servers on loopback 127.0.81.20-22, ports 18812-18827; keepalived in the
// network namespace lbga-kcrash. The agent is the built CLI, killed with SIGKILL.
const support = labSupport();
if (!support.ok && process.env.CI === "true")
  throw new Error(`keepalived tests cannot run: ${support.reason}`);

const CLI = fileURLToPath(new URL("../../../dist/cli/bin.js", import.meta.url));
const TOKEN = "agent-token-lb-1";
const config = (weightA = ""): string => `global
    maxconn 512

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s

frontend www
    bind 127.0.81.20:18812
    default_backend web

backend web
    balance roundrobin
    server a 127.0.81.21:18813${weightA}
    server b 127.0.81.22:18813
`;
const FIRST = labPair(100);
const MOVED = labPair(101);

let lab: KeepalivedLab | undefined;
let fixture: NodeFixture | undefined;
let plane: FakeControlPlane | undefined;
const children = new Set<ChildProcess>();

async function eventually<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
  output = () => "",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n${output()}\nkeepalived:\n${lab?.log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts the built CLI with the node's options; collects its stderr. */
function cli(args: string[]): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const f = fixture!;
  const child = spawn(
    process.execPath,
    [
      CLI,
      ...args,
      "--config",
      f.configPath,
      "--master-socket",
      f.masterSocket,
      "--admin-socket",
      f.adminSocket,
      "--data",
      f.dataDir,
      "--keepalived-dir",
      lab!.dir,
      "--keepalived-pid",
      lab!.pidFile,
    ],
    // keepalived -t must see the namespace's interface: run it there.
    { env: { ...process.env, LBGUARD_KEEPALIVED: lab!.wrapper }, stdio: ["ignore", "ignore", "pipe"] },
  );
  children.add(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

describe.skipIf(!support.ok)(
  `an agent killed while its canary stands by for the VIP${support.ok ? "" : ` (skipped: ${support.reason})`}`,
  () => {
    beforeAll(async () => {
      if (!existsSync(CLI))
        throw new Error(`${CLI} is missing: run \`npm run build\` first (this test spawns the built CLI)`);
      lab = await openKeepalivedLab("lbga-kcrash");
      lab.render(FIRST);
      await lab.start();
      fixture = await startNodeFixture(config(), [
        { name: "a", host: "127.0.81.21", port: 18813 },
        { name: "b", host: "127.0.81.22", port: 18813 },
      ]);
      plane = await startFakeControlPlane(
        "127.0.81.20",
        18827,
        TOKEN,
        readFileSync(fixture.configPath, "utf8"),
      );
      plane.setPolicy({ bakeS: 1 });
      await eventually(() => lab!.holds("198.51.100.100"), 15_000, "keepalived to take the VIP");
    }, 40_000);

    afterAll(async () => {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await plane?.close();
      await fixture?.stop();
      await lab?.close();
    });

    it("leaves both journals, and `agent --once` puts haproxy.cfg and keepalived's files back as a killed bake", async () => {
      const running = readFileSync(fixture!.configPath, "utf8");
      const firstConf = readFileSync(lab!.node.paths.conf, "utf8");
      plane!.update({ bakeWhenActive: true });
      plane!.publish(fixture!.withSockets(config(" weight 3")), 1, MOVED);

      // The CLI agent looks for the VIP on the host, where the namespace's interface is not: it
      // never holds it, so it stands by until killed.
      const agent = cli(["agent", "--server", plane!.url, "--token", TOKEN]);
      await eventually(
        () => plane!.applies.find((a) => a.status === "standby"),
        30_000,
        "the standby report",
        agent.stderr,
      );
      // keepalived took the new pair before HAProxy was reloaded.
      await eventually(() => lab!.holds("198.51.100.101"), 10_000, "the new VIP", agent.stderr);
      agent.child.kill("SIGKILL");
      await agent.exited;

      const journal = JSON.parse(readFileSync(join(fixture!.dataDir, "apply.json"), "utf8")) as JournalEntry;
      expect(journal.step).toBe("baking");
      const keepalivedJournal = JSON.parse(
        readFileSync(join(fixture!.dataDir, "keepalived-apply.json"), "utf8"),
      ) as {
        apply: string;
      };
      expect(keepalivedJournal.apply).toBe(journal.apply);
      expect(readFileSync(lab!.node.paths.conf, "utf8")).toContain("198.51.100.101/24");

      const recovery = cli(["agent", "--once"]);
      expect(await recovery.exited).toBe(0);
      expect(recovery.stderr()).toMatch(/apply\.recovered .*\(step baking\): reverted/);
      expect(recovery.stderr()).toMatch(/keepalived\.recovered .*interrupted apply: reverted/);
      expect(readFileSync(fixture!.configPath, "utf8")).toBe(running);
      expect(readFileSync(lab!.node.paths.conf, "utf8")).toBe(firstConf);
      expect(readFileSync(lab!.node.paths.conf, "utf8")).toBe(
        renderNodeFiles(parseVrrpPair(FIRST, "pair.yaml"), "lb-1", lab!.node.paths).conf,
      );
      expect(existsSync(join(fixture!.dataDir, "apply.json"))).toBe(false);
      expect(existsSync(join(fixture!.dataDir, "keepalived-apply.json"))).toBe(false);
      // Both are live again: HAProxy's weight from before, keepalived back on the first VIP.
      const a = (await new AdminSocket(fixture!.adminSocket).showServersState("web")).find(
        (s) => s.server === "a",
      );
      expect(a?.userWeight).toBe(1);
      await eventually(
        async () => (await lab!.holds("198.51.100.100")) && !(await lab!.holds("198.51.100.101")),
        10_000,
        "the first VIP back",
      );
    }, 90_000);
  },
);
