import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LbguardError } from "../../src/errors.js";
import { sendSocketCommand } from "../../src/haproxy/runtime/socket-command.js";
import { sendRequest } from "../../src/lab/http-client.js";
import { type Lab, startLab } from "../../src/lab/lab.js";
import {
  DEFAULT_BAKE_S,
  DEFAULT_WARMUP_S,
  type LabServer,
  parseScenario,
  readScenario,
} from "../../src/lab/scenario.js";
import { requireHaproxy } from "../simulate/lab-helpers.js";
import { cfg, SHARED } from "../helpers.js";

/*
 * Addresses of this file only: HAProxy binds 127.0.32.1:18320, servers listen on 127.0.32.11
 * and up, ports 18321-18329.
 */
const BIND = "127.0.32.1:18320";
const TARGET = `http://${BIND}`;

const work = mkdtempSync(join(tmpdir(), "lbguard-lab-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function server(name: string, role: LabServer["role"], host: string, port: number, extra = {}): LabServer {
  return {
    name,
    role,
    address: `${host}:${port}`,
    host,
    port,
    span: { file: "t", line: 1, column: 1, endLine: 1, endColumn: 1 },
    ...extra,
  };
}

const CONFIG = cfg(
  "global",
  "    maxconn 256",
  "",
  "defaults",
  "    mode http",
  "    timeout connect 1s",
  "    timeout client 5s",
  "    timeout server 5s",
  "",
  "frontend www",
  `    bind ${BIND}`,
  "    use_backend db if { path_beg /db }",
  "    default_backend web",
  "",
  "backend web",
  "    balance roundrobin",
  "    option httpchk GET /health",
  "    server web-a 127.0.32.11:18321 check inter 1s",
  "    server web-b 127.0.32.12:18321 check inter 1s",
  "",
  "backend db",
  "    server db-01 127.0.32.13:18322",
);

const SERVERS = [
  server("web-a", "web", "127.0.32.11", 18321, { serves: ["/app"], latencyMs: 1 }),
  server("web-b", "web", "127.0.32.12", 18321),
  server("db-01", "db", "127.0.32.13", 18322),
  server("cache-01", "other", "127.0.32.14", 18323),
];

/** True when nothing listens on the address any more (it can be bound again). */
function bindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe: Server = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
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

function thrown(fn: () => unknown): LbguardError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LbguardError) return error;
    throw error;
  }
  throw new Error("expected an LbguardError");
}

describe("scenario files", () => {
  it("accepts every shipped scenario", () => {
    const dir = join(SHARED, "scenarios");
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const scenario = readScenario(join(dir, file));
      expect(scenario.servers.length, file).toBeGreaterThan(0);
      expect(scenario.before, file).toMatch(/\S/);
      expect(scenario.load.rps, file).toBeGreaterThan(0);
    }
  });

  it("fills in the defaults and reads the web-only server fields", () => {
    const scenario = parseScenario(
      [
        "name: small",
        "servers:",
        "  - { name: w1, role: web, address: 127.0.32.11:18321, latency_ms: 3, serves: [/api], capacity_rps: 50 }",
        "  - { name: d1, role: db, address: 127.0.32.13:18322 }",
        "load: { target: 'http://127.0.32.1:18320', rps: 10 }",
        "before: |",
        "  global",
        "after: |",
        "  global",
        "",
      ].join("\n"),
      "small.yaml",
    );
    expect(scenario.timing).toEqual({ warmupS: DEFAULT_WARMUP_S, bakeS: DEFAULT_BAKE_S });
    expect([DEFAULT_WARMUP_S, DEFAULT_BAKE_S]).toEqual([5, 20]);
    expect(scenario.load.paths).toEqual([{ path: "/", weight: 1 }]);
    expect(scenario.load.target.port).toBe("18320");
    expect(scenario.expect).toEqual({});
    expect(
      scenario.servers.map((s) => [s.name, s.role, s.port, s.latencyMs, s.serves, s.capacityRps]),
    ).toEqual([
      ["w1", "web", 18321, 3, ["/api"], 50],
      ["d1", "db", 18322, undefined, undefined, undefined],
    ]);
  });

  it("names the file and line of each problem", () => {
    const text = [
      "name: broken", // 1
      "servers:", // 2
      "  - { name: w1, role: web, address: 127.0.32.11:18321 }", // 3
      "  - { name: d1, role: database, address: 127.0.32.13:18322 }", // 4
      "load:", // 5
      "  target: http://127.0.32.1:18320", // 6
      "  rps: fast", // 7
      "  paths: { api: 2 }", // 8
      "timing: { warmup_s: 1, bake: 3 }", // 9
      "before: |", // 10
      "  global", // 11
      "expect:", // 12
      "  gate: maybe", // 13
      "",
    ].join("\n");
    const error = thrown(() => parseScenario(text, "broken.yaml"));
    expect(error.code).toBe("LBG_UNREADABLE_INPUT");
    const lines = error.message.split("\n").slice(1);
    const at = (line: number) => lines.filter((l) => l.includes(`broken.yaml:${line}:`));
    expect(at(4)[0]).toMatch(/role must be web, db or other/);
    expect(at(7)[0]).toMatch(/'rps' must be a positive number/);
    expect(at(8)[0]).toMatch(/'api' is not a path/);
    expect(at(9)[0]).toMatch(/unknown field 'bake'/);
    expect(at(13)[0]).toMatch(/'expect.gate' must be block or pass/);
    // 'after' is missing: reported against the document.
    expect(error.message).toMatch(/needs 'after:'/);
  });

  it("reports a YAML syntax error with its line", () => {
    const error = thrown(() => parseScenario("name: x\nservers: [\n  - a\nload: {", "syntax.yaml"));
    expect(error.code).toBe("LBG_UNREADABLE_INPUT");
    expect(error.message).toMatch(/syntax\.yaml:\d+:\d+: not valid YAML/);
  });

  it("refuses a web-only field on a database server and a server without a port", () => {
    const text = [
      "name: x",
      "servers:",
      "  - { name: d1, role: db, address: 127.0.32.13:18322, latency_ms: 4 }",
      "  - { name: w1, role: web, address: 127.0.32.11 }",
      "load: { target: 'http://127.0.32.1:18320', rps: 1 }",
      "before: x",
      "after: y",
    ].join("\n");
    const error = thrown(() => parseScenario(text, "x.yaml"));
    expect(error.message).toMatch(/x\.yaml:3:\d+: server 'd1': 'latency_ms' applies to web servers only/);
    expect(error.message).toMatch(/x\.yaml:4:\d+: server 'w1': the address has no port/);
  });
});

