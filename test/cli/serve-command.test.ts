import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LbguardError } from "../../src/errors.js";
import { parseListen, serveCommand } from "../../src/cli/serve-command.js";

describe("lbguard serve", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function serveOnce(
    dir: string,
  ): Promise<{ url: string; adminToken?: string; stop: () => Promise<number> }> {
    const stop = new AbortController();
    let printed = "";
    const running = serveCommand(
      ["--data", dir, "--listen", "127.0.0.1:0", "--json"],
      (s) => void (printed += s),
      () => undefined,
      stop.signal,
    );
    while (!printed.includes("\n")) await new Promise((resolve) => setTimeout(resolve, 20));
    const started = JSON.parse(printed) as { url: string; adminToken?: string };
    return {
      ...started,
      stop: () => {
        stop.abort();
        return running;
      },
    };
  }

  it("prints an admin token on the first start only, and serves the API until stopped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lbg-serve-"));
    dirs.push(dir);
    const first = await serveOnce(dir);
    expect(first.adminToken).toMatch(/^lbg_[0-9a-f]{12}_/);
    const health = await fetch(`${first.url}/api/v1/health`);
    expect(health.status).toBe(200);
    const whoami = await fetch(`${first.url}/api/v1/whoami`, {
      headers: { authorization: `Bearer ${first.adminToken}` },
    });
    expect(await whoami.json()).toMatchObject({ name: "admin", role: "admin" });
    expect(await first.stop()).toBe(0);

    const second = await serveOnce(dir);
    expect(second.adminToken).toBeUndefined();
    const again = await fetch(`${second.url}/api/v1/whoami`, {
      headers: { authorization: `Bearer ${first.adminToken}` },
    });
    expect(again.status).toBe(200);
    expect(await second.stop()).toBe(0);
  });

  it("reads HOST:PORT, IPv6 in brackets, and refuses anything else", () => {
    expect(parseListen("0.0.0.0:8700")).toEqual({ host: "0.0.0.0", port: 8700 });
    expect(parseListen("[::1]:8700")).toEqual({ host: "::1", port: 8700 });
    for (const bad of ["8700", "host:", "host:99999"]) {
      expect(() => parseListen(bad)).toThrow(LbguardError);
    }
  });
});
