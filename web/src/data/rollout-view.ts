// A rollout as the change page shows it: each node's step (canary first) with its role and
// tone, one sentence on where the rollout stands, and what was recorded around it (the agents'
// apply steps as timeline sentences, the alerts that suspect the change, the incidents open
// while it ran). Pure.
import type { Rollout, RolloutNodeState, StoredEvent } from "../../../src/control/api-types.js";
import { buildTimeline } from "../../../src/incidents/timeline.js";
import type { Incident, TimelineEntry } from "../../../src/incidents/types.js";
import type { Alert } from "../../../src/monitor/types.js";

/** Badge tones (components/page.tsx's Tone). */
export type StepTone = "good" | "bad" | "warn" | "info" | "muted";

const TONES: Record<RolloutNodeState, StepTone> = {
  pending: "muted",
  applying: "warn",
  standby: "info",
  "handing-over": "info",
  "handed-over": "info",
  applied: "good",
  "rolled-back": "bad",
  failed: "bad",
};

/** Agents ship their steps a heartbeat or two after the end (as the server's evidence window). */
const SHIPPING_LAG_MS = 60_000;

export interface RolloutRow {
  node: string;
  /** `canary` for the first node, `VIP holder` for the node that goes last in a pair. */
  roles: string[];
  state: RolloutNodeState;
  tone: StepTone;
  apply?: string;
  detail?: string;
  updatedAt: string;
}

export function rolloutRows(rollout: Rollout): RolloutRow[] {
  return rollout.nodes.map((n, i) => ({
    node: n.node,
    roles: [...(i === 0 ? ["canary"] : []), ...(n.node === rollout.vipHolder ? ["VIP holder"] : [])],
    state: n.state,
    tone: TONES[n.state],
    ...(n.apply ? { apply: n.apply } : {}),
    ...(n.detail ? { detail: n.detail } : {}),
    updatedAt: n.updatedAt,
  }));
}

/** One sentence on where the rollout stands, e.g. `1 of 2 nodes applied; lb-2 is applying`. */
export function rolloutSummary(rollout: Rollout): string {
  const total = rollout.nodes.length;
  const applied = rollout.nodes.filter((n) => n.state === "applied").length;
  const count = `${applied} of ${total} node${total === 1 ? "" : "s"} applied`;
  if (rollout.state === "completed") return `Completed: every node runs the new version (${count}).`;
  if (rollout.state === "halted") {
    const failed = rollout.nodes.filter((n) => n.state === "rolled-back" || n.state === "failed");
    const untouched = rollout.nodes.filter((n) => n.state === "pending").map((n) => n.node);
    const why = failed
      .map((n) => `${n.node} ${n.state === "rolled-back" ? "rolled back" : "failed"}`)
      .join(", ");
    const rest = untouched.length > 0 ? `; ${untouched.join(", ")} never received the version` : "";
    return `Halted${why ? `: ${why}` : ""}${rest}. The change is rolled back.`;
  }
  const busy = rollout.nodes.filter((n) => n.state !== "pending" && n.state !== "applied");
  const doing = busy.map((n) => `${n.node} is ${n.state}`).join(", ");
  return `Running: ${count}${doing ? `; ${doing}` : ""}.`;
}

/** Whether something went wrong on a node, so the page shows the evidence. */
export function rolloutHasTrouble(rollout: Rollout): boolean {
  return (
    rollout.state === "halted" || rollout.nodes.some((n) => n.state === "rolled-back" || n.state === "failed")
  );
}

/** The rollout's events (GET /rollouts/:id/events) as timeline sentences, oldest first. */
export function rolloutTimeline(
  rollout: Rollout,
  events: readonly StoredEvent[],
  nowIso: string,
): TimelineEntry[] {
  const to = rollout.finishedAt ? shiftIso(rollout.finishedAt, SHIPPING_LAG_MS) : nowIso;
  // An agent's first step can be stamped a moment before the control plane recorded the start.
  return buildTimeline(events, { from: shiftIso(rollout.createdAt, -SHIPPING_LAG_MS), to });
}

/** Alerts whose suspects include this change (or the version it rolled out). */
export function alertsSuspecting(
  alerts: readonly Alert[],
  change: { id: number; version?: number },
): Alert[] {
  return alerts.filter((a) =>
    a.suspects.some(
      (s) =>
        s.ref === `change:${change.id}` || (change.version !== undefined && s.version === change.version),
    ),
  );
}

/**
 * Incidents opened by one of the rollout's node rollbacks and, when something went wrong on a
 * node, those open at some time while the rollout ran (a rollback joins an incident already
 * open rather than opening another). A rollout that went well is not tied to an incident that
 * merely stayed open meanwhile.
 */
export function incidentsDuring(
  incidents: readonly Incident[],
  rollout: Rollout,
  nowIso: string,
): Incident[] {
  const applies = new Set(rollout.nodes.flatMap((n) => (n.apply ? [n.apply] : [])));
  const trouble = rolloutHasTrouble(rollout);
  const from = Date.parse(rollout.createdAt);
  const to = Date.parse(rollout.finishedAt ? shiftIso(rollout.finishedAt, SHIPPING_LAG_MS) : nowIso);
  return incidents.filter((i) => {
    if (i.trigger.kind === "rollback" && applies.has(i.trigger.apply)) return true;
    if (!trouble) return false;
    const opened = Date.parse(i.openedAt);
    const resolved = i.resolvedAt ? Date.parse(i.resolvedAt) : Number.POSITIVE_INFINITY;
    return opened <= to && resolved >= from;
  });
}

function shiftIso(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}
