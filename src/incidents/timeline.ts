import {
  agentFacts,
  nodeOf,
  numberOf,
  recordOf,
  recordsOf,
  subjectId,
  textOf,
  timeOf,
  type AgentFacts,
} from "./recorded-events.js";
import { changedLines, handSetServers } from "./touches.js";
import type { RecordedEvent, TimelineEntry, TimelineKind } from "./types.js";

/** What a timeline line says of one event; undefined leaves the event out. */
type Line = { kind: TimelineKind; text: string } | undefined;

/**
 * The timeline of an incident: every event in the window (both ends included) that says what
 * people, the control plane, the agents and the alerting did — changes, reviews, applies,
 * detections, rollbacks, notifications, notes, the incident's opening and resolution — as one
 * plain sentence each with the event's figures, at exactly the event's time, oldest first (ties
 * in recorded order; an agent's steps at the agent's own time). Routine events (tokens, users, heartbeats, the steps of an apply no one
 * needs to read, notification retries) are left out, as are the agent's own copies of drift a
 * control plane already recorded. Pure.
 */
export function buildTimeline(
  events: readonly RecordedEvent[],
  window: { from: string; to: string },
): TimelineEntry[] {
  const from = timeOf(window.from);
  const to = timeOf(window.to);
  return (
    events
      // An agent's step is placed when the agent took it, not when its event reached the
      // control plane, which may be a heartbeat later.
      .map((event, index) => ({ event, index, at: agentFacts(event)?.at ?? event.at }))
      .map((entry) => ({ ...entry, time: timeOf(entry.at) }))
      .filter(({ time }) => time >= from && time <= to)
      .sort((a, b) => a.time - b.time || (a.event.seq ?? 0) - (b.event.seq ?? 0) || a.index - b.index)
      .flatMap(({ event, at }) => {
        const line = describe(event);
        if (!line) return [];
        const source = { type: event.type, ...(event.seq !== undefined ? { seq: event.seq } : {}) };
        return [{ at, kind: line.kind, text: sentence(line.text), source }];
      })
  );
}

function describe(event: RecordedEvent): Line {
  const control = CONTROL[event.type];
  if (control) return control(event, event.data);
  const facts = agentFacts(event);
  // A managed node's drift reaches the control plane twice; node.drift is the one kept.
  if (
    !facts ||
    (event.type.startsWith("agent.") && facts.type.startsWith("drift.") && facts.type !== "drift.restored")
  ) {
    return undefined;
  }
  const node = nodeOf(event);
  const line = AGENT[facts.type]?.(facts, event.actor);
  return line && node !== undefined ? { kind: line.kind, text: `${node}: ${line.text}` } : line;
}

type Data = Record<string, unknown>;

