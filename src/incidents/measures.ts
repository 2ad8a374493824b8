import type { ClusterPolicy } from "../control/api-types.js";
import { listNames, plural } from "../plan/format.js";
import { RULES } from "../rules/index.js";
import { ruleDocPath } from "../rules/rule.js";
import type { RootCause } from "./types.js";

/** A finding as the postmortem reads it: a check rule's or the gate's (`capacity/…`, `plan/…`). */
export interface MeasureFinding {
  rule: string;
  severity: string;
  message: string;
}

/** One corrective or preventative measure, and what it was derived from. */
export interface Measure {
  text: string;
  /** `finding:<rule>`, `policy:<gap>` or `root-cause:<what>`. */
  source: string;
}

/** What the cluster is, beyond its policy, when looking for gaps. */
export interface PolicyContext {
  /** The cluster's load-balancer nodes. */
  nodes: number;
  /** The change behind the incident went past a blocking gate verdict on an admin's override. */
  gateOverridden?: boolean;
  /** The approvals the change behind the incident had. */
  approvals?: number;
}

// --- policy gaps ------------------------------------------------------------------------------

/** One kind of gap: the sentence that names it starts with `lead`, which is how its measure finds it. */
interface GapKind {
  id: string;
  lead: string;
  /** The rest of the sentence when the gap is there. */
  find(policy: ClusterPolicy, context: PolicyContext): string | undefined;
  measure: string;
}

const GAPS: readonly GapKind[] = [
  {
    id: "single-node",
    lead: "a single load-balancer node serves the cluster",
    find: (_, c) => (c.nodes < 2 ? ": it is a single point of failure" : undefined),
    measure:
      "Add a second load-balancer node (behind a shared address or DNS failover), so that one node's failure or one bad apply cannot take the service down",
  },
  {
    id: "high-risk-approvals",
    lead: "a high-risk change needs",
    find: (p) => (p.approvals.high < 2 ? ` only ${plural(p.approvals.high, "approval")}` : undefined),
    measure: "Require two approvals for high-risk changes (cluster policy approvals.high: 2)",
  },
  {
    id: "medium-risk-approvals",
    lead: "a medium-risk change needs no approval",
    find: (p) => (p.approvals.medium < 1 ? "" : undefined),
    measure: "Require an approval for medium-risk changes (cluster policy approvals.medium: 1)",
  },
  {
    id: "drift-report",
    lead: "the drift policy is 'report'",
    find: (p) =>
      p.drift === "report" ? ": a change made by hand on a node stays until someone undoes it" : undefined,
    measure:
      "Set the drift policy to 'restore', so that a change made outside lbguard is replaced by the approved version",
  },
  {
    id: "no-bake-window",
    lead: "the cluster policy sets no bake window",
    find: (p) =>
      p.bakeS === undefined
        ? ": each node watches a new version only as long as its agent's default"
        : undefined,
    measure:
      "Set a bake window in the cluster policy (bakeS) longer than the alert rules' 'for' durations, so that the agent rolls a bad version back before it promotes it",
  },
  {
    id: "gate-overridden",
    lead: "a change the gate blocked went out",
    find: (_, c) =>
      c.gateOverridden
        ? ` on one admin's override${c.approvals === undefined ? "" : ` with ${plural(c.approvals, "approval")}`}`
        : undefined,
    measure:
      "Require a second admin to confirm any override of a blocking gate verdict, after reading the gate's findings with the author",
  },
  {
    id: "unapproved",
    lead: "the change behind the incident had no approval",
    find: (_, c) => (c.approvals === 0 && !c.gateOverridden ? "" : undefined),
    measure: "Route every load-balancer change through review: none is applied without an approval",
  },
];

/**
 * The gaps in a cluster's policy that let an incident like this one happen, as sentences:
 * a single load-balancer node, a drift policy that only reports hand changes, high-risk
 * changes needing fewer than two approvals (medium-risk ones none), no bake window set, and
 * a blocking gate verdict overridden by one admin or a change with no approval at all. Pure.
 */
export function policyGaps(policy: ClusterPolicy, context: PolicyContext): string[] {
  const out: string[] = [];
  for (const gap of GAPS) {
    const rest = gap.find(policy, context);
    if (rest !== undefined) out.push(gap.lead + rest);
  }
  return out;
}

// --- findings ---------------------------------------------------------------------------------

/** The elements the findings of one rule name. */
interface Named {
  backends: string[];
  servers: string[];
  frontends: string[];
}

const some = (kind: string, names: string[], fallback: string) =>
  names.length === 0 ? fallback : `${kind}${names.length === 1 ? "" : "s"} ${listNames(names)}`;
const backends = (n: Named) => some("backend", n.backends, "the backends involved");
const servers = (n: Named) => some("server", n.servers, "the servers involved");
const frontends = (n: Named) => some("frontend", n.frontends, "the frontends involved");

