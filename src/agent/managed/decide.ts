import type {
  AgentVrrpReport,
  ApplyReport,
  DesiredState,
  Drift,
  NodeHealth,
  Version,
} from "../../control/api-types.js";
import type { ApplyOutcome } from "../apply.js";
import { contentHash } from "../config-store.js";
import type { RuntimeOutcome } from "../runtime-operation.js";
import type { ManagedState } from "./managed-state.js";

/** What a managed agent has to carry out for one answer of the control plane. */
export interface Work {
  /** The desired version, when this node has not handled it (in this rollout) yet. */
  apply?: Version;
  /** Runtime operations this node has not carried out yet, oldest change first. */
  operations: DesiredState["operations"];
}

/**
 * Decides what to do with the desired state. A version is applied when it differs from the one
 * last applied, unless this node already tried it in the same rollout (a version that rolled
 * back is not retried until a new rollout names it); the version already running is applied
 * again (a no-op that reports `unchanged`) when a new rollout names it, because that rollout
 * waits for this node's word. Pure.
 */
export function decideWork(desired: DesiredState, state: ManagedState): Work {
  const done = new Set(state.operations.map((o) => o.change));
  const operations = desired.operations
    .filter((o) => !done.has(o.change))
    .sort((a, b) => a.change - b.change);
  const { hash } = desired.version;
  // A version's hash is its haproxy.cfg's; a new pair file under the same text is a new version too.
  const pair = pairHash(desired.version);
  const handled = state.handled;
  const triedInThisRollout =
    handled?.hash === hash && handled.pairHash === pair && handled.rollout === desired.rollout;
  const needed =
    hash !== state.applied?.hash || pair !== state.applied?.pairHash || desired.rollout !== undefined;
  return { ...(needed && !triedInThisRollout ? { apply: desired.version } : {}), operations };
}

/** The hash of a version's keepalived pair file, undefined when it has none. Pure. */
export function pairHash(version: Pick<Version, "vrrp">): string | undefined {
  return version.vrrp === undefined ? undefined : contentHash(version.vrrp);
}

/**
 * The `have` of the next long poll: the hash of the version last handled. Sending the hash of a
 * version that failed (rather than of the one still running) keeps the control plane from
 * answering at once, again and again, with a version this node will not retry. Pure.
 */
export function haveHash(state: ManagedState): string | undefined {
  return state.handled?.hash ?? state.applied?.hash;
}

/** The parts of an apply's outcome a report is drawn from. */
export type OutcomeFacts = Pick<
  ApplyOutcome,
  "apply" | "status" | "error" | "invalid" | "gate" | "probes" | "breaches"
>;

/** How an apply ended, as `POST /agent/applies` takes it. Pure. */
export function applyReportFor(
  version: Pick<Version, "id">,
  rollout: number | undefined,
  outcome: OutcomeFacts,
  context?: string,
): ApplyReport {
  const detail = [context, applyDetail(outcome)].filter(Boolean).join(": ");
  return {
    version: version.id,
    ...(rollout !== undefined ? { rollout } : {}),
    apply: outcome.apply,
    status: outcome.status,
    ...(detail ? { detail } : {}),
  };
}

function applyDetail(outcome: OutcomeFacts): string | undefined {
  switch (outcome.status) {
    case "invalid":
      // haproxy -c names lines of haproxy.cfg; keepalived -t's problems come as sentences.
      return outcome.invalid?.map((f) => `line ${f.span.line}: ${f.message}`).join("; ") || outcome.error;
    case "blocked":
      return [...(outcome.gate?.findings ?? []), ...(outcome.probes ?? [])]
        .filter((f) => f.severity === "error")
        .map((f) => f.message)
        .join("; ");
    case "rolled-back":
      // A bake breach names its figures; a change given up before its bake says why.
      return outcome.breaches?.map((b) => b.message).join("; ") || outcome.error;
    case "failed":
      return outcome.error;
    default:
      return undefined;
  }
}

/** How a runtime operation ended, in the statuses `POST /agent/applies` knows. Pure. */
export function operationStatus(status: RuntimeOutcome["status"] | "failed"): ApplyReport["status"] {
  if (status === "kept") return "promoted";
  if (status === "reverted") return "rolled-back";
  return status;
}

/** The first retry waits this long; each next one twice as long, up to the maximum. */
export const BACKOFF = { firstMs: 1000, maxMs: 15_000 } as const;

/** The wait before the next attempt to reach the control plane, after one that waited `previousMs`. Pure. */
export function nextBackoff(previousMs: number | undefined): number {
  return previousMs === undefined ? BACKOFF.firstMs : Math.min(previousMs * 2, BACKOFF.maxMs);
}

/** The last report the control plane accepted. */
export interface LastReport {
  /** `reportKey` of what it said. */
  key: string;
  at: number;
}

/**
 * What a report says, as a key compared between reports: the running hash, HAProxy up or down,
 * the drift, and on nodes of a pair the VRRP state, whether the node holds the VIP and the hash
 * of its keepalived.conf (a change of role must reach the control plane at once: a split brain
 * is alerted on it and a rollout's handover waits for it). Pure.
 */
export function reportKey(
  runningHash: string,
  health: Pick<NodeHealth, "haproxy">,
  drift: readonly Drift[],
  vrrp: AgentVrrpReport | undefined,
): string {
  return JSON.stringify({
    hash: runningHash,
    haproxy: health.haproxy,
    drift: drift.map(({ kind, diff, runningHash: hash }) => ({ kind, diff, runningHash: hash })),
    ...(vrrp
      ? {
          vrrp: [vrrp.state, vrrp.holdsVip, vrrp.keepalivedHash ?? null, vrrp.expectedKeepalivedHash ?? null],
        }
      : {}),
  });
}

/**
 * Whether to report now: at once when what the report says (`reportKey`: running hash, HAProxy
 * up or down, drift, VRRP role) changed since the last accepted one, otherwise once per
 * heartbeat. Pure.
 */
export function reportDue(
  last: LastReport | undefined,
  key: string,
  now: number,
  heartbeatMs: number,
): boolean {
  return last === undefined || last.key !== key || now - last.at >= heartbeatMs;
}
