import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preflight } from "../../src/agent/preflight.js";
import { parseConfig } from "../../src/haproxy/parse/index.js";
import { startEmulatedServer, type EmulatedServer } from "../../src/lab/emulated-server.js";

// Loopback 127.0.33.40-49, port 18358: this file's own.
const model = (text: string) => parseConfig([{ path: "haproxy.cfg", text }], { env: {} }).model;
const config = (bind: string, servers: string, check = "") => `defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend www
    bind ${bind}
    default_backend web
backend web
${check}${servers}`;

let squatter: Server;
let web: EmulatedServer;
beforeAll(async () => {
  squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen({ host: "127.0.33.41", port: 18358 }, resolve));
  web = await startEmulatedServer({ name: "w", host: "127.0.33.42", port: 18358, serves: ["/app"] });
});
afterAll(async () => {
  await new Promise((resolve) => squatter.close(resolve));
  await web.close();
});

describe("pre-flight probes", () => {
  it("passes servers that answer and a bind port HAProxy already holds", async () => {
    const running = model(config("127.0.33.41:18358", "    server w 127.0.33.42:18358\n"));
    const candidate = model(config("127.0.33.41:18358", "    server w 127.0.33.42:18358 weight 2\n"));
    expect(await preflight(candidate, running)).toEqual([]);
  });

  it("names a bind port another process holds and a bind address this host does not have", async () => {
    const candidate = model(config("127.0.33.41:18358", "    server w 127.0.33.42:18358\n"));
    const failures = await preflight(candidate, undefined);
    expect(failures).toEqual([
      expect.objectContaining({ probe: "bind-port", target: "127.0.33.41:18358", severity: "error" }),
    ]);
    const elsewhere = model(config("192.0.2.7:18358", "    server w 127.0.33.42:18358\n"));
    expect(await preflight(elsewhere, undefined, { localAddresses: new Set() })).toEqual([
      expect.objectContaining({ probe: "bind-address", target: "192.0.2.7:18358", severity: "error" }),
    ]);
  });

  it("blocks on a new server's failing HTTP check, and only warns when the running config had it failing too", async () => {
    const checked = (path: string) =>
      model(
        config(
          "127.0.33.43:18358",
          "    server w 127.0.33.42:18358 check\n",
          `    option httpchk GET ${path}\n`,
        ),
      );
    expect(await preflight(checked("/app/health"), undefined)).toEqual([]);
    const failing = checked("/elsewhere");
    expect(await preflight(failing, undefined)).toEqual([
      expect.objectContaining({ probe: "health-check", target: "web/w", severity: "error" }),
    ]);
    expect((await preflight(failing, failing))[0]?.severity).toBe("warning");
    expect((await preflight(failing, undefined))[0]?.message).toContain("status 404");
  });
});