/** What to do about a rule's findings, in the rule's plain meaning. */
const ACTIONS: Record<string, (n: Named) => string> = {
  "backend-without-usable-server": (n) =>
    `Give ${backends(n)} a server that can take traffic, or stop routing to it`,
  "capacity/n-1-overload": (n) =>
    `Add capacity to ${backends(n)}, so that it carries its load with one server down`,
  "capacity/over-capacity": (n) =>
    `Add capacity to ${backends(n)} or move load off it: servers were predicted over their capacity`,
  "capacity/single-point-of-failure": (n) =>
    `Add a second server to ${backends(n)}, so that one server's failure does not leave it empty`,
  "duplicate-server-address": (n) => `Point every server of ${backends(n)} at a machine of its own`,
  "http-backend-tcp-check": (n) =>
    `Check ${backends(n)} over HTTP ('option httpchk GET /health'), so that a server answering errors is taken out`,
  "httpchk-without-check": (n) =>
    `Turn on the health checks of ${backends(n)} ('check' on its server lines), so that they run`,
  "non-web-server-in-pool": (n) =>
    `Take ${servers(n)} out of the web pool, and check every new server line against the inventory`,
  "retries-without-redispatch": (n) =>
    `Add 'option redispatch' to ${backends(n)}, so that a failed connection is retried on another server`,
  "route-always-matches": (n) =>
    `Narrow the routing rule of ${frontends(n)} that matches every request, so that the other backends get their traffic`,
  "server-not-in-inventory": (n) =>
    `Point ${servers(n)} at machines the inventory lists, or add the machines to the inventory`,
  "server-without-health-check": (n) =>
    `Add health checks to ${backends(n)} ('check' on every server line, or 'default-server check'), so that a dead server stops receiving requests`,
  "single-server-backend": (n) =>
    `Add a second server (or a backup) to ${backends(n)}, so that one server's failure does not fail every request`,
  "traffic/no-usable-server": (n) =>
    `Keep a usable server in ${backends(n)} whenever traffic is routed to it`,
  "traffic/non-web-server": (n) =>
    `Take ${servers(n)} out of the web pool, and check every new server line against the inventory`,
  "traffic/unrouted": (n) =>
    `Give ${frontends(n)} a default_backend, so that a request no rule matches is still served`,
  "undefined-backend": (n) => `Define the backends ${frontends(n)} route to, or correct the names`,
  "unreachable-route": (n) => `Fix or remove the routing rules of ${frontends(n)} that can never be taken`,
  "weight-skew": (n) => `Set the weights of ${backends(n)} in proportion to what each server can carry`,
};

/** Listening addresses lost (`plan/bind-removed`, `plan/bind-moved`…) share one action. */
const LISTENER_ACTION = (n: Named) =>
  `Keep ${frontends(n)} listening where clients connect: move or remove a bind line only after its clients have moved`;

/**
 * The backends, servers and frontends a finding's messages name. Check rules quote names
 * (`backend 'web'`) except in `server web/web-01`; the gate's own findings (`capacity/…`,
 * `traffic/…`) write them bare (`backend web`). Bare names are only read for those: in a
 * check's prose a bare word after "backend" is English (`others in the backend do`). A bare
 * name does not end with `.` or `:`, which end clauses there.
 */
function namedIn(messages: string[], bare: boolean): Named {
  const found = { backends: new Set<string>(), servers: new Set<string>(), frontends: new Set<string>() };
  const name = bare
    ? /\b(backend|listen|frontend) '?([\w.:-]*[\w-])'?/g
    : /\b(backend|listen|frontend) '([^']+)'/g;
  for (const message of messages) {
    for (const m of message.matchAll(/\bserver '?([\w.:-]+)\/([\w.:-]*[\w-])'?/g)) {
      found.servers.add(`${m[1]}/${m[2]}`);
      found.backends.add(m[1] ?? "");
    }
    for (const [, kind, named = ""] of message.matchAll(name)) {
      if (kind !== "backend") found.frontends.add(named);
      if (kind !== "frontend") found.backends.add(named);
    }
  }
  return { backends: [...found.backends], servers: [...found.servers], frontends: [...found.frontends] };
}

const SEVERITY_RANK: Record<string, number> = { error: 0, warning: 1, info: 2 };
const KNOWN_RULES = new Set(RULES.map((r) => r.meta.id));

/** A measure before it is written out: what to do, why, and where to read more. */
interface Draft {
  action: string;
  evidence: string[];
  rules: string[];
  source: string;
}

