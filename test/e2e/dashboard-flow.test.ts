import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../src/client/api-client.js";
import { startLabCluster, type LabCluster } from "../../src/demo/lab-cluster.js";
import { launchBrowser, screenshot, signIn, type Browser } from "./browser.js";

// Loopback 127.0.94.0/24, ports 18760-18779: this file's own (the demo's layout, moved).
const NETWORK = { prefix: "127.0.94", firstPort: 18760 };
const FLOW_TIMEOUT_MS = 240_000;

/** A server's observed and expected share (%) in the live traffic table of `backend`. */
async function shareOf(page: Page, backend: string, server: string) {
  const row = page.locator(`[data-testid="share-table-${backend}"] [data-server="${server}"]`);
  if ((await row.count()) === 0) return undefined;
  return {
    observed: Number(await row.getAttribute("data-observed")),
    expected: Number(await row.getAttribute("data-expected")),
  };
}

/** Marks the document, so that a later check proves no reload happened in between. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => Object.assign(globalThis, { lbgSameDocument: true }));
}
async function sameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as { lbgSameDocument?: boolean }).lbgSameDocument === true);
}

describe("the dashboard over a live lab cluster (two HAProxy nodes under load), in Chromium", () => {
  const root = mkdtempSync(join(tmpdir(), "lbg-e2e-flow-"));
  let lab: LabCluster;
  let browser: Browser;
  let page: Page;
  let api: Record<"admin" | "operator" | "approver", ApiClient>;

  beforeAll(async () => {
    lab = await startLabCluster({
      dir: join(root, "lab"),
      listen: { host: "127.0.0.1", port: 0 },
      network: NETWORK,
      rps: 40,
      bakeS: 6,
    });
    const client = (token: string) => new ApiClient({ server: lab.url, token });
    api = {
      admin: client(lab.tokens.admin),
      operator: client(lab.tokens.operator),
      approver: client(lab.tokens.approver),
    };
    browser = await launchBrowser();
    page = browser.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await lab?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it(
    "an operator proposes, an approver approves and rolls out, and the live chart follows",
    async () => {
      await signIn(page, lab.url, lab.tokens.operator);
      const nodes = page.getByTestId("nodes");
      await expect.poll(() => nodes.getByText("up", { exact: true }).count(), { timeout: 20_000 }).toBe(2);
      await screenshot(page, "01-overview");

      await page.getByRole("link", { name: "Live traffic" }).click();
      await expect
        .poll(async () => (await shareOf(page, "web", "web-01"))?.expected, { timeout: 20_000 })
        .toBeCloseTo(50, 0);
      await expect
        .poll(async () => (await shareOf(page, "web", "web-01"))?.observed ?? 0, { timeout: 20_000 })
        .toBeGreaterThan(35);
      expect(await shareOf(page, "web", "web-03")).toBeUndefined();
      await screenshot(page, "02-traffic-before");

      await page.getByRole("link", { name: "Changes" }).click();
      await page.getByRole("link", { name: "Propose a change" }).click();
      await page.getByLabel("Message: why this change").fill("web-03 joins the pool");
      await page.getByLabel("Configuration (haproxy.cfg)").fill(lab.texts.good);
      await page.getByRole("button", { name: "Propose" }).click();
      await page.waitForURL(/#\/changes\/\d+$/);
      const changeId = Number(/#\/changes\/(\d+)$/.exec(page.url())?.[1]);
      const web03 = page.getByTestId("plan-bars").getByTestId("plan-server-web-03");
      await web03.waitFor();
      expect(await page.getByTestId("verdict").textContent()).toMatch(/pass/i);
      // The operator may not approve: the buttons are an approver's.
      expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
      await screenshot(page, "03-change-plan-bars");

      await signIn(page, `${lab.url}/#/changes/${changeId}`, lab.tokens.approver);
      await page.goto(`${lab.url}/#/changes/${changeId}`);
      await page.getByRole("button", { name: "Approve" }).click();
      const rollOut = page.getByRole("button", { name: "Roll out" });
      await rollOut.waitFor();
      await markDocument(page);
      await rollOut.click();
      const progress = page.getByTestId("rollout-progress");
      await expect
        .poll(() => progress.getAttribute("data-state"), { timeout: 90_000, interval: 500 })
        .toBe("completed");
      expect(await page.getByTestId("rollout-node-lb-1").getAttribute("data-state")).toMatch(
        /applied|promoted/,
      );
      expect(await page.getByTestId("rollout-node-lb-2").getAttribute("data-state")).toMatch(
        /applied|promoted/,
      );
      await screenshot(page, "04-rollout-completed");

      await page.getByRole("link", { name: "Live traffic" }).click();
      await expect
        .poll(async () => (await shareOf(page, "web", "web-03"))?.expected, { timeout: 20_000 })
        .toBeCloseTo(33.3, 0);
      // The observed share is over the last seconds: once they are all after the rollout, a third.
      await expect
        .poll(async () => (await shareOf(page, "web", "web-03"))?.observed ?? 0, { timeout: 30_000 })
        .toBeGreaterThan(25);
      expect((await shareOf(page, "web", "web-01"))?.observed).toBeLessThan(45);
      await screenshot(page, "05-traffic-after");
      expect(await sameDocument(page)).toBe(true);
    },
    FLOW_TIMEOUT_MS,
  );

  it(
    "a bad change forced past the gate: the alert, the rollback and the incident appear without a reload",
    async () => {
      await page.getByRole("link", { name: "Overview" }).click();
      await markDocument(page);
      const cluster = await api.admin.cluster(lab.cluster);
      const bad = await api.operator.propose(lab.cluster, {
        parent: cluster.currentVersion,
        message: "a new web server (really the database)",
        config: lab.texts.bad,
      });
      expect(bad.verdict).toBe("block");
      await api.admin.review(bad.id, { decision: "approve", comment: "forced", override: "drill" });
      await api.approver.review(bad.id, { decision: "approve", comment: "second approval" });
      await api.operator.rollout(bad.id);

      const alerts = page.getByTestId("firing-alerts");
      await alerts.getByText(/back on live traffic/).waitFor({ timeout: 60_000 });
      const incidents = page.getByTestId("open-incidents");
      await incidents.getByRole("link").first().waitFor({ timeout: 30_000 });
      await screenshot(page, "06-overview-alert-incident");

      await alerts
        .getByRole("link", { name: /back on live traffic/ })
        .first()
        .click();
      await page
        .getByText(/a new web server \(really the database\)|change #?\d+/)
        .first()
        .waitFor();
      await screenshot(page, "07-alert-suspects");

      await page.getByRole("link", { name: "Incidents" }).click();
      await page.getByRole("link", { name: /#\d+/ }).first().click();
      const timeline = page.getByTestId("incident-timeline");
      await timeline.getByText(/roll/i).first().waitFor({ timeout: 30_000 });
      await screenshot(page, "08-incident-timeline");

      await page.goto(`${lab.url}/#/changes/${bad.id}`);
      await markDocument(page);
      const progress = page.getByTestId("rollout-progress");
      await expect.poll(() => progress.getAttribute("data-state"), { timeout: 30_000 }).toBe("halted");
      expect(await page.getByTestId("rollout-node-lb-1").getAttribute("data-state")).toBe("rolled-back");
      await screenshot(page, "09-change-rolled-back");

      for (const [name, shot] of [
        ["History", "10-history"],
        ["Audit", "11-audit"],
        ["Alerts", "12-alerts"],
      ] as const) {
        await page.getByRole("link", { name, exact: true }).click();
        await page.getByRole("heading", { level: 1 }).waitFor();
        await page.waitForTimeout(1500);
        await screenshot(page, shot);
      }
      expect(await sameDocument(page)).toBe(true);
    },
    FLOW_TIMEOUT_MS,
  );
});
