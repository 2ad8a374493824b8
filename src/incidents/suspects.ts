import type { Change, RuntimeOperationSpec } from "../control/api-types.js";
import type { AlertKind, AlertLabels, ChangeCandidate, Suspect } from "../monitor/types.js";
import {
  agentFacts,
  nodeOf,
  numberOf,
  recordsOf,
  textOf,
  timeOf,
  type AgentFacts,
} from "./recorded-events.js";
import {
  backendOf,
  changedLines,
  diffTouches,
  handSetServers,
  mergeTouches,
  planTouches,
  serverTouches,
  shareShiftOf,
  type HandSetServer,
  type Touches,
} from "./touches.js";
import type { RecordedEvent } from "./types.js";
import {
  localApplyCommand,
  parseServerCommand,
  restoreDriftCommand,
  rollbackCommand,
  serverBackCommand,
  type ServerTarget,
} from "./undo-commands.js";

/** One apply or runtime operation on one node, pieced together from its events. */
interface Trace {
  id: string;
  node?: string;
  cluster?: string;
  /** The agent's steps by type (the first of each), with who asked for them. */
  steps: Map<string, AgentFacts & { actor: string }>;
  /** How the node said it ended (`node.applied`). */
  report?: { at: string; version?: number; rollout?: number; status?: string; detail?: string };
}

const NOTHING: Touches = { servers: [], backends: [], frontends: [] };

/**
 * Everything in the events that changed what the load balancer does, oldest first: each version
 * a node put live (`node.applied`, or the agent's own `apply.reloaded` / `apply.replaced` when
 * no control plane reported it, as `apply:<id>`), each runtime operation a node carried out, and
 * each hand change a node reported as drift (servers set on the runtime API, or haproxy.cfg
 * edited). Applies that were blocked, refused, already live or never reloaded changed nothing
 * and are left out; applies the agent rolled back stay, since they were live for a while. What
 * each touched and its predicted share shifts come from its change's plan, or from the operation
 * or the drift. Pure.
 */
export function changeCandidates(
  events: readonly RecordedEvent[],
  changes: ReadonlyMap<number, Change>,
): ChangeCandidate[] {
  const traces = new Map<string, Trace>();
  const traceOf = (id: string, event: RecordedEvent): Trace => {
    const trace: Trace = traces.get(id) ?? { id, steps: new Map() };
    traces.set(id, trace);
    trace.node ??= nodeOf(event);
    trace.cluster ??= event.cluster;
    return trace;
  };
  const candidates: ChangeCandidate[] = [];
  const drift = new DriftSeen();
  for (const event of events) {
    if (event.type === "node.applied") {
      const id = textOf(event.data.apply);
      if (id !== undefined) traceOf(id, event).report = reportOf(event);
    } else if (event.type === "node.drift") {
      candidates.push(...drift.candidates(event, recordsOf(event.data.drift)));
    } else if (event.type === "node.drift-cleared") {
      drift.candidates(event, []);
    } else if (event.type === "drift.seen" || event.type === "drift.cleared") {
      // A node on its own (no control plane): its log reports each kind as it appears and clears.
      const evidence = agentFacts(event)?.evidence ?? {};
      if (event.type === "drift.cleared") drift.clear(event, textOf(evidence.kind) ?? "");
      else candidates.push(...drift.candidates(event, [evidence], false));
    } else {
      // A managed node's shipped agent.drift.seen repeats its node.drift and is not read.
      const facts = agentFacts(event);
      if (facts?.apply !== undefined) {
        const trace = traceOf(facts.apply, event);
        if (!trace.steps.has(facts.type)) trace.steps.set(facts.type, { ...facts, actor: event.actor });
      }
    }
  }
  for (const trace of traces.values()) {
    const candidate = traceCandidate(trace, changes, events);
    if (candidate) candidates.push(candidate);
  }
  return candidates.sort((a, b) => timeOf(a.at) - timeOf(b.at));
}

