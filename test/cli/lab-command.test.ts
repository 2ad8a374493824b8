import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultRunner, labCommand, type LabRecord } from "../../src/cli/lab-command.js";
import { main } from "../../src/cli/main.js";
import { LbguardError } from "../../src/errors.js";
import { stopProcess } from "../../src/haproxy/runtime/master-process.js";
import { sendRequest } from "../../src/lab/http-client.js";
import { requireHaproxy } from "../simulate/lab-helpers.js";

/*
 * Addresses of this file only: HAProxy binds 127.0.32.101 on ports 18330-18332, servers listen
 * on 127.0.32.111 and up, ports 18333-18339.
 */
const work = mkdtempSync(join(tmpdir(), "lbguard-labcmd-"));
/** PIDs a test started and must not leave running, whatever happens. */
const started = new Set<number>();
afterAll(async () => {
  for (const pid of started) await stopProcess(pid, 2_000).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

function scenario(bindPort: number, serverPort: number): string {
  return [
    "name: lab-command-test",
    "servers:",
    `  - { name: app-1, role: web, address: 127.0.32.111:${serverPort} }`,
    `  - { name: app-2, role: web, address: 127.0.32.112:${serverPort} }`,
    `  - { name: store-1, role: db, address: 127.0.32.113:${serverPort} }`,
    "load:",
    `  target: http://127.0.32.101:${bindPort}`,
    "  rps: 5",
    "before: |",
    "  global",
    "      maxconn 64",
    "  defaults",
    "      mode http",
    "      timeout connect 1s",
    "      timeout client 5s",
    "      timeout server 5s",
    "  frontend www",
    `      bind 127.0.32.101:${bindPort}`,
    "      default_backend app",
    "  backend app",
    `      server app-1 127.0.32.111:${serverPort}`,
    `      server app-2 127.0.32.112:${serverPort}`,
    "after: |",
    "  global",
    "",
  ].join("\n");
}

async function run(
  argv: string[],
  options: Parameters<typeof labCommand>[3] = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const write = (s: string) => void (out += s);
  const complain = (s: string) => void (err += s);
  // Through main() when there is no seam to pass, so that the CLI wiring is what is tested.
  const code =
    Object.keys(options).length === 0
      ? await main(argv, write, complain)
      : await labCommand(argv.slice(1), write, complain, options).catch((error: unknown) => {
          if (!(error instanceof LbguardError)) throw error;
          complain(`lbguard: ${error.message}\n`);
          return error.exitCode;
        });
  return { code, out, err };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // A killed process nobody reaps stays listed as a zombie.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function waitForRecord(dir: string, timeoutMs = 15_000): Promise<LabRecord> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      return JSON.parse(readFileSync(join(dir, "lab.json"), "utf8")) as LabRecord;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`no ${dir}/lab.json within ${timeoutMs} ms`);
}

/**
 * A stand-in for the built CLI's `lab run`: it records itself and a sleeping child as the lab
 * and its HAProxy, and on SIGTERM exits without stopping the child, as a lab process killed
 * half-way would, so that `lab down` has a leftover to kill by its recorded PID.
 */
const FAKE_RUNNER = `
import { spawn } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
const args = process.argv.slice(2);
const dir = args[args.indexOf("--dir") + 1];
if (process.env.FAKE_FAIL) { console.error("fake runner: cannot bind 127.0.32.1:1"); process.exit(3); }
const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1e6)"], { detached: true, stdio: "ignore" });
child.unref();
const record = {
  pid: process.pid, file: args[2], dir, configPath: join(dir, "haproxy.cfg"),
  masterSocket: join(dir, "master.sock"), adminSocket: join(dir, "admin.sock"), log: join(dir, "lab.log"),
  haproxy: { masterPid: child.pid, workerPids: [], listens: ["127.0.32.101:18332"] },
  servers: [{ name: "fake-1", role: "web", address: "127.0.32.114:18334" }],
  commands: {}, startedAt: new Date().toISOString(),
};
writeFileSync(join(dir, "lab.json.tmp"), JSON.stringify(record));
renameSync(join(dir, "lab.json.tmp"), join(dir, "lab.json"));
console.log("fake runner up");
process.on("SIGTERM", () => process.exit(0));
setInterval(() => {}, 1e6);
`;

describe("lbguard lab", () => {
  it("runs a scenario in the foreground, records it in lab.json and stops on request", async () => {
    requireHaproxy();
    const dir = join(work, "run");
    const file = join(work, "run.yaml");
    writeFileSync(file, scenario(18330, 18333));
    const abort = new AbortController();
    let out = "";
    const running = labCommand(
      ["run", file, "--dir", dir],
      (s) => void (out += s),
      () => {},
      {
        signal: abort.signal,
      },
    );
    let record: LabRecord | undefined;
    try {
      record = await waitForRecord(dir);
      started.add(record.haproxy.masterPid);
      expect(record.pid).toBe(process.pid);
      expect(record.haproxy.listens).toEqual(["127.0.32.101:18330"]);
      expect(record.haproxy.workerPids.length).toBe(1);
      expect(record.servers.map((s) => `${s.name} ${s.role} ${s.address}`)).toEqual([
        "app-1 web 127.0.32.111:18333",
        "app-2 web 127.0.32.112:18333",
        "store-1 db 127.0.32.113:18333",
      ]);
      expect(readFileSync(record.configPath, "utf8")).toMatch(
        /^global\n {4}stats socket .*admin\.sock level admin/,
      );
      const served = new Set<string | undefined>();
      for (let i = 0; i < 4; i += 1)
        served.add((await sendRequest({ target: "http://127.0.32.101:18330" })).servedBy);
      expect([...served].sort()).toEqual(["app-1", "app-2"]);
      expect(out).toMatch(/listens on 127\.0\.32\.101:18330/);
      // A second lab in the same directory is refused while this one runs.
      const again = await run(["lab", "run", file, "--dir", dir]);
      expect(again.code).toBe(2);
      expect(again.err).toMatch(/a lab is already running in .*run \(pid \d+/);
    } finally {
      abort.abort();
      expect(await running).toBe(0);
    }
    expect(existsSync(join(dir, "lab.json"))).toBe(false);
    expect(alive(record.haproxy.masterPid)).toBe(false);
    expect(out).toMatch(/lab: stopped/);
  });

  it("'lab up' waits for the background process, prints the lab, and 'lab down' kills what it recorded", async () => {
    const dir = join(work, "up");
    const file = join(work, "up.yaml");
    const fake = join(work, "fake-runner.mjs");
    writeFileSync(file, scenario(18331, 18334));
    writeFileSync(fake, FAKE_RUNNER);
    const runner = [process.execPath, fake];

    const up = await run(["lab", "up", file, "--dir", dir], { runner });
    const record = JSON.parse(readFileSync(join(dir, "lab.json"), "utf8")) as LabRecord;
    started.add(record.pid);
    started.add(record.haproxy.masterPid);
    expect(up.code).toBe(0);
    expect(up.out).toMatch(/^lab running in .*up \(pid \d+\)/);
    expect(up.out).toMatch(/listens on 127\.0\.32\.101:18332/);
    expect(up.out).toMatch(/fake-1 +web +127\.0\.32\.114:18334/);
    expect(up.out).toMatch(/master CLI .*master\.sock/);
    expect(up.out).toContain(`lbguard lab down --dir ${dir}`);
    expect(alive(record.pid)).toBe(true);

    const twice = await run(["lab", "up", file, "--dir", dir], { runner });
    expect(twice.code).toBe(2);
    expect(twice.err).toContain(`a lab is already running in ${dir} (pid ${record.pid}`);

    const down = await run(["lab", "down", "--dir", dir]);
    expect(down.code).toBe(0);
    expect(down.out).toContain(`killed leftovers ${record.haproxy.masterPid}`);
    expect(alive(record.pid)).toBe(false);
    expect(alive(record.haproxy.masterPid)).toBe(false);
    expect(existsSync(join(dir, "lab.json"))).toBe(false);

    const again = await run(["lab", "down", "--dir", dir]);
    expect(again).toMatchObject({ code: 0, out: `no lab is running in ${dir}\n` });
  });

  it("'lab up' prints the log and exits 1 when the background process dies", async () => {
    const dir = join(work, "dies");
    const file = join(work, "dies.yaml");
    const fake = join(work, "fake-runner-dies.mjs");
    writeFileSync(file, scenario(18331, 18335));
    writeFileSync(fake, `process.env.FAKE_FAIL = "1";\n${FAKE_RUNNER}`);
    const up = await run(["lab", "up", file, "--dir", dir], { runner: [process.execPath, fake] });
    expect(up.code).toBe(1);
    expect(up.err).toMatch(/the lab did not start \(it exited, code 3\)/);
    expect(up.err).toContain("fake runner: cannot bind 127.0.32.1:1");
  });

  it("starts the built CLI in the background when it is built, and says to build it otherwise", async () => {
    let runner: string[];
    try {
      runner = defaultRunner();
    } catch (error) {
      // Only before the first 'npm run build' ('npm test' builds first, so CI takes the branch below).
      expect(error).toMatchObject({ code: "LBG_USAGE", message: expect.stringMatching(/npm run build/) });
      return;
    }
    requireHaproxy();
    const dir = join(work, "built");
    const file = join(work, "built.yaml");
    writeFileSync(file, scenario(18332, 18336));
    const up = await run(["lab", "up", file, "--dir", dir], { runner });
    expect(up.err).toBe("");
    expect(up.code).toBe(0);
    const record = JSON.parse(readFileSync(join(dir, "lab.json"), "utf8")) as LabRecord;
    started.add(record.pid);
    started.add(record.haproxy.masterPid);
    try {
      expect((await sendRequest({ target: "http://127.0.32.101:18332" })).servedBy).toMatch(/^app-[12]$/);
    } finally {
      const down = await run(["lab", "down", "--dir", dir]);
      expect(down.code).toBe(0);
    }
    expect(alive(record.pid)).toBe(false);
    expect(alive(record.haproxy.masterPid)).toBe(false);
    expect(stillRunning(record)).toEqual([]);
  });

  it("needs --config for an inventory and reports an unreadable scenario with its line", async () => {
    const inventory = join(work, "inventory.yaml");
    writeFileSync(inventory, "servers:\n  - { name: a, role: web, address: 127.0.32.115:18337 }\n");
    const noConfig = await run(["lab", "up", inventory, "--dir", join(work, "inv")]);
    expect(noConfig.code).toBe(2);
    expect(noConfig.err).toMatch(
      /is an inventory, not a scenario: name the haproxy\.cfg to run with --config/,
    );

    const bad = join(work, "bad.yaml");
    writeFileSync(bad, scenario(18331, 18338).replace("rps: 5", "rps: -5"));
    const unreadable = await run(["lab", "up", bad, "--dir", join(work, "bad")]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.err).toMatch(/bad\.yaml:8:\d+: 'load': 'rps' must be a positive number/);
  });

  it("has help for lab, lab up and lab down", async () => {
    for (const argv of [
      ["lab", "--help"],
      ["lab", "up", "--help"],
      ["lab", "down", "--help"],
      ["lab", "run", "-h"],
    ]) {
      const { code, out } = await run(argv);
      expect(code, argv.join(" ")).toBe(0);
      expect(out, argv.join(" ")).toMatch(/^Usage: lbguard lab/);
    }
    expect((await run(["--help"])).out).toMatch(/lab up\|down/);
  });
});

/** Recorded PIDs still running after `lab down`. */
function stillRunning(record: LabRecord): number[] {
  return [record.pid, record.haproxy.masterPid, ...record.haproxy.workerPids].filter(alive);
}
