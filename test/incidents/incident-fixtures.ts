import type { Change, RuntimeOperationSpec } from "../../src/control/api-types.js";
import type { MetricSample, RowSample } from "../../src/monitor/types.js";
import { planChange, type Plan } from "../../src/plan/index.js";
import { simulate } from "../../src/simulate/simulate.js";
import type { RecordedEvent } from "../../src/incidents/types.js";
import { metricSample } from "../monitor/sample-builders.js";
import { DEFAULTS, lines, model } from "../plan/plan-helpers.js";

/** A small cluster's configuration: frontend www to backend web (two servers), and backend api. */
export function config(webServers: string[]): string {
  return lines(
    ...DEFAULTS,
    "frontend www",
    "    bind 127.0.0.1:18080",
    "    use_backend api if { path_beg /api }",
    "    default_backend web",
    "",
    "backend web",
    ...webServers.map((s) => `    ${s}`),
    "",
    "backend api",
    "    server api-01 127.0.20.1:8080 check",
    "",
  );
}

export const WEB = ["server web-01 127.0.10.1:8080 check", "server web-02 127.0.10.2:8080 check"];

/** The real plan, with traffic predicted at 100 req/s, from one configuration to another. */
export function realPlan(before: string, after: string): Plan {
  const a = model(before, "before.cfg");
  const b = model(after, "after.cfg");
  return planChange(a, b, { before: simulate(a, { rps: 100 }), after: simulate(b, { rps: 100 }) });
}

/** A change record as the control plane returns it. */
export function change(
  id: number,
  fields: {
    plan: Plan;
    version?: number;
    parent: number;
    author?: string;
    message?: string;
    operation?: RuntimeOperationSpec;
    rollout?: number;
  },
): Change {
  return {
    id,
    cluster: "web",
    kind: fields.operation ? "runtime" : "config",
    state: "applied",
    author: fields.author ?? "alice",
    message: fields.message ?? `change ${id}`,
    parent: fields.parent,
    ...(fields.version !== undefined ? { version: fields.version } : {}),
    ...(fields.operation ? { operation: fields.operation } : {}),
    verdict: "pass",
    risk: fields.plan.overall,
    approvals: 1,
    approvalsRequired: 1,
    createdAt: "2026-11-21T09:00:00.000Z",
    updatedAt: "2026-11-21T09:00:00.000Z",
    findings: [],
    plan: fields.plan,
    reviews: [],
    ...(fields.rollout !== undefined
      ? {
          rollout: {
            id: fields.rollout,
            change: id,
            cluster: "web",
            state: "completed" as const,
            startedBy: "bob",
            nodes: [],
            createdAt: "2026-11-21T09:00:00.000Z",
          },
        }
      : {}),
  };
}

let seq = 0;

/** A control-plane event of cluster `web` at 2026-11-21 10:MM:SS (`at` as `MM:SS.mmm` or a full time). */
export function event(
  at: string,
  type: string,
  data: Record<string, unknown> = {},
  fields: { actor?: string; subject?: string; cluster?: string | null } = {},
): RecordedEvent {
  seq += 1;
  return {
    seq,
    at: time(at),
    type,
    actor: fields.actor ?? "alice",
    ...(fields.cluster === null ? {} : { cluster: fields.cluster ?? "web" }),
    ...(fields.subject !== undefined ? { subject: fields.subject } : {}),
    data,
  };
}

/** An agent's event as the control plane ships it: `agent.<type>`, about node web/<node>. */
export function shipped(
  at: string,
  type: string,
  apply: string | undefined,
  evidence: Record<string, unknown>,
  node = "lb-1",
  actor = "control-plane",
): RecordedEvent {
  return event(
    at,
    `agent.${type}`,
    { at: time(at), ...(apply !== undefined ? { apply } : {}), evidence },
    { actor, subject: `node:web/${node}` },
  );
}

/** An agent's own event in a drill: no prefix, no cluster, no seq. */
export function own(
  at: string,
  type: string,
  apply: string | undefined,
  evidence: Record<string, unknown>,
  actor = "drill",
): RecordedEvent {
  return { at: time(at), type, actor, data: { ...(apply !== undefined ? { apply } : {}), evidence } };
}

/** `10:MM:SS.mmm` on the day the tests use, from `MM:SS` or `MM:SS.mmm`; full times pass through. */
export function time(at: string): string {
  if (at.includes("T")) return at;
  const [mmss, ms = "000"] = at.split(".");
  return `2026-11-21T10:${mmss}.${ms.padEnd(3, "0")}Z`;
}

/** One node's sample ending at `at`, covering the `intervalMs` before. */
export function sample(
  node: string,
  at: string,
  rows: RowSample[],
  intervalMs = 1000,
  reset = false,
): MetricSample {
  return metricSample(node, time(at), rows, { intervalMs, reset });
}