function reportOf(event: RecordedEvent): Trace["report"] {
  const { version, rollout, status, detail } = event.data;
  return {
    at: event.at,
    ...(numberOf(version) !== undefined ? { version: numberOf(version) } : {}),
    ...(numberOf(rollout) !== undefined ? { rollout: numberOf(rollout) } : {}),
    ...(textOf(status) !== undefined ? { status: textOf(status) } : {}),
    ...(textOf(detail) !== undefined ? { detail: textOf(detail) } : {}),
  };
}

/** The candidate of an apply or operation that went live, or undefined when none did. */
function traceCandidate(
  trace: Trace,
  changes: ReadonlyMap<number, Change>,
  events: readonly RecordedEvent[],
): ChangeCandidate | undefined {
  const runtime = trace.id.startsWith("op-") || [...trace.steps.keys()].some((t) => t.startsWith("runtime."));
  const status = trace.report?.status;
  if (status === "unchanged" || status === "blocked" || status === "invalid") return undefined;
  const reloadFailed = trace.steps.has("apply.reload-failed") && !trace.steps.has("apply.reloaded");
  const live = runtime
    ? trace.steps.get("runtime.applied")
    : (trace.steps.get("apply.reloaded") ?? trace.steps.get("apply.replaced"));
  if (reloadFailed || (!live && (trace.report === undefined || status === "failed"))) return undefined;
  const at = live?.at ?? (trace.report as { at: string }).at;
  return runtime ? operationCandidate(trace, at, changes) : versionCandidate(trace, at, changes, events);
}

function versionCandidate(
  trace: Trace,
  at: string,
  changes: ReadonlyMap<number, Change>,
  events: readonly RecordedEvent[],
): ChangeCandidate {
  const version = trace.report?.version;
  const restore = trace.report?.detail?.startsWith("drift restore") === true;
  const change =
    version !== undefined && !restore ? changeFor(version, trace.report?.rollout, changes) : undefined;
  const started = trace.steps.get("apply.started");
  const actor = change?.author ?? started?.actor ?? "unknown";
  const rolledBack = trace.report?.status === "rolled-back" || trace.steps.has("apply.rolled-back");
  let summary: string;
  if (change) summary = `version ${version}: "${change.message}" by ${change.author}`;
  else if (version !== undefined) summary = `version ${version}${restore ? " put back after drift" : ""}`;
  else {
    // Without a control plane the agent is told what to apply directly, and may be forced.
    const forced = trace.steps.has("apply.gate-skipped") ? ", forced past the gate" : "";
    summary = `${textOf(started?.evidence.source) ?? "a configuration"} applied by ${actor}${forced}`;
  }
  const shareShift = change ? shareShiftOf(change.plan) : {};
  const governed = version !== undefined || trace.cluster !== undefined;
  return {
    kind: "version",
    ref: change ? `change:${change.id}` : version !== undefined ? `version:${version}` : `apply:${trace.id}`,
    at,
    actor,
    ...(trace.node !== undefined ? { node: trace.node } : {}),
    apply: trace.id,
    ...(version !== undefined ? { version } : {}),
    summary: rolledBack ? `${summary} (rolled back by the agent)` : summary,
    touches: change ? planTouches(change.plan) : NOTHING,
    ...(Object.keys(shareShift).length > 0 ? { shareShift } : {}),
    rollback: governed
      ? rollbackCommand(trace.cluster, change?.parent ?? parentOf(version, trace, events))
      : localApplyCommand(textOf(trace.steps.get("apply.backed-up")?.evidence.previous)),
  };
}

/**
 * The change that rolled a version out: the one whose rollout the node reported, else the newest
 * (a rollback proposes an existing version again, so several changes can carry one version).
 */
function changeFor(
  version: number,
  rollout: number | undefined,
  changes: ReadonlyMap<number, Change>,
): Change | undefined {
  const carrying = [...changes.values()]
    .filter((c) => c.kind === "config" && c.version === version)
    .sort((a, b) => b.id - a.id);
  return carrying.find((c) => rollout !== undefined && c.rollout?.id === rollout) ?? carrying[0];
}

