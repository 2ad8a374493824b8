import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../src/client/api-client.js";
import { DASHBOARD_DIR } from "../../src/server/routes/dashboard-routes.js";
import { startServer, type RunningServer } from "../../src/server/start-server.js";
import { launchBrowser, screenshot, signIn, type Browser } from "./browser.js";

describe("the dashboard's sign-in, in Chromium", () => {
  const root = mkdtempSync(join(tmpdir(), "lbg-e2e-signin-"));
  let cp: RunningServer;
  let admin: ApiClient;
  let browser: Browser;

  beforeAll(async () => {
    expect(existsSync(join(DASHBOARD_DIR, "index.html")), "run 'npm run build' first").toBe(true);
    cp = await startServer({ dataDir: join(root, "server"), port: 0, monitor: false });
    admin = new ApiClient({ server: cp.url, token: cp.bootstrapToken as string });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await cp?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves the page without a token, with a policy that loads nothing from elsewhere", async () => {
    const answer = await fetch(`${cp.url}/`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await answer.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${cp.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("javascript");
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect(html).not.toMatch(/https?:\/\//);
    expect((await fetch(`${cp.url}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it("refuses a wrong token and an agent token with a message saying what to do", async () => {
    const { page } = browser;
    await page.goto(cp.url);
    await screenshot(page, "sign-in");
    await page.getByLabel("API token").fill("lbg_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("refused this token");

    await admin.createCluster({ name: "empty", config: "defaults\n    mode http\n" });
    const { token } = await admin.createNode("empty", "lb-1");
    await page.getByLabel("API token").fill(token.token);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("agent token of node lb-1");
  });

  it("signs a viewer in, and signs them out by itself once the token is revoked", async () => {
    const { page } = browser;
    await admin.createUser({ name: "val", role: "viewer" });
    const created = await admin.createToken({ user: "val", label: "dashboard" });
    await signIn(page, cp.url, created.token);
    expect(await page.getByTestId("who").textContent()).toContain("val");
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain("Overview of empty");
    await screenshot(page, "overview-signed-in");

    await admin.revokeToken(created.id);
    // No reload: the page's own polling meets the 401 and returns to the sign-in form.
    await page
      .getByRole("status")
      .filter({ hasText: "no longer accepts this token" })
      .waitFor({ timeout: 10_000 });
    expect(await page.getByLabel("API token").isVisible()).toBe(true);
  });
});