const CONTROL: Record<string, (event: RecordedEvent, data: Data) => Line> = {
  "change.proposed": (e, d) => {
    const operation = recordOf(d.operation);
    const what =
      numberOf(d.version) !== undefined
        ? `version ${numberOf(d.version)} on version ${String(d.parent)}`
        : operation
          ? operationText(operation)
          : "a change";
    const errors =
      Array.isArray(d.errors) && d.errors.length > 0 ? `, blocking findings: ${d.errors.join(", ")}` : "";
    return change(
      `${e.actor} proposed change ${changeNo(e)} (${what}; gate ${String(d.verdict)}, risk ${String(d.risk)}${errors}): "${String(d.message ?? "")}"`,
    );
  },
  "change.submitted": (e) => change(`${e.actor} submitted change ${changeNo(e)} for review`),
  "change.superseded": (e, d) => change(`Change ${changeNo(e)} was superseded by change ${String(d.by)}`),
  "cluster.policy-changed": (e, d) => change(`${e.actor} changed the cluster's policy${policyDiff(d)}`),
  "review.approved": (e, d) =>
    review(`${e.actor} approved change ${changeNo(e)}${approvals(d)}: "${String(d.comment ?? "")}"`),
  "review.rejected": (e, d) =>
    review(`${e.actor} rejected change ${changeNo(e)}: "${String(d.comment ?? "")}"`),
  "change.override": (e, d) =>
    review(`${e.actor} approved change ${changeNo(e)} over the gate's block: "${String(d.reason ?? "")}"`),
  "change.approved": (e) => review(`Change ${changeNo(e)} has the approvals it needs`),
  "change.rejected": (e) => review(`Change ${changeNo(e)} was rejected`),
  "change.rollback": (e, d) =>
    rollback(
      `${e.actor} rolled the cluster back from version ${String(d.from)} to version ${String(d.to)} (change ${changeNo(e)}): "${String(d.message ?? "")}"`,
    ),
  "rollout.started": (e, d) => {
    const nodes = Array.isArray(d.nodes) ? d.nodes.join(", ") : "";
    const version = numberOf(d.version) !== undefined ? ` (version ${numberOf(d.version)})` : "";
    const canary = textOf(d.canary) !== undefined ? `, canary ${textOf(d.canary)}` : "";
    return apply(
      `${e.actor} started rollout ${String(d.rollout)} of change ${changeNo(e)}${version} on ${nodes}${canary}`,
    );
  },
  "rollout.canary-passed": (e, d) =>
    apply(
      `Canary ${String(d.canary)} passed; rollout ${String(d.rollout)} of change ${changeNo(e)} goes on to ${Array.isArray(d.next) ? d.next.join(", ") : "the other nodes"}`,
    ),
  "rollout.halted": (e, d) => rollback(`Rollout ${String(d.rollout)} of change ${changeNo(e)} halted`),
  "node.standby": (e, d) =>
    apply(
      `${nodeOf(e) ?? "A node"} applied version ${String(d.version)} as a backup and waits for the VIP to bake it`,
    ),
  "rollout.handover-requested": (e, d) =>
    apply(`Rollout ${String(d.rollout)} of change ${changeNo(e)} asked ${list(d.from)} to hand the VIP over`),
  "rollout.handed-over": (e, d) =>
    apply(`${String(d.node)} handed the VIP over (rollout ${String(d.rollout)} of change ${changeNo(e)})`),
  "rollout.handover-failed": (e, d) =>
    rollback(
      `${String(d.node)} could not hand the VIP over (rollout ${String(d.rollout)} of change ${changeNo(e)})${textOf(d.detail) !== undefined ? `: ${String(d.detail)}` : ""}`,
    ),
  "node.vrrp": (e, d) => ({
    kind: "detection",
    text: `${nodeOf(e) ?? "A node"} is ${String(d.state)} and ${d.holdsVip === true ? "holds" : "does not hold"} the VIP`,
  }),
  "rollout.completed": (e, d) => apply(`Rollout ${String(d.rollout)} of change ${changeNo(e)} completed`),
  "node.applied": (e, d) => nodeApplied(nodeOf(e) ?? "a node", d),
  "node.drift": (e, d) => {
    const parts = recordsOf(d.drift).map((drift) => {
      if (drift.kind === "runtime")
        return handSetServers(String(drift.diff ?? ""))
          .map((s) => s.line)
          .join("; ");
      if (drift.kind === "keepalived")
        return "keepalived.conf is not the one rendered for the approved pair file";
      return `haproxy.cfg edited by hand (${changedLines(String(drift.diff ?? ""))})`;
    });
    return {
      kind: "detection",
      text: `${nodeOf(e) ?? "A node"} runs what was not approved: ${parts.join("; ")}`,
    };
  },
  "node.drift-cleared": (e) => ({
    kind: "alert",
    text: `${nodeOf(e) ?? "A node"} runs what was approved again`,
  }),
  "alert.fired": (e, d) => {
    const summary = textOf(d.summary) ?? `on ${labelsText(d.labels)}`;
    return {
      kind: "detection",
      text: `Alert ${alertName(e, d)} fired (${String(d.severity ?? "")}): ${summary}`,
    };
  },
  "alert.resolved": (e, d) => ({
    kind: "alert",
    text: `Alert ${alertName(e, d)} on ${labelsText(d.labels)} resolved`,
  }),
  "notification.delivered": (e, d) => {
    const attempts = numberOf(d.attempts) ?? 1;
    const after = attempts > 1 ? ` after ${attempts} attempts` : "";
    return notification(
      `Notified ${String(d.receiver)} that alert ${alertNo(e)} is ${String(d.status)}${after}`,
    );
  },
  "notification.failed": (e, d) =>
    d.final === false
      ? undefined
      : notification(
          `Could not notify ${String(d.receiver)} that alert ${alertNo(e)} is ${String(d.status)} after ${String(d.attempts)} attempts: ${String(d.error ?? "")}`,
        ),
  "silence.created": (e, d) => {
    const matchers = Object.entries(recordOf(d.matchers) ?? {}).map(([k, v]) => `${k}=${String(v)}`);
    return note(
      `${e.actor} silenced alerts matching ${matchers.join(", ")} until ${String(d.endsAt)}: "${String(d.comment ?? "")}"`,
    );
  },
  "silence.expired": (e) => note(`${e.actor} ended silence ${subjectId(e, "silence") ?? ""}`),
  "incident.opened": (e, d) =>
    incident(
      `${e.actor} opened incident ${incidentNo(e)} (${String(d.severity)}): "${String(d.title ?? "")}"`,
    ),
  "incident.linked": (e, d) =>
    incident(`${triggerText(recordOf(d.trigger))} was linked to incident ${incidentNo(e)}`),
  "incident.note": (e, d) => note(`${e.actor} noted: "${String(d.text ?? "")}"`),
  "incident.resolved": (e, d) => ({
    kind: "resolution",
    text: `${e.actor} resolved incident ${incidentNo(e)}: "${String(d.summary ?? "")}"`,
  }),
};