/** The version before `version`: its recorded parent, else what the node ran before. */
function parentOf(
  version: number | undefined,
  trace: Trace,
  events: readonly RecordedEvent[],
): number | undefined {
  if (version === undefined) return undefined;
  const created = events.find((e) => e.type === "version.created" && e.subject === `version:${version}`);
  const parent = numberOf(created?.data.parent);
  if (parent !== undefined) return parent;
  const before = events.filter(
    (e) =>
      e.type === "node.applied" &&
      nodeOf(e) === trace.node &&
      e.data.status === "promoted" &&
      numberOf(e.data.version) !== version &&
      timeOf(e.at) < timeOf(trace.report?.at ?? e.at),
  );
  return numberOf(before.at(-1)?.data.version);
}

function operationCandidate(trace: Trace, at: string, changes: ReadonlyMap<number, Change>): ChangeCandidate {
  const changeId = /^change (\d+):/.exec(trace.report?.detail ?? "")?.[1];
  const change = changeId !== undefined ? changes.get(Number(changeId)) : undefined;
  const started = trace.steps.get("runtime.started");
  const evidence = started?.evidence ?? trace.steps.get("runtime.applied")?.evidence ?? {};
  const command = textOf(evidence.command);
  const operation = change?.operation;
  const server = operation
    ? `${operation.backend}/${operation.server}`
    : (textOf(evidence.server) ?? parseServerCommand(command ?? "")?.server);
  const actor = change?.author ?? started?.actor ?? "unknown";
  const reverted = trace.report?.status === "rolled-back" || trace.steps.has("runtime.reverted");
  const summary = change
    ? `change ${change.id}: ${describeOperation(operation, server)} "${change.message}" by ${change.author}`
    : `${command ?? `a runtime operation on ${server ?? "a server"}`} by ${actor}`;
  const target =
    parseServerCommand(textOf(evidence.revert) ?? "")?.target ??
    guessRevert(operation, command, change, server);
  const control =
    trace.cluster !== undefined
      ? { cluster: trace.cluster, message: change ? `undo change ${change.id}` : `undo ${trace.id}` }
      : undefined;
  const shareShift = change ? shareShiftOf(change.plan) : {};
  return {
    kind: "runtime-operation",
    ref: change ? `change:${change.id}` : `apply:${trace.id}`,
    at,
    actor,
    ...(trace.node !== undefined ? { node: trace.node } : {}),
    apply: trace.id,
    summary: reverted ? `${summary} (reverted by the agent)` : summary,
    touches: mergeTouches(
      server ? serverTouches(server) : NOTHING,
      change ? planTouches(change.plan) : NOTHING,
    ),
    ...(Object.keys(shareShift).length > 0 ? { shareShift } : {}),
    rollback:
      server && target
        ? serverBackCommand(server, target, control)
        : `lbguard propose --runtime <previous weight or state> ${server ?? "<backend/server>"}`,
  };
}

function describeOperation(operation: RuntimeOperationSpec | undefined, server: string | undefined): string {
  const action = operation?.action;
  if (action?.kind === "weight") return `weight of ${server} to ${action.weight}`;
  return `${action?.kind ?? "change"} ${server}`;
}

/** Where to put a server back when the agent did not record it: from the action, or the plan. */
function guessRevert(
  operation: RuntimeOperationSpec | undefined,
  command: string | undefined,
  change: Change | undefined,
  server: string | undefined,
): ServerTarget | undefined {
  const done = parseServerCommand(command ?? "")?.target;
  const kind = operation?.action.kind ?? (done && "state" in done ? done.state : "weight");
  if (kind === "drain" || kind === "disable" || kind === "maint") return { state: "ready" };
  if (kind === "enable" || kind === "ready") return { state: "maint" };
  const planned = change?.plan.changes.find(
    (c) => server !== undefined && `${c.subject.backend}/${c.subject.server}` === server,
  );
  const weight = numberOf(planned?.before?.weight);
  return weight !== undefined ? { weight } : undefined;
}

/**
 * The hand changes each node's drift reports reveal. The control plane records drift again
 * whenever any of it changes, and a kind that persists keeps its first `since`; only what is new
 * in it is a new hand change (at `since` when the kind just appeared, else at the report).
 */
