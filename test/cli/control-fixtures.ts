import type { Change, NodeStatus, Rollout, StoredEvent } from "../../src/control/api-types.js";
import type { Plan } from "../../src/plan/index.js";

/** What a hostile user could type into any free-text field: SQL, HTML and terminal escapes. */
export const HOSTILE =
  "x'); DROP TABLE changes;-- <script>alert(1)</script>\u001b[2J\u001b]0;owned\u0007\u202egnp.exe\r";

/** The same text as the CLI must print it on a terminal. */
export const HOSTILE_SHOWN =
  "x'); DROP TABLE changes;-- <script>alert(1)</script>\\x1b[2J\\x1b]0;owned\\x07\\u202egnp.exe\\r";

const SPAN = { file: "haproxy.cfg", line: 12, column: 5, endLine: 12, endColumn: 40 };

/** A plan with one medium-risk change: a server added with a low weight. */
export const PLAN: Plan = {
  overall: "medium",
  counts: { high: 0, medium: 1, low: 0 },
  changes: [
    {
      kind: "added",
      area: "server",
      section: { kind: "backend", name: "web" },
      subject: { backend: "web", server: "web-03" },
      summary: "server web-03 added (10.0.0.3:80, weight 1)",
      after: { address: "10.0.0.3:80", weight: 1 },
      span: SPAN,
      risk: "medium",
      reasons: [{ code: "share-moved", risk: "medium", message: "web-01 share 50% -> 98%" }],
    },
  ],
  traffic: [],
  assumptions: [],
};

/** A config change in review, as the server answers it, with a few fields overridden. */
export function change(overrides: Partial<Change> = {}): Change {
  return {
    id: 12,
    cluster: "web",
    kind: "config",
    state: "in-review",
    author: "alice",
    message: "add web-03",
    parent: 4,
    version: 5,
    verdict: "pass",
    risk: "medium",
    approvals: 0,
    approvalsRequired: 2,
    createdAt: "2025-03-01T10:00:00.000Z",
    updatedAt: "2025-03-01T10:00:00.000Z",
    findings: [
      {
        rule: "capacity/over-capacity",
        severity: "warning",
        message: "web-01 (10.0.0.1:80) is predicted at 130.0 req/s against a capacity of 120",
        span: SPAN,
      },
    ],
    plan: PLAN,
    reviews: [],
    ...overrides,
  };
}

/** A rollout over two nodes, the canary first. */
export function rollout(
  state: Rollout["state"],
  nodes: [string, Rollout["nodes"][number]["state"]][],
): Rollout {
  return {
    id: 3,
    change: 12,
    cluster: "web",
    state,
    startedBy: "carol",
    nodes: nodes.map(([node, s]) => ({ node, state: s, updatedAt: "2025-03-01T10:05:00.000Z" })),
    createdAt: "2025-03-01T10:04:00.000Z",
  };
}

/** A node that reported a moment ago, healthy, with no drift. */
export function node(overrides: Partial<NodeStatus> = {}): NodeStatus {
  return {
    name: "lb-1",
    cluster: "web",
    desiredVersion: 5,
    appliedVersion: 5,
    runningHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    health: { haproxy: "up", serversUp: 3, serversTotal: 4, requestRate: 41.25 },
    lastSeenAt: "2025-03-01T10:06:07.000Z",
    ...overrides,
  };
}

/** An event of the audit log. */
export function event(seq: number, overrides: Partial<StoredEvent> = {}): StoredEvent {
  return {
    seq,
    at: "2025-03-01T10:00:00.000Z",
    type: "change.proposed",
    actor: "alice",
    cluster: "web",
    subject: "change:12",
    data: {},
    prevHash: "0".repeat(64),
    hash: "1".repeat(64),
    ...overrides,
  };
}
