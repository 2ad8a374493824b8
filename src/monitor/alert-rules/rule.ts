import type { RecordedEvent } from "../../incidents/types.js";
import type { ClusterView } from "../cluster-view.js";
import type { AlertCondition, AlertKind, AlertLabels, AlertRule, AlertSeverity } from "../types.js";

/** A parameter of an alert rule kind: its default and what it changes. */
export interface AlertParam {
  default: number;
  description: string;
  /** The highest value that makes sense, when there is one (a fraction: 1). */
  max?: number;
}

/**
 * What a kind of alert rule is, independent of any rule written with it. Parameters whose name
 * ends in `S` are seconds, and the rules file accepts durations (`30s`, `2m`) for them.
 */
export interface AlertRuleMeta {
  kind: AlertKind;
  /** One paragraph: what the rule watches and when it is true. */
  description: string;
  /** The unit of the conditions' value and threshold. */
  unit: string;
  defaultSeverity: AlertSeverity;
  /** Seconds a condition must hold before the alert fires, unless the rule says otherwise. */
  defaultForS: number;
  params: Record<string, AlertParam>;
}

/** One kind of alert rule: what it is, and the conditions it finds true in a cluster now. */
export interface AlertRuleKind {
  meta: AlertRuleMeta;
  evaluate(view: ClusterView, rule: AlertRule): AlertCondition[];
}

/** The rule's parameters over the kind's defaults, so a rule built by hand may leave some out. */
export function paramsOf(meta: AlertRuleMeta, rule: AlertRule): Record<string, number> {
  const params: Record<string, number> = {};
  for (const [name, param] of Object.entries(meta.params)) params[name] = rule.params[name] ?? param.default;
  return params;
}

/** How a condition names its subject in a summary: `backend web on lb-1`. */
export function subjectOf(labels: AlertLabels): string {
  const where = labels.node === undefined ? "" : ` on ${labels.node}`;
  if (labels.server !== undefined) return `server ${labels.backend ?? "?"}/${labels.server}${where}`;
  if (labels.backend !== undefined) return `backend ${labels.backend}${where}`;
  if (labels.frontend !== undefined) return `frontend ${labels.frontend}${where}`;
  return labels.node === undefined ? "the cluster" : `node ${labels.node}`;
}

/** A figure with one decimal, e.g. `42.0`. */
export const fixed = (n: number): string => n.toFixed(1);

/** Seconds as written in summaries: `30 s`, `0.5 s`. */
export const seconds = (s: number): string => `${Number(s.toFixed(2))} s`;

/** The node named by an event's subject, `node:CLUSTER/NODE` (or `node:NODE`). */
export function nodeOf(event: RecordedEvent): string | undefined {
  if (event.subject === undefined || !event.subject.startsWith("node:")) return undefined;
  const id = event.subject.slice("node:".length);
  return id.slice(id.lastIndexOf("/") + 1) || undefined;
}

/**
 * One condition per node for the latest event `describe` names within the last `holdS` seconds:
 * the shape of the rules that mark something a node did (took a change, rolled one back). At the
 * same instant, an event `preferred` says more wins.
 */
export function latestPerNode(
  view: ClusterView,
  holdS: number,
  describe: (event: RecordedEvent) => string | undefined,
  preferred: (event: RecordedEvent) => boolean = () => true,
): AlertCondition[] {
  const latest = new Map<string, { labels: AlertLabels; at: number; what: string }>();
  for (const event of view.events) {
    const what = describe(event);
    const at = Date.parse(event.at);
    if (what === undefined || Number.isNaN(at) || view.now - at >= holdS * 1000) continue;
    const node = nodeOf(event);
    const key = node ?? "";
    const seen = latest.get(key);
    if (seen === undefined || at > seen.at || (at === seen.at && preferred(event))) {
      latest.set(key, { labels: node === undefined ? {} : { node }, at, what });
    }
  }
  return [...latest.values()].map(({ labels, at, what }) => {
    const ago = Math.max(0, (view.now - at) / 1000);
    return {
      labels,
      value: ago,
      threshold: holdS,
      unit: "s",
      summary: `${subjectOf(labels)} ${what} ${seconds(Math.round(ago))} ago.`,
    };
  });
}