class DriftSeen {
  private readonly known = new Map<string, Set<string>>();

  /** The hand changes new in a drift report; `complete` when it lists all the node's drift. */
  candidates(event: RecordedEvent, drifts: Record<string, unknown>[], complete = true): ChangeCandidate[] {
    const node = nodeOf(event);
    const found: ChangeCandidate[] = [];
    const kinds = new Set(drifts.map((d) => d.kind));
    for (const kind of ["file", "runtime"]) if (complete && !kinds.has(kind)) this.clear(event, kind);
    for (const drift of drifts) {
      const kind = textOf(drift.kind);
      const diff = textOf(drift.diff) ?? "";
      const key = this.key(event, node, kind ?? "");
      const known = this.known.get(key) ?? new Set<string>();
      this.known.set(key, known);
      const at = known.size === 0 ? (textOf(drift.since) ?? event.at) : event.at;
      if (kind === "runtime") {
        const fresh = handSetServers(diff).filter((s) => !known.has(s.line));
        for (const s of fresh) known.add(s.line);
        if (fresh.length > 0) found.push(runtimeHandChange(event, node, at, fresh));
      } else if (kind === "file") {
        const running = textOf(drift.runningHash) ?? diff;
        if (known.has(running)) continue;
        known.add(running);
        found.push(fileHandChange(event, node, at, diff));
      }
    }
    return found;
  }

  /** Forgets a kind of drift that cleared: when it comes back, it is a new hand change. */
  clear(event: RecordedEvent, kind: string): void {
    this.known.delete(this.key(event, nodeOf(event), kind));
  }

  private key(event: RecordedEvent, node: string | undefined, kind: string): string {
    return `${event.cluster ?? ""}/${node ?? ""}/${kind}`;
  }
}

function handChangeBase(event: RecordedEvent, node: string | undefined, at: string) {
  return {
    kind: "hand-change" as const,
    ref: `node:${[event.cluster, node ?? "unknown"].filter((p) => p !== undefined).join("/")}`,
    at,
    // The runtime API and the file do not say who; the event's actor is the agent that saw it.
    actor: "unknown",
    ...(node !== undefined ? { node } : {}),
  };
}

function runtimeHandChange(
  event: RecordedEvent,
  node: string | undefined,
  at: string,
  servers: HandSetServer[],
): ChangeCandidate {
  const control =
    event.cluster !== undefined
      ? { cluster: event.cluster, message: `undo hand change on ${node ?? "the node"}` }
      : undefined;
  const commands = servers.flatMap((s) => [
    ...(s.weight ? [serverBackCommand(s.server, { weight: s.weight.approved }, control)] : []),
    ...(s.state ? [serverBackCommand(s.server, { state: adminState(s.state.approved) }, control)] : []),
  ]);
  const what = servers.map((s) => s.line.replace(/ \(set on the runtime API\)$/, "")).join("; ");
  return {
    ...handChangeBase(event, node, at),
    summary: `hand change on ${node ?? "a node"}'s runtime API: ${what}`,
    touches: mergeTouches(...servers.map((s) => serverTouches(s.server))),
    rollback: commands.join(" && "),
  };
}

function adminState(state: string): "ready" | "drain" | "maint" {
  return state === "drain" || state === "maint" ? state : "ready";
}

function fileHandChange(
  event: RecordedEvent,
  node: string | undefined,
  at: string,
  diff: string,
): ChangeCandidate {
  return {
    ...handChangeBase(event, node, at),
    summary: `hand edit of haproxy.cfg on ${node ?? "a node"} (${changedLines(diff)})`,
    touches: diffTouches(diff),
    rollback: restoreDriftCommand(event.cluster),
  };
}

// --- ranking ------------------------------------------------------------------------------------

/** What went wrong, where and when: a firing alert, or a node's automatic rollback. */
export interface Symptom {
  kind: AlertKind | "rollback";
  labels: AlertLabels;
  at: string;
  /** For a rollback: the apply or operation the node rolled back, when known. */
  apply?: string;
  /** For a rollback: the version it carried, when known. */
  version?: number;
}

