import { expect } from "vitest";
import type { AgentReport, Change, StoredEvent } from "../../src/control/api-types.js";
import { BEFORE_CFG, INVENTORY, type TestServer } from "./test-server.js";

/**
 * BEFORE_CFG serving every address (the VIP too, once a node holds it) and with the loopback
 * frontend the pair's health check asks.
 */
export const PAIR_CFG = `${BEFORE_CFG.replace("bind 127.0.0.1:18080", "bind *:18080")}
frontend health
    bind 127.0.0.1:8404
    monitor-uri /healthz
`;

/** A pair file for the nodes named, lb-1 first with the highest priority. */
export function pairFile(nodes: readonly string[] = ["lb-1", "lb-2"], routerId = 51): string {
  return [
    "vip: 198.51.100.100/24",
    "interface: eth0",
    `virtual_router_id: ${routerId}`,
    "advert_interval: 1",
    "vrrp_version: 2",
    "auth_pass: s3cret",
    "check:",
    "  url: http://127.0.0.1:8404/healthz",
    "  interval: 1",
    "  timeout: 1",
    "nodes:",
    ...nodes.map((name, i) => `  - { name: ${name}, priority: ${150 - i * 50} }`),
    "",
  ].join("\n");
}

/**
 * Creates the `web` cluster on PAIR_CFG with the nodes named (their agent tokens by name), one
 * approval for any risk; returns version 1 and the tokens.
 */
export async function pairCluster(
  s: TestServer,
  nodes: readonly string[] = ["lb-1", "lb-2"],
): Promise<{ v1: number; agents: Record<string, string> }> {
  const created = await s.call<{ currentVersion: number }>("POST", "/api/v1/clusters", s.tokens.admin, {
    name: "web",
    config: PAIR_CFG,
    inventory: INVENTORY,
    rps: 160,
    policy: { approvals: { low: 1, medium: 1, high: 1 } },
  });
  expect(created.status).toBe(201);
  const agents: Record<string, string> = {};
  for (const name of nodes) {
    const node = await s.call<{ token: { token: string } }>(
      "POST",
      "/api/v1/clusters/web/nodes",
      s.tokens.admin,
      {
        name,
      },
    );
    expect(node.status).toBe(201);
    agents[name] = node.body.token.token;
  }
  return { v1: created.body.currentVersion, agents };
}

/** Proposes `body` as the operator and has the approver approve it. */
export async function approvedChange(s: TestServer, body: object): Promise<Change> {
  const proposed = await s.call<Change>("POST", "/api/v1/clusters/web/changes", s.tokens.operator, body);
  expect(proposed.status).toBe(201);
  const reviewed = await s.call<Change>(
    "POST",
    `/api/v1/changes/${proposed.body.id}/reviews`,
    s.tokens.approver,
    {
      decision: "approve",
      comment: "ok",
    },
  );
  expect(reviewed.body.state).toBe("approved");
  return reviewed.body;
}

/** A heartbeat with the node's VRRP state, as an agent running keepalived sends it. */
export function vrrpReport(
  state: "MASTER" | "BACKUP" | "FAULT",
  extra: Partial<NonNullable<AgentReport["vrrp"]>> = {},
): AgentReport {
  return {
    runningHash: "0".repeat(64),
    health: { haproxy: "up" },
    vrrp: { state, holdsVip: state === "MASTER", ...extra },
  };
}

/** Sends an agent's heartbeat and expects it taken. */
export async function heartbeat(s: TestServer, token: string, report: AgentReport): Promise<void> {
  const answer = await s.call("POST", "/api/v1/agent/report", token, report);
  expect(answer.status).toBe(200);
}

/** The types of the cluster's events of the given prefixes, oldest first. */
export async function eventTypes(s: TestServer, ...prefixes: string[]): Promise<string[]> {
  const events = (
    await s.call<StoredEvent[]>("GET", "/api/v1/events?cluster=web&limit=1000", s.tokens.viewer)
  ).body;
  return events.map((e) => e.type).filter((type) => prefixes.some((p) => type.startsWith(p)));
}