/** One draft per rule, merged when two rules (a check and the gate's) ask for the same action. */
function findingDrafts(findings: readonly MeasureFinding[]): Draft[] {
  const byRule = new Map<string, MeasureFinding[]>();
  for (const f of findings) byRule.set(f.rule, [...(byRule.get(f.rule) ?? []), f]);
  const worst = (list: MeasureFinding[]) => Math.min(...list.map((f) => SEVERITY_RANK[f.severity] ?? 3));
  const byAction = new Map<string, Draft>();
  for (const [rule, list] of [...byRule].sort(([, a], [, b]) => worst(a) - worst(b))) {
    const messages = list.map((f) => f.message);
    const quoted = `${rule}: "${messages[0]}"${messages.length > 1 ? ` and ${messages.length - 1} more` : ""}`;
    const act = ACTIONS[rule] ?? (rule.startsWith("plan/") ? LISTENER_ACTION : undefined);
    const action = act ? act(namedIn(messages, rule.includes("/"))) : `Fix what ${rule} found`;
    const draft = act ? byAction.get(action) : undefined;
    if (draft) {
      draft.evidence.push(quoted);
      draft.rules.push(rule);
      draft.source += `,${rule}`;
    } else {
      byAction.set(act ? action : rule, {
        action,
        evidence: [quoted],
        rules: [rule],
        source: `finding:${rule}`,
      });
    }
  }
  return [...byAction.values()];
}

function gapDrafts(gaps: readonly string[], seen: Set<string>): Draft[] {
  const out: Draft[] = [];
  for (const gap of gaps) {
    const kind = GAPS.find((k) => gap.startsWith(k.lead));
    if (kind && seen.has(kind.id)) continue;
    if (kind) seen.add(kind.id);
    out.push(
      kind
        ? { action: kind.measure, evidence: [gap], rules: [], source: `policy:${kind.id}` }
        : { action: `Close the policy gap: ${gap}`, evidence: [], rules: [], source: "policy" },
    );
  }
  return out;
}

const measureOf = (id: string) => GAPS.find((g) => g.id === id)?.measure ?? "";

/** What the root cause implies, keyed by the gap that asks for the same (skipped when one did). */
function rootCauseDrafts(rootCause: RootCause | undefined, seen: Set<string>): Draft[] {
  if (!rootCause) return [];
  const { change, suspect } = rootCause;
  const out: (Draft & { gap: string })[] = [];
  const add = (gap: string, action: string, evidence: string, what: string) =>
    out.push({ gap, action, evidence: [evidence], rules: [], source: `root-cause:${what}` });
  if (change?.override)
    add(
      "gate-overridden",
      measureOf("gate-overridden"),
      `change ${change.id} went past the gate on the override "${change.override}"`,
      "override",
    );
  if (rootCause.forced)
    add(
      "forced",
      "Keep the gate in every apply: require a written reason and a second person for '--force'",
      `${suspect.summary} went out with the gate skipped`,
      "forced",
    );
  if (suspect.kind === "hand-change")
    add(
      "hand-change",
      "Make load-balancer changes only through lbguard (propose, review, roll out) and restrict write access to the nodes",
      `${suspect.summary} was made by hand${suspect.node ? ` on ${suspect.node}` : ""}`,
      "hand-change",
    );
  if (change && change.reviewers.length === 0 && !change.override)
    add("unapproved", measureOf("unapproved"), `change ${change.id} had no approval`, "unapproved");
  return out.filter((d) => !seen.has(d.gap));
}

// --- the measures -----------------------------------------------------------------------------

/** The measures, and the same as short tasks (the action alone, without the evidence). */
export interface MeasuresAndTasks {
  measures: Measure[];
  tasks: string[];
}

/**
 * The corrective and preventative measures an incident calls for, each with the task it makes:
 * one per distinct finding rule (errors first; two rules asking for the same action share
 * one), saying in the rule's plain meaning what to change where and quoting the finding; one
 * per policy gap; and the ones the root cause implies (a change forced past the gate, a change
 * made by hand, a change nobody approved) unless a policy gap already asked for the same. Pure.
 */
export function measuresAndTasks(
  findings: readonly MeasureFinding[],
  gaps: readonly string[],
  rootCause?: RootCause,
): MeasuresAndTasks {
  const seen = new Set<string>();
  const drafts = [...findingDrafts(findings), ...gapDrafts(gaps, seen), ...rootCauseDrafts(rootCause, seen)];
  return {
    measures: drafts.map((d) => {
      const evidence = d.evidence.length > 0 ? ` (${d.evidence.join("; ")})` : "";
      const docs = d.rules.filter((r) => KNOWN_RULES.has(r)).map((r) => ` See ${ruleDocPath(r)}.`);
      return { text: `${d.action}${evidence}.${docs.join("")}`, source: d.source };
    }),
    tasks: drafts.map((d) => `${d.action}.`),
  };
}

/** The corrective and preventative measures alone; see `measuresAndTasks`. Pure. */
export function correctiveMeasures(
  findings: readonly MeasureFinding[],
  gaps: readonly string[],
  rootCause?: RootCause,
): Measure[] {
  return measuresAndTasks(findings, gaps, rootCause).measures;
}
