import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_ATTEMPTS, defaultBackoff } from "../../../src/monitor/notify/delivery-policy.js";
import { notificationPayload } from "../../../src/monitor/notify/payloads.js";
import { ROOT } from "../../helpers.js";
import { firingAlert, receiver, suspect } from "./notify-fixtures.js";

/**
 * The examples in docs/notifications.md are the code's own output: this test fails when they
 * drift, and `LBGUARD_UPDATE_DOCS=1 npx vitest run test/monitor/notify/notifications-doc.test.ts`
 * writes them again.
 */
const DOC = join(ROOT, "docs", "notifications.md");

const alert = firingAlert({
  id: 12,
  suspects: [
    suspect(7, {
      ref: "version:7",
      summary: 'version 7: "weights for the new servers" by alice',
      rollback: "lbguard rollback --cluster web --to 6",
      score: 0.92,
    }),
    suspect(15, {
      kind: "runtime-operation",
      ref: "change:15",
      summary: "change 15: set server web/web-02 weight 10 by bob",
      rollback: 'lbguard propose --cluster web --runtime weight=20 web/web-02 -m "undo change 15"',
      score: 0.41,
    }),
  ],
});
const links = { dashboard: "https://lbguard.example.com/alerts/12" };

function json(value: unknown): string {
  return "```json\n" + JSON.stringify(value, null, 2) + "\n```";
}

function retrySchedule(): string {
  const lines = ["| Attempt | If it fails | Time since the first attempt |", "| --- | --- | --- |"];
  let elapsed = 0;
  for (let attempt = 1; attempt <= DEFAULT_MAX_ATTEMPTS; attempt++) {
    const final = attempt === DEFAULT_MAX_ATTEMPTS;
    const next = final
      ? "`failed`, recorded with `final: true`"
      : `next attempt ${seconds(defaultBackoff(attempt))} later`;
    lines.push(`| ${attempt} | ${next} | ${seconds(elapsed)} |`);
    elapsed += defaultBackoff(attempt);
  }
  return lines.join("\n");
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 && ms > 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

const GENERATED: Record<string, () => string> = {
  generic: () =>
    json(notificationPayload(alert, "firing", receiver("ops", "https://ops.example.com/hook"), links)),
  "generic-resolved": () =>
    json(
      notificationPayload(
        { ...alert, state: "resolved", resolvedAt: "2025-03-01T10:14:00.000Z" },
        "resolved",
        receiver("ops", "https://ops.example.com/hook"),
        {},
      ),
    ),
  slack: () =>
    json(
      notificationPayload(
        alert,
        "firing",
        receiver("team-chat", "https://hooks.slack.com/services/T000/B000/XXXX", { format: "slack" }),
        links,
      ),
    ),
  schedule: retrySchedule,
};

const BLOCK = /(<!-- generated: ([a-z-]+) -->\n)[\s\S]*?(\n<!-- end generated -->)/g;

describe("docs/notifications.md", () => {
  it("shows the payloads and the retry schedule exactly as the code makes them", () => {
    const doc = readFileSync(DOC, "utf8");
    const names = [...doc.matchAll(BLOCK)].map((m) => m[2]);
    expect(names.sort()).toEqual(Object.keys(GENERATED).sort());
    const regenerated = doc.replace(
      BLOCK,
      (_, open: string, name: string, close: string) => open + (GENERATED[name]?.() ?? "") + close,
    );
    if (process.env.LBGUARD_UPDATE_DOCS === "1") writeFileSync(DOC, regenerated);
    expect(doc).toBe(regenerated);
  });
});