/** How much each kind of match weighs; the rest of a score is the base and the recency. */
const WEIGHT = {
  base: 0.1,
  server: 0.7,
  backend: 0.45,
  frontend: 0.35,
  driftReported: 0.6,
  rolledBackNode: 0.5,
  appliedNode: 0.4,
  shift: 0.15,
  sameNode: 0.05,
  /** Only the symptom's own apply scores above this. */
  cap: 0.9,
  recency: 0.05,
} as const;

/** A share move smaller than this many points explains no symptom. */
const MIN_SHIFT = 5;

/** Alert kinds a server taking more of its backend's traffic would cause. */
const MORE_TRAFFIC_HURTS = new Set<string>(["error-ratio", "client-error-surge", "latency-p95"]);

/**
 * The candidates that took effect before the symptom and within the window (default an hour),
 * ranked by how well each explains it, best first. A score (0 to 1) comes mostly from what the
 * candidate touched: the symptom's own apply (a rollback names it) scores 1; the alert's server
 * 0.7; its backend 0.45; its frontend 0.35; a predicted share shift that moves the alert's
 * server (or, for a backend alert, a server of that backend) the way the symptom goes adds
 * 0.15; a change on another node than the alert's counts half. Recency adds up to 0.05 and
 * breaks ties, the later first. Each suspect says why in plain words. Pure.
 */
export function rankSuspects(
  symptom: Symptom,
  candidates: readonly ChangeCandidate[],
  options: { windowS?: number } = {},
): Suspect[] {
  const windowMs = (options.windowS ?? 3600) * 1000;
  const end = timeOf(symptom.at);
  return candidates
    .filter((c) => timeOf(c.at) <= end && timeOf(c.at) >= end - windowMs)
    .map((c) => judge(symptom, c, windowMs))
    .sort((a, b) => b.score - a.score || timeOf(b.at) - timeOf(a.at) || a.ref.localeCompare(b.ref));
}

function judge(symptom: Symptom, candidate: ChangeCandidate, windowMs: number): Suspect {
  const ageMs = timeOf(symptom.at) - timeOf(candidate.at);
  const when = `took effect ${spoken(ageMs)} before the ${symptom.kind === "rollback" ? "rollback" : "alert"}`;
  const recency = WEIGHT.recency * (windowMs > 0 ? 1 - ageMs / windowMs : 1);
  if (isOwnApply(symptom, candidate)) {
    const where = candidate.node !== undefined ? ` on ${candidate.node}` : "";
    return { ...candidate, score: 1, reasons: [`is the apply the agent rolled back${where}`, when] };
  }
  const { relevance, reasons } = relevanceOf(symptom, candidate);
  const node = symptom.labels.node;
  let score = WEIGHT.base + relevance;
  if (node !== undefined && candidate.node !== undefined) {
    if (candidate.node === node) {
      score += WEIGHT.sameNode;
      reasons.push(
        `took effect on ${node}, the node the ${symptom.kind === "rollback" ? "rollback" : "alert"} names`,
      );
    } else {
      score /= 2;
      reasons.push(`took effect on ${candidate.node}, not on ${node}`);
    }
  }
  score = Math.min(score, WEIGHT.cap) + recency;
  return { ...candidate, score: Math.round(score * 1000) / 1000, reasons: [...reasons, when] };
}

function isOwnApply(symptom: Symptom, candidate: ChangeCandidate): boolean {
  if (symptom.kind !== "rollback") return false;
  if (symptom.apply !== undefined) return candidate.apply === symptom.apply;
  return (
    symptom.version !== undefined &&
    candidate.version === symptom.version &&
    candidate.node === symptom.labels.node
  );
}

