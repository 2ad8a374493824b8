import type { Drift } from "../../control/api-types.js";
import type { ServerAdminState, ServerStateRow } from "../../haproxy/runtime/show-stat.js";
import type { OperationDone } from "./managed-state.js";
import { unifiedDiff } from "./text-diff.js";

/** The runtime state a server should be in; no weight means the configured one. */
export interface ExpectedServer {
  weight?: number;
  state: ServerAdminState;
}

/** A server whose runtime weight or forced admin state is not what was approved. */
export interface ServerDeviation {
  /** `backend/server`. */
  server: string;
  weight?: { expected: number; actual: number };
  state?: { expected: ServerAdminState; actual: ServerAdminState };
}

/**
 * The runtime state each server touched by an approved runtime operation should be in, from
 * the operations this node kept (later changes win). Other servers should be ready at their
 * configured weight. Pure.
 */
export function expectedServers(operations: readonly OperationDone[]): Map<string, ExpectedServer> {
  const expected = new Map<string, ExpectedServer>();
  const kept = operations.filter((o) => o.status === "kept").sort((a, b) => a.change - b.change);
  for (const { operation } of kept) {
    const key = `${operation.backend}/${operation.server}`;
    const current = expected.get(key) ?? { state: "ready" };
    const { action } = operation;
    if (action.kind === "weight") expected.set(key, { ...current, weight: action.weight });
    else expected.set(key, { ...current, state: STATE_OF[action.kind] });
  }
  return expected;
}

const STATE_OF = { drain: "drain", disable: "maint", enable: "ready" } as const;

/** Servers of `show servers state` whose weight or forced admin state is not the expected one. Pure. */
export function runtimeDeviations(
  rows: readonly ServerStateRow[],
  expected: ReadonlyMap<string, ExpectedServer>,
): ServerDeviation[] {
  const deviations: ServerDeviation[] = [];
  for (const row of rows) {
    const server = `${row.backend}/${row.server}`;
    const want = expected.get(server) ?? { state: "ready" };
    const weight = want.weight ?? row.initialWeight;
    const deviation: ServerDeviation = { server };
    if (row.userWeight !== weight) deviation.weight = { expected: weight, actual: row.userWeight };
    if (row.forcedAdminState !== want.state) {
      deviation.state = { expected: want.state, actual: row.forcedAdminState };
    }
    if (deviation.weight || deviation.state) deviations.push(deviation);
  }
  return deviations;
}

/** One line for a deviation, e.g. `web/web-02 weight 1 -> 50 (set on the runtime API)`. Pure. */
export function runtimeDriftLine(deviation: ServerDeviation): string {
  const parts: string[] = [];
  if (deviation.weight) parts.push(`weight ${deviation.weight.expected} -> ${deviation.weight.actual}`);
  if (deviation.state) parts.push(`state ${deviation.state.expected} -> ${deviation.state.actual}`);
  return `${deviation.server} ${parts.join(", ")} (set on the runtime API)`;
}

/** The runtime API commands that put deviating servers back. Pure. */
export function restoreCommands(deviations: readonly ServerDeviation[]): string[] {
  return deviations.flatMap((d) => [
    ...(d.weight ? [`set server ${d.server} weight ${d.weight.expected}`] : []),
    ...(d.state ? [`set server ${d.server} state ${d.state.expected}`] : []),
  ]);
}

/** What drift detection looks at. */
export interface DriftInputs {
  /** The version this node last applied for the control plane; its text when the agent has it. */
  approved?: { version: number; hash: string; text?: string };
  /** The live file. */
  running: { path: string; hash: string; text: string };
  /** `show servers state`; absent when HAProxy could not be read. */
  servers?: readonly ServerStateRow[];
  expected: ReadonlyMap<string, ExpectedServer>;
  /** The drift reported last, whose `since` carries over while it lasts. */
  previous: readonly Drift[];
  /** Now, ISO 8601. */
  now: string;
}

/** Drift found, and the server deviations behind the runtime drift (to put them back). */
export interface DriftFindings {
  drift: Drift[];
  deviations: ServerDeviation[];
}

/**
 * Compares what the node runs with what was approved: the live file's hash with the approved
 * version's (the diff goes approved -> running), and each server's runtime weight and forced
 * admin state with the expected ones. A kind that persists keeps the `since` it was first seen
 * at. When HAProxy could not be read, the runtime drift last seen stands. Pure.
 */
export function detectDrift(inputs: DriftInputs): DriftFindings {
  const since = (kind: Drift["kind"]): string =>
    inputs.previous.find((d) => d.kind === kind)?.since ?? inputs.now;
  const drift: Drift[] = [];
  const { approved, running } = inputs;
  if (approved && running.hash !== approved.hash) {
    const diff =
      approved.text === undefined
        ? ""
        : unifiedDiff(approved.text, running.text, `version ${approved.version} (approved)`, running.path);
    drift.push({ kind: "file", since: since("file"), diff, runningHash: running.hash });
  }
  if (!inputs.servers) {
    const runtime = inputs.previous.find((d) => d.kind === "runtime");
    return { drift: runtime ? [...drift, runtime] : drift, deviations: [] };
  }
  const deviations = runtimeDeviations(inputs.servers, inputs.expected);
  if (deviations.length > 0) {
    drift.push({
      kind: "runtime",
      since: since("runtime"),
      diff: deviations.map(runtimeDriftLine).join("\n"),
    });
  }
  return { drift, deviations };
}
