import type { Alert, Receiver, Suspect } from "../types.js";

/** Whether a notification tells of an alert starting to fire or of its end. */
export type NotificationStatus = "firing" | "resolved";

/** Where a person reading a notification can look further. */
export interface NotificationLinks {
  /** The alert's page in a dashboard; the payload names it when given. */
  dashboard?: string;
}

/** The body posted to a `generic` receiver. */
export interface GenericPayload {
  version: 1;
  status: NotificationStatus;
  alert: {
    id: number;
    fingerprint: string;
    cluster: string;
    rule: string;
    kind: Alert["kind"];
    severity: Alert["severity"];
    labels: Alert["labels"];
    value: number;
    threshold: number;
    summary: string;
    activeAt: string;
    firedAt: string | null;
    resolvedAt: string | null;
  };
  /** The best three explanations, best first. */
  suspects: { ref: string; summary: string; score: number; rollback: string }[];
  links: NotificationLinks;
}

/** The body posted to a `slack` receiver: an incoming webhook's `{text, blocks}`. */
export interface SlackPayload {
  /** The plain line Slack shows in push notifications and where blocks cannot be shown. */
  text: string;
  blocks: { type: "section" | "context"; text?: SlackText; elements?: SlackText[] }[];
}

interface SlackText {
  type: "mrkdwn";
  text: string;
}

/** How many suspects a notification carries. */
export const SUSPECTS_NOTIFIED = 3;

// Slack refuses a section whose text is longer.
const SLACK_SECTION_LIMIT = 3000;

/**
 * The body to post to `receiver` about `alert` as it is now: lbguard's JSON for a generic
 * receiver, a Slack message for a Slack one. Pure.
 */
export function notificationPayload(
  alert: Alert,
  status: NotificationStatus,
  receiver: Receiver,
  links: NotificationLinks,
): GenericPayload | SlackPayload {
  return receiver.format === "slack"
    ? slackPayload(alert, status, links)
    : genericPayload(alert, status, links);
}

/** lbguard's own notification body (`version: 1`). Pure. */
export function genericPayload(
  alert: Alert,
  status: NotificationStatus,
  links: NotificationLinks,
): GenericPayload {
  return {
    version: 1,
    status,
    alert: {
      id: alert.id,
      fingerprint: alert.fingerprint,
      cluster: alert.cluster,
      rule: alert.rule,
      kind: alert.kind,
      severity: alert.severity,
      labels: alert.labels,
      value: alert.value,
      threshold: alert.threshold,
      summary: alert.summary,
      activeAt: alert.activeAt,
      firedAt: alert.firedAt ?? null,
      resolvedAt: alert.resolvedAt ?? null,
    },
    suspects: alert.suspects.slice(0, SUSPECTS_NOTIFIED).map((suspect) => ({
      ref: suspect.ref,
      summary: suspect.summary,
      score: suspect.score,
      rollback: suspect.rollback,
    })),
    links: links.dashboard !== undefined ? { dashboard: links.dashboard } : {},
  };
}

/** A Slack incoming-webhook message: one mrkdwn section, and the dashboard link when given. Pure. */
export function slackPayload(
  alert: Alert,
  status: NotificationStatus,
  links: NotificationLinks,
): SlackPayload {
  const headline = `[${status.toUpperCase()}] ${alert.severity}: ${alert.summary}`;
  const lines = [
    `*${slackEscape(`[${status.toUpperCase()}] ${alert.rule}`)}* (${alert.severity}) in cluster *${slackEscape(alert.cluster)}*`,
    slackEscape(alert.summary),
  ];
  if (status === "resolved" && alert.resolvedAt !== undefined) lines.push(`Resolved at ${alert.resolvedAt}.`);
  const top: Suspect | undefined = alert.suspects[0];
  if (top !== undefined) {
    lines.push(`Top suspect: ${slackEscape(top.summary)} (score ${top.score.toFixed(2)})`);
    lines.push(`Roll back with \`${slackEscape(top.rollback)}\``);
  }
  const blocks: SlackPayload["blocks"] = [
    { type: "section", text: { type: "mrkdwn", text: clip(lines.join("\n"), SLACK_SECTION_LIMIT) } },
  ];
  if (links.dashboard !== undefined) {
    // In a link, `|` would end the address: Slack reads `<url|label>`.
    const url = slackEscape(links.dashboard.replaceAll("|", "%7C"));
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `<${url}|Open in lbguard>` }] });
  }
  return { text: slackEscape(headline), blocks };
}

/**
 * Text made safe for Slack: `&`, `<` and `>` are Slack's control characters (links, mentions),
 * so they become `&amp;`, `&lt;` and `&gt;`, as Slack asks. Pure.
 */
export function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}
