import { expect } from "vitest";
import { parseConfig } from "../../src/haproxy/parse/index.js";
import type { Config } from "../../src/model/config.js";
import {
  type Plan,
  type PlanChange,
  type PlanOptions,
  planChange,
  type Subject,
} from "../../src/plan/index.js";
import type { BackendPrediction, ServerPrediction, SimulationResult } from "../../src/simulate/types.js";

/** Parses configuration text as one file, failing the test on a parser error. */
export function model(text: string, path: string): Config {
  const { model, diagnostics } = parseConfig([{ path, text }], { env: {} });
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return model;
}

/** Plans the change from `before` to `after`, read as before.cfg and after.cfg. */
export function plan(before: string, after: string, options: PlanOptions = {}): Plan {
  return planChange(model(before, "before.cfg"), model(after, "after.cfg"), options);
}

/** Lines joined with the final newline HAProxy requires. */
export function lines(...text: string[]): string {
  return `${text.join("\n")}\n`;
}

/** The defaults every small test configuration starts with. */
export const DEFAULTS = [
  "defaults",
  "    mode http",
  "    timeout connect 5s",
  "    timeout client 30s",
  "    timeout server 30s",
  "",
];

/** The one change with exactly this subject; fails the test when there is none or several. */
export function changeOf(p: Plan, subject: Subject): PlanChange {
  const found = p.changes.filter(
    (c) => JSON.stringify(sorted(c.subject)) === JSON.stringify(sorted(subject)),
  );
  expect(
    found,
    `changes for ${JSON.stringify(subject)} in ${JSON.stringify(p.changes.map((c) => c.subject))}`,
  ).toHaveLength(1);
  return found[0] as PlanChange;
}

function sorted(subject: Subject): Record<string, unknown> {
  return Object.fromEntries(Object.entries(subject).sort(([a], [b]) => a.localeCompare(b)));
}

/** The reason codes of a change, in order. */
export function codes(change: PlanChange): string[] {
  return change.reasons.map((r) => r.code);
}

/** A server prediction with the fields a test cares about. */
export function server(
  name: string,
  rps: number,
  share: number,
  extra: Partial<ServerPrediction> = {},
): ServerPrediction {
  return { name, address: "", state: "active", weight: 1, share, rps, ...extra };
}

/** A backend prediction. */
export function backend(
  name: string,
  servers: ServerPrediction[],
  extra: Partial<BackendPrediction> = {},
): BackendPrediction {
  const rps = servers.reduce((sum, s) => sum + s.rps, 0);
  return { name, algorithm: "roundrobin", rps, servers, unservedShare: 0, notes: [], ...extra };
}

/** A hand-built prediction: the given backends, no frontend detail, nothing over capacity. */
export function prediction(
  backends: BackendPrediction[],
  frontends: SimulationResult["frontends"] = [],
): SimulationResult {
  return {
    traffic: {
      frontendRps: {},
      requests: [],
      clients: [],
      concurrency: 1,
      latencyMs: 0,
      down: [],
      seed: 1,
      samples: 1,
      assumptions: ["hand-built prediction"],
    },
    frontends,
    backends,
    capacity: { now: [], nMinus1: [] },
  };
}
