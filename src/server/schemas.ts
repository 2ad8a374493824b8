import { CHANGE_STATES } from "../control/api-types.js";
import { RESPONSE_CLASSES } from "../monitor/row-counters.js";

/**
 * JSON Schemas of the request bodies and parameters, shared by validation (Fastify answers 400
 * naming the field) and the OpenAPI document. Kept close to src/control/api-types.ts.
 */
const NAME = { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$" } as const;
const ROLE = { type: "string", enum: ["viewer", "operator", "approver", "admin"] } as const;
const TEXT = (maxLength: number) => ({ type: "string", maxLength }) as const;
const ID = { type: "integer", minimum: 1 } as const;
const VRRP_STATE = { type: "string", enum: ["MASTER", "BACKUP", "FAULT", "STOPPED", "UNKNOWN"] } as const;
const SHA256 = { type: "string", pattern: "^[0-9a-f]{64}$" } as const;

const APPROVALS = {
  type: "object",
  additionalProperties: false,
  properties: {
    low: { type: "integer", minimum: 1, maximum: 10 },
    medium: { type: "integer", minimum: 1, maximum: 10 },
    high: { type: "integer", minimum: 1, maximum: 10 },
  },
} as const;

export const POLICY = {
  type: "object",
  additionalProperties: false,
  properties: {
    approvals: APPROVALS,
    drift: { type: "string", enum: ["report", "restore"] },
    bakeS: { type: "number", minimum: 1, maximum: 3600 },
  },
} as const;

export const OPERATION = {
  type: "object",
  additionalProperties: false,
  required: ["backend", "server", "action"],
  properties: {
    backend: TEXT(200),
    server: TEXT(200),
    action: {
      type: "object",
      required: ["kind"],
      additionalProperties: false,
      properties: {
        kind: { type: "string", enum: ["drain", "disable", "enable", "weight"] },
        weight: { type: "integer", minimum: 0, maximum: 256 },
      },
    },
  },
} as const;

export const BODIES = {
  createUser: {
    type: "object",
    additionalProperties: false,
    required: ["name", "role"],
    properties: { name: NAME, role: ROLE },
  },
  createToken: {
    type: "object",
    additionalProperties: false,
    required: ["user"],
    properties: { user: NAME, role: ROLE, label: TEXT(200) },
  },
  createCluster: {
    type: "object",
    additionalProperties: false,
    required: ["name", "config"],
    properties: {
      name: NAME,
      config: { type: "string", minLength: 1 },
      inventory: { type: "string" },
      policy: POLICY,
      rps: { type: "number", exclusiveMinimum: 0, maximum: 10_000_000 },
    },
  },
  createNode: { type: "object", additionalProperties: false, required: ["name"], properties: { name: NAME } },
  propose: {
    type: "object",
    additionalProperties: false,
    required: ["parent", "message"],
    properties: {
      parent: ID,
      message: TEXT(10_000),
      config: { type: "string", minLength: 1 },
      vrrp: { type: "string", minLength: 1, maxLength: 100_000 },
      operation: OPERATION,
      draft: { type: "boolean" },
    },
  },
  review: {
    type: "object",
    additionalProperties: false,
    required: ["decision", "comment"],
    properties: {
      decision: { type: "string", enum: ["approve", "reject"] },
      comment: TEXT(10_000),
      override: TEXT(10_000),
    },
  },
  rollback: {
    type: "object",
    additionalProperties: false,
    required: ["to"],
    properties: { to: ID, message: TEXT(10_000) },
  },
  agentReport: {
    type: "object",
    required: ["runningHash", "health"],
    properties: {
      runningHash: TEXT(128),
      health: {
        type: "object",
        required: ["haproxy"],
        properties: { haproxy: { type: "string", enum: ["up", "down"] } },
      },
      drift: {
        type: "array",
        maxItems: 100,
        items: {
          type: "object",
          required: ["kind", "since", "diff"],
          properties: {
            kind: { type: "string", enum: ["file", "runtime", "keepalived"] },
            since: TEXT(64),
            diff: TEXT(1_000_000),
          },
        },
      },
      vrrp: {
        type: "object",
        required: ["state", "holdsVip"],
        properties: {
          state: VRRP_STATE,
          holdsVip: { type: "boolean" },
          keepalivedHash: SHA256,
          expectedKeepalivedHash: SHA256,
        },
      },
    },
  },
  applyReport: {
    type: "object",
    required: ["version", "apply", "status"],
    properties: {
      version: ID,
      rollout: ID,
      apply: TEXT(200),
      status: {
        type: "string",
        enum: ["promoted", "rolled-back", "blocked", "invalid", "unchanged", "failed", "standby"],
      },
      detail: TEXT(100_000),
    },
  },
  handoverReport: {
    type: "object",
    additionalProperties: false,
    required: ["rollout", "status"],
    properties: {
      rollout: ID,
      status: { type: "string", enum: ["handed-over", "failed"] },
      detail: TEXT(100_000),
    },
  },
  agentEvents: {
    type: "object",
    required: ["events"],
    properties: {
      events: {
        type: "array",
        maxItems: 10_000,
        items: {
          type: "object",
          required: ["type", "actor", "at"],
          properties: { type: TEXT(100), actor: TEXT(200), at: TEXT(64) },
        },
      },
    },
  },
} as const;

export const PARAMS = {
  cluster: { type: "object", required: ["cluster"], properties: { cluster: NAME } },
  id: { type: "object", required: ["id"], properties: { id: ID } },
  tokenId: {
    type: "object",
    required: ["id"],
    properties: { id: { type: "string", pattern: "^[0-9a-f]{12}$" } },
  },
  diff: { type: "object", required: ["a", "b"], properties: { a: ID, b: ID } },
} as const;

export const QUERIES = {
  changes: {
    type: "object",
    properties: {
      state: { type: "string", enum: [...CHANGE_STATES] },
    },
  },
  events: {
    type: "object",
    properties: {
      cluster: NAME,
      type: TEXT(100),
      after: { type: "integer", minimum: 0 },
      before: { type: "integer", minimum: 0 },
      order: { type: "string", enum: ["asc", "desc"] },
      limit: { type: "integer", minimum: 1, maximum: 1000 },
    },
  },
  desired: {
    type: "object",
    properties: { have: TEXT(128), wait: { type: "number", minimum: 0, maximum: 60 } },
  },
} as const;

/** Alerts and silences: the list filters and a new silence (its matchers are checked by the store). */
export const ALERT_SCHEMAS = {
  alertsQuery: {
    type: "object",
    properties: {
      cluster: NAME,
      state: { type: "string", enum: ["firing", "pending", "resolved", "open"] },
      since: { type: "string", format: "date-time" },
      limit: { type: "integer", minimum: 1, maximum: 1000 },
    },
  },
  silencesQuery: {
    type: "object",
    properties: { cluster: NAME, active: { type: "boolean" } },
  },
  createSilence: {
    type: "object",
    additionalProperties: false,
    required: ["matchers", "comment"],
    properties: {
      cluster: NAME,
      matchers: { type: "object", maxProperties: 6, additionalProperties: TEXT(200) },
      comment: { type: "string", minLength: 1, maxLength: 10_000 },
      duration: {
        anyOf: [
          { type: "string", maxLength: 32 },
          { type: "number", exclusiveMinimum: 0 },
        ],
      },
      endsAt: { type: "string", format: "date-time" },
    },
  },
} as const;

/** Incidents: the list filters, opening one by hand, notes, resolution and the postmortem. */
export const INCIDENT_SCHEMAS = {
  incidentsQuery: {
    type: "object",
    properties: { cluster: NAME, state: { type: "string", enum: ["open", "resolved"] } },
  },
  openIncident: {
    type: "object",
    additionalProperties: false,
    required: ["cluster", "title", "reason"],
    properties: {
      cluster: NAME,
      title: { type: "string", minLength: 1, maxLength: 200 },
      severity: { type: "string", enum: ["critical", "warning", "info"] },
      reason: { type: "string", minLength: 1, maxLength: 10_000 },
    },
  },
  note: {
    type: "object",
    additionalProperties: false,
    required: ["text"],
    properties: { text: { type: "string", minLength: 1, maxLength: 10_000 } },
  },
  resolve: {
    type: "object",
    additionalProperties: false,
    required: ["summary"],
    properties: { summary: { type: "string", minLength: 1, maxLength: 10_000 } },
  },
  postmortemQuery: {
    type: "object",
    properties: { format: { type: "string", enum: ["md", "json"] }, tz: TEXT(64) },
  },
  regenerateQuery: { type: "object", properties: { tz: TEXT(64) } },
  savePostmortem: {
    type: "object",
    additionalProperties: false,
    required: ["markdown"],
    properties: { markdown: { type: "string", minLength: 1, maxLength: 1_000_000 } },
  },
} as const;

const COUNT = { type: "number", minimum: 0 } as const;

/** One row of a stats sample (MetricSample's RowSample); counters and gauges are never negative. */
const ROW_SAMPLE = {
  type: "object",
  required: [
    "kind",
    "proxy",
    "requests",
    "responses",
    "requestErrors",
    "connectionErrors",
    "responseErrors",
    "retries",
    "denied",
    "picked",
    "status",
    "sessionsCurrent",
    "queueCurrent",
  ],
  properties: {
    kind: { type: "string", enum: ["frontend", "backend", "server"] },
    proxy: TEXT(200),
    server: TEXT(200),
    requests: COUNT,
    responses: {
      type: "object",
      required: RESPONSE_CLASSES,
      properties: Object.fromEntries(RESPONSE_CLASSES.map((c) => [c, COUNT])),
    },
    requestErrors: COUNT,
    connectionErrors: COUNT,
    responseErrors: COUNT,
    retries: COUNT,
    denied: COUNT,
    picked: COUNT,
    status: TEXT(64),
    weight: COUNT,
    sessionsCurrent: COUNT,
    queueCurrent: COUNT,
    queueTimeMs: COUNT,
    responseTimeMs: COUNT,
    totalTimeMs: COUNT,
    checkStatus: TEXT(64),
    address: TEXT(300),
  },
} as const;

/** Stats samples an agent sends, and the window a reader asks for. */
export const METRIC_SCHEMAS = {
  agentStats: {
    type: "object",
    required: ["samples"],
    properties: {
      samples: {
        type: "array",
        maxItems: 1000,
        items: {
          type: "object",
          required: ["at", "intervalMs", "reset", "rows"],
          properties: {
            node: TEXT(200),
            at: { type: "string", format: "date-time" },
            intervalMs: { type: "integer", minimum: 0, maximum: 2_147_483_647 },
            reset: { type: "boolean" },
            rows: { type: "array", maxItems: 10_000, items: ROW_SAMPLE },
          },
        },
      },
    },
  },
  window: {
    type: "object",
    properties: {
      from: { type: "string", format: "date-time" },
      to: { type: "string", format: "date-time" },
    },
  },
} as const;
