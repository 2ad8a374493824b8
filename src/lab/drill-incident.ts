import type { AgentEvent } from "../agent/event-log.js";
import { DEFAULT_CLUSTER_POLICY } from "../control/api-types.js";
import type { GateFinding } from "../gate/gate.js";
import { computeImpact } from "../incidents/impact.js";
import { policyGaps } from "../incidents/measures.js";
import { draftPostmortem, renderPostmortemMarkdown } from "../incidents/postmortem.js";
import { explainRootCause } from "../incidents/root-cause.js";
import { changeCandidates, rankSuspects } from "../incidents/suspects.js";
import { buildTimeline } from "../incidents/timeline.js";
import type { PostmortemDocument, RecordedEvent } from "../incidents/types.js";
import type { MetricSample } from "../monitor/types.js";
import type { Plan } from "../plan/types.js";

/** The name the lab's one HAProxy node goes by in samples, labels and the postmortem. */
export const DRILL_NODE = "lab";

/** What a drill recorded about a forced change that went wrong. */
export interface DrillIncidentInput {
  scenario: string;
  /** The agent's apply id: the incident's id. */
  apply: string;
  /** The agent's own events, oldest first. */
  events: readonly AgentEvent[];
  /** The lab node's stats samples, oldest first. */
  samples: readonly MetricSample[];
  /** When the change went live, and when the drill's load stopped (the end of the bake window). */
  appliedAt: number;
  endedAt: number;
  before: string;
  after: string;
  /** The gate's findings on `after` and the plan it judged, from before the forced apply. */
  findings: readonly Pick<GateFinding, "rule" | "severity" | "message">[];
  plan?: Plan;
  /** How the apply ended, e.g. `rolled-back`. */
  status: string;
  now: number;
}

/** The incident's own recorded events, the agent's events, and the postmortem drafted from them. */
export interface DrillIncident {
  events: RecordedEvent[];
  document: PostmortemDocument;
  markdown: string;
}

/**
 * Drafts a drill's incident the way the control plane drafts one: the agent's recorded events
 * plus the incident's opening (at the automatic rollback, or the apply's end) and its
 * resolution (when the drill stopped its load, HAProxy being on the known-good configuration)
 * make the timeline; the samples between the apply and the end measure the impact; the forced
 * change, ranked as a suspect against the rollback, is the root cause. Pure.
 */
export function draftDrillIncident(input: DrillIncidentInput): DrillIncident {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const agentEvents: RecordedEvent[] = input.events.map((e) => ({
    at: e.at,
    type: e.type,
    actor: e.actor,
    data: { ...(e.apply ? { apply: e.apply } : {}), ...(e.evidence ? { evidence: e.evidence } : {}) },
  }));
  const ownEvents = agentEvents.filter((e) => e.data.apply === input.apply);
  const end = ownEvents.find((e) => e.type === "apply.rolled-back") ?? ownEvents.at(-1);
  const openedAt = end?.at ?? iso(input.appliedAt);
  const detail = `the agent ended the forced apply ${input.apply}: ${input.status}`;
  const events: RecordedEvent[] = [
    ...agentEvents,
    {
      at: openedAt,
      type: "incident.opened",
      actor: "drill",
      subject: `incident:${input.apply}`,
      data: {
        title: `${input.scenario}: the forced change was ${input.status}`,
        severity: "critical",
        trigger: { kind: "rollback", node: DRILL_NODE, apply: input.apply, detail },
      },
    },
    {
      at: iso(input.endedAt),
      type: "incident.resolved",
      actor: "drill",
      subject: `incident:${input.apply}`,
      data: { summary: "the drill's bake window ended with HAProxy on the known-good configuration" },
    },
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

  const suspects = rankSuspects(
    { kind: "rollback", labels: { node: DRILL_NODE }, at: openedAt, apply: input.apply },
    changeCandidates(events, new Map()),
  );
  const top = suspects[0];
  const rootCause = top
    ? explainRootCause({
        suspect: top,
        before: { name: "before", text: input.before },
        after: { name: "after", text: input.after },
        ...(input.plan ? { plan: input.plan } : {}),
        forced: true,
      })
    : undefined;
  const window = { from: iso(input.appliedAt), to: iso(input.endedAt) };
  const document = draftPostmortem({
    incident: {
      id: input.apply,
      cluster: input.scenario,
      title: `${input.scenario}: forced change ${input.status}`,
      openedAt,
      resolvedAt: window.to,
      trigger: { kind: "rollback", node: DRILL_NODE, apply: input.apply, detail },
    },
    timeline: buildTimeline(events, { from: iso(input.appliedAt - 60_000), to: iso(input.endedAt + 1000) }),
    impact: computeImpact(new Map([[DRILL_NODE, [...input.samples]]]), window),
    ...(rootCause ? { rootCause } : {}),
    findings: [...input.findings],
    // A drill runs one node under a new cluster's policy and forces the change past the gate.
    policyGaps: policyGaps(DEFAULT_CLUSTER_POLICY, { nodes: 1, gateOverridden: true }),
    now: iso(input.now),
  });
  return { events, document, markdown: renderPostmortemMarkdown(document) };
}
