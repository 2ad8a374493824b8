import { describe, expect, it } from "vitest";
import { defaultBackoff, meetsSeverity } from "../../../src/monitor/notify/delivery-policy.js";
import {
  notificationPayload,
  slackEscape,
  type GenericPayload,
  type SlackPayload,
} from "../../../src/monitor/notify/payloads.js";
import { firingAlert, receiver, suspect } from "./notify-fixtures.js";

const generic = receiver("ops", "https://hooks.example/ops");
const slack = receiver("chat", "https://hooks.slack.com/services/T/B/X", { format: "slack" });

describe("generic notification payload", () => {
  it("carries the alert and its best three suspects with their rollback commands", () => {
    const alert = firingAlert({ id: 7 });
    const body = notificationPayload(alert, "firing", generic, {
      dashboard: "https://lbg/alerts/7",
    }) as GenericPayload;
    expect(body).toMatchObject({
      version: 1,
      status: "firing",
      alert: {
        id: 7,
        fingerprint: "3f2a9c",
        cluster: "web",
        rule: "error-ratio-high",
        kind: "error-ratio",
        severity: "critical",
        labels: { backend: "web" },
        value: 42,
        threshold: 5,
        activeAt: "2025-03-01T10:00:00.000Z",
        firedAt: "2025-03-01T10:01:00.000Z",
        resolvedAt: null,
      },
      links: { dashboard: "https://lbg/alerts/7" },
    });
    expect(body.suspects).toEqual(
      [1, 2, 3].map((n) => ({
        ref: `version:${n}`,
        summary: suspect(n).summary,
        score: suspect(n).score,
        rollback: `lbguard rollback web --to ${n - 1}`,
      })),
    );
  });

  it("tells when a resolved alert ended", () => {
    const alert = firingAlert({ state: "resolved", resolvedAt: "2025-03-01T10:20:00.000Z" });
    const body = notificationPayload(alert, "resolved", generic, {}) as GenericPayload;
    expect(body.status).toBe("resolved");
    expect(body.alert.resolvedAt).toBe("2025-03-01T10:20:00.000Z");
    expect(body.links).toEqual({});
  });
});

describe("Slack notification payload", () => {
  it("escapes &, < and > so that text cannot become a link or a mention", () => {
    expect(slackEscape("a < b && c > <!channel>")).toBe("a &lt; b &amp;&amp; c &gt; &lt;!channel&gt;");
    const alert = firingAlert({
      cluster: "web&api",
      summary: "backend <web>: 42% 5xx <!here>",
      suspects: [
        suspect(1, {
          summary: 'version 1: "a<b" & more',
          rollback: "lbguard rollback web --to 0 > /dev/null",
        }),
      ],
    });
    const body = notificationPayload(alert, "firing", slack, {}) as SlackPayload;
    const section = body.blocks[0]?.text?.text ?? "";
    expect(body.text).toBe("[FIRING] critical: backend &lt;web&gt;: 42% 5xx &lt;!here&gt;");
    expect(section).toContain("cluster *web&amp;api*");
    expect(section).toContain("backend &lt;web&gt;: 42% 5xx &lt;!here&gt;");
    expect(section).toContain('Top suspect: version 1: "a&lt;b" &amp; more (score 0.90)');
    expect(section).toContain("`lbguard rollback web --to 0 &gt; /dev/null`");
    expect(section).not.toMatch(/<|>/);
  });

  it("names the severity and only the top suspect, and links the dashboard", () => {
    const body = notificationPayload(firingAlert(), "firing", slack, {
      dashboard: "https://lbg.example/alerts?id=1&x=2",
    }) as SlackPayload;
    const section = body.blocks[0]?.text?.text ?? "";
    expect(section).toContain("(critical)");
    expect(section).toContain("`lbguard rollback web --to 0`");
    expect(section).not.toContain("version:2");
    expect(section).not.toContain("--to 1");
    expect(body.blocks[1]?.elements?.[0]?.text).toBe(
      "<https://lbg.example/alerts?id=1&amp;x=2|Open in lbguard>",
    );
  });

  it("says nothing of suspects when there are none", () => {
    const body = notificationPayload(firingAlert({ suspects: [] }), "firing", slack, {}) as SlackPayload;
    expect(body.blocks).toHaveLength(1);
    expect(body.blocks[0]?.text?.text).not.toContain("suspect");
  });
});

describe("delivery policy", () => {
  it("waits 1 s, then twice as long after each failure, never more than 5 min", () => {
    expect([1, 2, 3, 4, 8, 9, 20].map(defaultBackoff)).toEqual([
      1000, 2000, 4000, 8000, 128_000, 256_000, 300_000,
    ]);
  });

  it("ranks critical over warning over info", () => {
    expect(meetsSeverity("critical", "warning")).toBe(true);
    expect(meetsSeverity("warning", "warning")).toBe(true);
    expect(meetsSeverity("info", "warning")).toBe(false);
    expect(meetsSeverity("warning", "critical")).toBe(false);
    expect(meetsSeverity("info", "info")).toBe(true);
  });
});
