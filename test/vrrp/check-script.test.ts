import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodePaths, renderCheckScript, renderNotifyScript } from "../../src/vrrp/render-keepalived.js";
import { samplePair } from "./pair-fixtures.js";

/**
 * The rendered health script, run by bash as keepalived runs it, against small HTTP servers on
 * 127.0.80.1 (ports 18800-18809, this test's range).
 */

const HOST = "127.0.80.1";
const PORTS = {
  ok: 18800,
  unavailable: 18801,
  nothing: 18802,
  slow: 18803,
  noReason: 18804,
  noContent: 18805,
};
const dir = mkdtempSync(join(tmpdir(), "lbguard-check-script-"));
const paths = nodePaths(dir);
const servers: (Server | TcpServer)[] = [];

function listen(server: Server | TcpServer, port: number): Promise<void> {
  servers.push(server);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, HOST, () => resolve());
  });
}

/** An HTTP server answering every request with `status` after `delayMs`. */
function httpServer(status: number, delayMs = 0): Server {
  return createHttpServer((req, res) => {
    const answer = () => {
      res.writeHead(status, { "content-type": "text/plain" });
      res.end(`${req.method} ${req.url}\n`);
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
}

/** Writes the check script for `url` (timeout 1 s) and runs it; its exit status and run time. */
async function runCheck(port: number, path = "/healthz"): Promise<{ status: number | null; ms: number }> {
  const pair = samplePair({
    check: { url: `http://${HOST}:${port}${path}`, intervalSeconds: 1, timeoutSeconds: 1, fall: 1, rise: 2 },
  });
  const script = join(dir, `check-${port}.sh`);
  writeFileSync(script, renderCheckScript(pair, paths.maintenanceFile), { mode: 0o755 });
  const started = Date.now();
  const child = spawn("bash", [script], { stdio: "ignore" });
  const status = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { status, ms: Date.now() - started };
}

const received: string[] = [];

beforeAll(async () => {
  const ok = createHttpServer((req, res) => {
    received.push(`${req.method} ${req.url} ${req.headers.host}`);
    res.writeHead(200).end("ok\n");
  });
  await listen(ok, PORTS.ok);
  await listen(httpServer(503), PORTS.unavailable);
  await listen(httpServer(200, 3_000), PORTS.slow);
  await listen(httpServer(204), PORTS.noContent);
  // A status line without a reason phrase, as some servers write it.
  const bare = createTcpServer((socket) => {
    // The probe hangs up once it has the status line; a reset then is expected.
    socket.on("error", () => {});
    socket.once("data", () => socket.end("HTTP/1.1 200\r\ncontent-length: 0\r\n\r\n"));
  });
  await listen(bare, PORTS.noReason);
});

afterAll(async () => {
  for (const server of servers) {
    if ("closeAllConnections" in server) server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("the rendered health script", () => {
  it("succeeds when HAProxy answers 2xx, asking the check URL's path and host", async () => {
    expect((await runCheck(PORTS.ok)).status).toBe(0);
    expect(received).toContain(`GET /healthz ${HOST}:${PORTS.ok}`);
    expect((await runCheck(PORTS.noContent)).status).toBe(0);
    expect((await runCheck(PORTS.noReason)).status).toBe(0);
  });

  it("fails on a 503", async () => {
    expect((await runCheck(PORTS.unavailable)).status).not.toBe(0);
  });

  it("fails when nothing listens", async () => {
    expect((await runCheck(PORTS.nothing)).status).not.toBe(0);
  });

  it("fails within its timeout when the answer is late", async () => {
    const { status, ms } = await runCheck(PORTS.slow);
    expect(status).not.toBe(0);
    // The server answers after 3 s; the 1 s timeout must have ended the probe well before.
    expect(ms).toBeLessThan(2_900);
  });

  it("fails while the maintenance file exists, even though HAProxy answers", async () => {
    writeFileSync(paths.maintenanceFile, "");
    try {
      expect((await runCheck(PORTS.ok)).status).not.toBe(0);
    } finally {
      rmSync(paths.maintenanceFile);
    }
    expect((await runCheck(PORTS.ok)).status).toBe(0);
  });
});

describe("the rendered notify script", () => {
  it("writes the state and priority keepalived passes, and ignores anything else", async () => {
    const script = join(dir, "notify.sh");
    writeFileSync(script, renderNotifyScript(paths.stateFile), { mode: 0o755 });
    const run = (...args: string[]) =>
      new Promise<number | null>((resolve) =>
        spawn("bash", [script, ...args], { stdio: "ignore" }).on("close", (code) => resolve(code)),
      );
    expect(await run("INSTANCE", "lbguard_vip", "MASTER", "150")).toBe(0);
    expect(readFileSync(paths.stateFile, "utf8")).toBe("MASTER 150\n");
    expect(await run("INSTANCE", "lbguard_vip", "FAULT", "0")).toBe(0);
    expect(readFileSync(paths.stateFile, "utf8")).toBe("FAULT 0\n");
    expect(await run("INSTANCE", "lbguard_vip", "EVIL;rm", "0")).toBe(0);
    expect(readFileSync(paths.stateFile, "utf8")).toBe("FAULT 0\n");
  });
});