describe("the lab", () => {
  it("serves through a master-worker HAProxy, db answers 502, config differs only by the global lines", async () => {
    requireHaproxy();
    const dir = join(work, "lab1");
    let lab: Lab | undefined;
    try {
      lab = await startLab({ servers: SERVERS, config: CONFIG, dir });

      const written = readFileSync(lab.configPath, "utf8");
      expect(lab.addedGlobalLines).toEqual([
        `stats socket ${join(dir, "admin.sock")} level admin mode 600`,
        `pidfile ${join(dir, "haproxy.pid")}`,
      ]);
      const withoutAdded = written
        .split("\n")
        .filter((line) => !lab?.addedGlobalLines.includes(line.trim()))
        .join("\n");
      expect(withoutAdded).toBe(CONFIG);
      expect(written.split("\n").slice(0, 3)).toEqual([
        "global",
        ...lab.addedGlobalLines.map((l) => `    ${l}`),
      ]);

      const served = new Set<string | undefined>();
      for (let i = 0; i < 6; i += 1) {
        const response = await sendRequest({ target: TARGET, path: "/app/x" });
        expect(response.status).toBe(200);
        served.add(response.servedBy);
      }
      expect([...served].sort()).toEqual(["web-a", "web-b"]);
      // web-a serves /app only: roundrobin sends it half of /other, which it answers 404.
      const statuses = await Promise.all([0, 1].map(() => sendRequest({ target: TARGET, path: "/other" })));
      expect(statuses.map((r) => r.status).sort()).toEqual([200, 404]);

      const db = await sendRequest({ target: TARGET, path: "/db" });
      expect(db.status).toBe(502);
      expect(db.servedBy).toBeUndefined();
      const dbServer = lab.servers.find((s) => s.kind === "db");
      const dbCounts = () => (dbServer?.kind === "db" ? dbServer.server.counts() : undefined);
      // The server sees the request after HAProxy has already answered the client.
      await expect.poll(() => dbCounts()?.httpRequests, { timeout: 2_000 }).toBeGreaterThan(0);

      const info = await sendSocketCommand(lab.adminSocket, "show info", { timeoutMs: 2_000 });
      expect(info).toMatch(/^Version: 2\./m);
      expect(Number(readFileSync(lab.pidFile, "utf8").trim())).toBe(lab.haproxy.pid);

      const pid = lab.haproxy.pid;
      await lab.stop();
      expect(alive(pid)).toBe(false);
      for (const s of SERVERS) expect(await bindable(s.host, s.port as number), s.name).toBe(true);
      expect(await bindable("127.0.32.1", 18320)).toBe(true);
    } finally {
      await lab?.stop();
    }
  });

  it("adds a global section when the config has none, and nothing else", async () => {
    requireHaproxy();
    const config = cfg(
      "defaults",
      "    mode http",
      "    timeout connect 1s",
      "    timeout client 5s",
      "    timeout server 5s",
      "listen www",
      "    bind 127.0.32.1:18324",
      "    server w 127.0.32.15:18325",
    );
    const lab = await startLab({ servers: [server("w", "web", "127.0.32.15", 18325)], config });
    try {
      expect(readFileSync(lab.configPath, "utf8")).toBe(
        `global\n${lab.addedGlobalLines.map((l) => `    ${l}\n`).join("")}\n${config}`,
      );
      expect((await sendRequest({ target: "http://127.0.32.1:18324" })).servedBy).toBe("w");
    } finally {
      await lab.stop();
    }
  });

  it("stops the servers it started when a later server cannot bind", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: "127.0.32.17", port: 18326 }, resolve));
    try {
      const failing = startLab({
        servers: [server("first", "db", "127.0.32.16", 18326), server("second", "web", "127.0.32.17", 18326)],
        config: CONFIG,
        dir: join(work, "lab-bind"),
      });
      await expect(failing).rejects.toMatchObject({
        code: "LBG_USAGE",
        message: expect.stringMatching(/cannot start web server 'second' on 127\.0\.32\.17:18326/),
      });
      expect(await bindable("127.0.32.16", 18326)).toBe(true);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("stops the servers when HAProxy refuses the config", async () => {
    requireHaproxy();
    const failing = startLab({
      servers: [server("w", "web", "127.0.32.18", 18327)],
      config: cfg("frontend www", "    bind 127.0.32.1:18327", "    no_such_keyword here"),
      dir: join(work, "lab-bad"),
    });
    await expect(failing).rejects.toThrow(/haproxy exited/);
    expect(await bindable("127.0.32.18", 18327)).toBe(true);
  });
});