const AGENT: Record<string, (facts: AgentFacts, actor: string) => Line> = {
  "apply.started": (f, actor) =>
    apply(
      `${actor} started ${f.apply ?? "an apply"} of ${String(f.evidence.source ?? "a configuration")}${f.evidence.force === true ? ", forced" : ""}`,
    ),
  "apply.gate-skipped": (f) =>
    f.evidence.wouldBe === "block"
      ? review(`${f.apply ?? "The apply"} went past the gate, which would have blocked it`)
      : undefined,
  "apply.blocked": (f) => apply(`The gate blocked ${f.apply ?? "the apply"}`),
  "apply.invalid": (f) => apply(`haproxy -c refused ${f.apply ?? "the apply"}: ${list(f.evidence.errors)}`),
  "apply.reloaded": (f) =>
    apply(
      `HAProxy reloaded onto ${String(f.evidence.version)} (worker ${String(f.evidence.workerPid)}, ${String(f.evidence.tookMs)} ms)`,
    ),
  "apply.reload-failed": (f) => ({
    kind: "detection",
    text: `HAProxy did not take ${f.apply ?? "the apply"}: ${String(f.evidence.error)}`,
  }),
  "apply.breach": (f) => {
    const after = numberOf(f.evidence.afterMs);
    const when = after !== undefined ? ` ${after} ms after the reload` : "";
    return {
      kind: "detection",
      text: `The bake of ${f.apply ?? "the apply"} found a breach${when}: ${breaches(f)}`,
    };
  },
  "apply.rolled-back": (f) =>
    rollback(
      `${f.apply ?? "The apply"} rolled back to ${String(f.evidence.version)} (worker ${String(f.evidence.workerPid)})`,
    ),
  "apply.promoted": (f) =>
    apply(
      `The bake of ${f.apply ?? "the apply"} passed; ${String(f.evidence.version)} is the last-known-good configuration`,
    ),
  "apply.failed": (f) => apply(`${f.apply ?? "The apply"} failed: ${String(f.evidence.error)}`),
  "apply.recovered": (f) =>
    apply(`Finished ${f.apply ?? "an interrupted apply"} after a restart: ${String(f.evidence.action)}`),
  "runtime.applied": (f, actor) =>
    apply(`${actor} ran ${String(f.evidence.command)} (${f.apply ?? "runtime operation"})`),
  "runtime.blocked": (f) => apply(`The gate blocked ${String(f.evidence.command)}`),
  "runtime.reverted": (f) => rollback(`Put ${String(f.evidence.server)} back after a breach: ${breaches(f)}`),
  "runtime.kept": (f) => apply(`The bake passed; ${String(f.evidence.command)} stays`),
  "server.state-changed": (f) => {
    const [server, from, to] = [f.evidence.server, String(f.evidence.from), String(f.evidence.to)];
    const check =
      textOf(f.evidence.checkStatus) !== undefined ? ` (check ${textOf(f.evidence.checkStatus)})` : "";
    if (to.startsWith("DOWN"))
      return { kind: "detection", text: `Server ${String(server)} went DOWN${check}` };
    if (from.startsWith("DOWN")) return { kind: "alert", text: `Server ${String(server)} is ${to} again` };
    return undefined;
  },
  "drift.seen": (f) => ({
    kind: "detection",
    text: `Drift from the approved version: ${String(f.evidence.diff)}`,
  }),
  "drift.cleared": (f) => ({ kind: "alert", text: `The ${String(f.evidence.kind)} drift cleared` }),
  "drift.restored": (f) => rollback(`Put servers back as approved: ${list(f.evidence.commands)}`),
};