/** How well what the candidate touched explains the symptom, and why. */
function relevanceOf(symptom: Symptom, candidate: ChangeCandidate): { relevance: number; reasons: string[] } {
  const { labels } = symptom;
  const server = labels.server === undefined ? undefined : serverKey(labels.server, labels.backend);
  const backend = labels.backend ?? (server !== undefined ? backendOf(server) : undefined);
  const touched = candidate.touches;
  const reasons: string[] = [];
  let relevance = 0;
  const verb = candidate.kind === "hand-change" ? "set by hand" : "changed";
  if (server !== undefined && touched.servers.includes(server)) {
    relevance = WEIGHT.server;
    reasons.push(`${verb} ${server}, the server the alert names`);
  } else if (backend !== undefined && touched.backends.includes(backend)) {
    relevance = WEIGHT.backend;
    const inside = touched.servers.filter((s) => backendOf(s) === backend);
    const which = inside.length > 0 ? ` (${inside.join(", ")})` : "";
    reasons.push(`${verb} backend ${backend}${which}, the backend the alert names`);
  } else if (labels.frontend !== undefined && touched.frontends.includes(labels.frontend)) {
    relevance = WEIGHT.frontend;
    reasons.push(`changed frontend ${labels.frontend}, the frontend the alert names`);
  }
  const sameNode = labels.node === undefined || candidate.node === labels.node;
  const kindMatch = sameNode ? kindRelevance(symptom.kind, candidate, labels.node) : undefined;
  if (kindMatch && kindMatch.relevance > relevance) {
    relevance = kindMatch.relevance;
    reasons.push(kindMatch.reason);
  }
  const shift = shiftReason(symptom.kind, candidate.shareShift ?? {}, server, backend);
  if (shift !== undefined) {
    relevance += WEIGHT.shift;
    reasons.push(shift);
  }
  if (reasons.length === 0) reasons.push("changed nothing the alert names");
  return { relevance, reasons };
}

/** Matches that come from the kind of symptom rather than from what was touched. */
function kindRelevance(
  kind: Symptom["kind"],
  candidate: ChangeCandidate,
  node: string | undefined,
): { relevance: number; reason: string } | undefined {
  const where = node ?? candidate.node ?? "the node";
  if (kind === "drift" && candidate.kind === "hand-change") {
    return {
      relevance: WEIGHT.driftReported,
      reason: `is the hand change on ${where} the drift alert reports`,
    };
  }
  if (candidate.kind === "hand-change" || node === undefined) return undefined;
  if (kind === "rollback" || kind === "config-rolled-back") {
    return { relevance: WEIGHT.rolledBackNode, reason: `was applied on ${where}, the node that rolled back` };
  }
  if (kind === "config-applied") {
    return { relevance: WEIGHT.appliedNode, reason: `is what was applied on ${where}` };
  }
  return undefined;
}

/** Why the candidate's predicted share shift explains the symptom, when it does. */
function shiftReason(
  kind: Symptom["kind"],
  shift: Record<string, number>,
  server: string | undefined,
  backend: string | undefined,
): string | undefined {
  const moves = Object.entries(shift).filter(([s, points]) =>
    server !== undefined
      ? s === server && (kind === "imbalance" ? Math.abs(points) : points) >= MIN_SHIFT
      : backend !== undefined && backendOf(s) === backend && points >= MIN_SHIFT,
  );
  const explains = kind === "imbalance" ? server !== undefined : MORE_TRAFFIC_HURTS.has(kind);
  const [moved, points] = moves.sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]))[0] ?? [];
  if (!explains || moved === undefined || points === undefined) return undefined;
  const more = points > 0 ? "more" : "less";
  return `its plan sends ${moved} ${Math.abs(points)} points ${more} of ${backendOf(moved)}'s traffic`;
}

/** `web/web-02` from the labels `server: web-02` (or `web/web-02`) and `backend: web`. */
function serverKey(server: string, backend: string | undefined): string {
  return server.includes("/") || backend === undefined ? server : `${backend}/${server}`;
}

/** A duration in words: `45 s`, `2 min 5 s`, `1 h 3 min`. */
function spoken(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`;
  const min = Math.floor((s % 3600) / 60);
  return min === 0 ? `${Math.floor(s / 3600)} h` : `${Math.floor(s / 3600)} h ${min} min`;
}