function nodeApplied(node: string, d: Data): Line {
  const detail = textOf(d.detail);
  const ran = `${String(d.apply)}`;
  // A runtime operation's report carries the cluster's version; its detail says what was done.
  if (ran.startsWith("op-") && detail !== undefined) {
    const outcome = d.status === "promoted" ? "kept" : String(d.status);
    return d.status === "rolled-back"
      ? rollback(`${node} reverted ${detail}`)
      : apply(`${node} carried out ${detail} (${outcome})`);
  }
  const version = `version ${String(d.version)}`;
  const why = detail !== undefined ? `: ${detail}` : "";
  switch (d.status) {
    case "promoted":
      return apply(`${node} applied ${version} (${ran})`);
    case "rolled-back":
      return rollback(`${node} rolled ${version} back by itself (${ran})${why}`);
    case "unchanged":
      return undefined;
    case "failed":
      return apply(`${node} failed to apply ${version} (${ran})${why}`);
    default:
      return apply(`${node} refused ${version}, ${String(d.status)} (${ran})${why}`);
  }
}

const change = (text: string): Line => ({ kind: "change", text });
const review = (text: string): Line => ({ kind: "review", text });
const apply = (text: string): Line => ({ kind: "apply", text });
const rollback = (text: string): Line => ({ kind: "rollback", text });
const notification = (text: string): Line => ({ kind: "notification", text });
const note = (text: string): Line => ({ kind: "note", text });
const incident = (text: string): Line => ({ kind: "incident", text });

const changeNo = (e: RecordedEvent) => subjectId(e, "change") ?? "?";
const alertNo = (e: RecordedEvent) => subjectId(e, "alert") ?? "?";
/** The incident's number, or a drill's apply id, from the subject `incident:<id>`. */
const incidentNo = (e: RecordedEvent) =>
  subjectId(e, "incident") ??
  (e.subject?.startsWith("incident:") ? e.subject.slice("incident:".length) : "?");

function alertName(e: RecordedEvent, d: Data): string {
  return textOf(d.rule) ?? `${alertNo(e)}`;
}

function labelsText(labels: unknown): string {
  const set = Object.entries(recordOf(labels) ?? {}).filter(([, v]) => typeof v === "string");
  return set.length > 0 ? set.map(([k, v]) => `${k} ${String(v)}`).join(", ") : "the cluster";
}

function operationText(operation: Data): string {
  const action = recordOf(operation.action);
  const server = `${String(operation.backend)}/${String(operation.server)}`;
  return action?.kind === "weight"
    ? `weight of ${server} to ${String(action.weight)}`
    : `${String(action?.kind)} ${server}`;
}

function approvals(d: Data): string {
  const n = numberOf(d.approvals);
  return n === undefined ? "" : ` (${n} approval${n === 1 ? "" : "s"} so far)`;
}

function policyDiff(d: Data): string {
  const before = recordOf(d.before) ?? {};
  const after = recordOf(d.after) ?? {};
  const changed = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  return changed.length > 0 ? `: ${changed.map((k) => `${k} ${JSON.stringify(after[k])}`).join(", ")}` : "";
}

function triggerText(trigger: Data | undefined): string {
  switch (trigger?.kind) {
    case "alert":
      return `Alert ${String(trigger.rule)} (${String(trigger.summary ?? "")})`;
    case "rollback":
      return `The rollback on ${String(trigger.node)}`;
    case "manual":
      return `${String(trigger.by)}'s report (${String(trigger.reason ?? "")})`;
    default:
      return "Another trigger";
  }
}

function breaches(f: AgentFacts): string {
  return recordsOf(f.evidence.breaches)
    .map((b) => String(b.message ?? "").replace(/\.$/, ""))
    .join("; ");
}

function list(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join("; ") : "";
}

/** One sentence on one line: whitespace runs (line breaks in messages) made single spaces, a full stop at the end. */
function sentence(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return /[.!?]$/.test(flat) ? flat : `${flat}.`;
}
