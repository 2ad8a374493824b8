import { readText } from "../read-text.js";
import { isMap, isScalar, isSeq, type Node, type YAMLMap } from "yaml";
import { YamlReader } from "../yaml-reader.js";
import { ALERT_RULE_KINDS, alertRuleKind } from "./alert-rules/index.js";
import type { AlertRuleMeta } from "./alert-rules/rule.js";
import {
  ALERT_KINDS,
  ALERT_SEVERITIES,
  type AlertConfig,
  type AlertKind,
  type AlertRule,
  type AlertSeverity,
  type Receiver,
} from "./types.js";

/** The rule a kind ships as: named after the kind, its default severity, wait and parameters. */
function shippedRule(meta: AlertRuleMeta): AlertRule {
  const params: Record<string, number> = {};
  for (const [name, param] of Object.entries(meta.params)) params[name] = param.default;
  return {
    name: meta.kind,
    kind: meta.kind,
    severity: meta.defaultSeverity,
    forS: meta.defaultForS,
    params,
    enabled: true,
  };
}

/** The rules in force when no rules file says otherwise: one per kind, named after it. */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = Object.freeze(
  ALERT_RULE_KINDS.map((kind) => Object.freeze(shippedRule(kind.meta))),
);

const TOP_KEYS = ["rules", "receivers"];
const RULE_KEYS = ["name", "kind", "severity", "for", "params", "enabled"];
const RECEIVER_KEYS = ["name", "url", "format", "min_severity"];
const FORMATS = ["generic", "slack"] as const;
const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/;
const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600 };

/**
 * Seconds from a duration as a rules file writes it: `10s`, `2m`, `1h`, or a bare number of
 * seconds; undefined when it is none of these.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const match = DURATION.exec(value.trim());
  if (match === null) return undefined;
  return Number(match[1]) * (UNIT_S[match[2] ?? "s"] ?? 1);
}

/**
 * Reads an alert rules file's text and lays it over the shipped rules: an entry named like a
 * shipped rule changes that rule (its severity, wait, parameters, or switches it off), any other
 * name adds a rule of the `kind` it gives. Receivers come from the file only. An empty file is
 * the shipped rules. Throws LBG_BAD_ALERT_RULES naming the file and line of every problem.
 */
export function parseAlertConfig(text: string, file: string): AlertConfig {
  const reader = new YamlReader(text, file);
  const rules = DEFAULT_ALERT_RULES.map((rule) => ({ ...rule, params: { ...rule.params } }));
  const receivers: Receiver[] = [];
  const root = reader.root;
  if (reader.problems.length === 0 && root !== null && !isMap(root))
    reader.problem(root, "an alert rules file is a mapping with 'rules:' and 'receivers:' lists");
  if (reader.problems.length === 0 && isMap(root)) {
    reader.unknownKeys(root, TOP_KEYS, "the rules file");
    for (const item of listOf(reader, root, "rules")) {
      const rule = readRule(reader, item, file, rules);
      if (rule === undefined) continue;
      const at = rules.findIndex((r) => r.name === rule.name);
      if (at >= 0) rules[at] = rule;
      else rules.push(rule);
    }
    const names = new Set<string>();
    for (const item of listOf(reader, root, "receivers")) {
      const receiver = readReceiver(reader, item, names);
      if (receiver !== undefined) receivers.push(receiver);
    }
  }
  if (reader.problems.length > 0) throw reader.failure("LBG_BAD_ALERT_RULES");
  return { rules, receivers };
}

/** Reads and parses an alert rules file; LBG_UNREADABLE_INPUT when it cannot be read. */
export async function readAlertConfig(path: string): Promise<AlertConfig> {
  return parseAlertConfig(await readText(path), path);
}

/** The mappings of a top-level list; an absent or empty list is no entries. */
function listOf(reader: YamlReader, root: YAMLMap, key: string): YAMLMap[] {
  const { node, value } = reader.field(root, key);
  if (node === undefined || value === null) return [];
  if (!isSeq(node)) {
    reader.problem(node, `'${key}' must be a list of entries, each starting with '- name:'`);
    return [];
  }
  const maps: YAMLMap[] = [];
  for (const item of node.items) {
    if (isMap(item)) maps.push(item);
    else reader.problem(item as Node, `each entry of '${key}' must be a mapping starting with 'name:'`);
  }
  return maps;
}

/**
 * One entry of `rules:`, merged over the shipped or earlier rule of its name; undefined when it
 * has a problem. `rules` holds what is known so far, to catch a name given twice.
 */
function readRule(
  reader: YamlReader,
  item: YAMLMap,
  file: string,
  rules: AlertRule[],
): AlertRule | undefined {
  const before = reader.problems.length;
  reader.unknownKeys(item, RULE_KEYS, "a rule");
  const name = readName(reader, item, "rule");
  if (name === undefined) return undefined;
  const existing = rules.find((r) => r.name === name);
  if (existing?.source !== undefined) {
    reader.problem(
      item.get("name", true) as Node,
      `the rule '${name}' is also written at line ${existing.source.line}; keep one`,
    );
    return undefined;
  }

  const kindField = reader.field(item, "kind");
  let kind: AlertKind | undefined = existing?.kind;
  if (kindField.node !== undefined) {
    const given = kindField.value;
    if (!ALERT_KINDS.includes(given as AlertKind))
      reader.problem(
        kindField.node,
        `unknown rule kind '${String(given)}'; the kinds are ${ALERT_KINDS.join(", ")}`,
      );
    else if (existing !== undefined && given !== existing.kind)
      reader.problem(
        kindField.node,
        `'${name}' is the name of the shipped ${existing.kind} rule; give a rule of kind ${String(given)} another name`,
      );
    else kind = given as AlertKind;
  } else if (existing === undefined) {
    reader.problem(
      item.get("name", true) as Node,
      `the rule '${name}' needs 'kind:' (one of ${ALERT_KINDS.join(", ")}), since no shipped rule has that name`,
    );
  }
  const fields = readRuleFields(reader, item);
  if (kind === undefined) return undefined;
  const meta = alertRuleKind(kind).meta;
  const rule: AlertRule = existing
    ? { ...existing, params: { ...existing.params } }
    : { ...shippedRule(meta), name };
  Object.assign(rule, fields, { source: { file, line: reader.line(item) } });
  readParams(reader, item, meta, rule);
  return reader.problems.length === before ? rule : undefined;
}

/** The severity, wait and switch an entry sets, whatever its kind. */
function readRuleFields(reader: YamlReader, item: YAMLMap): Partial<AlertRule> {
  const fields: Partial<AlertRule> = {};
  const severity = reader.field(item, "severity");
  if (severity.node !== undefined) {
    if (ALERT_SEVERITIES.includes(severity.value as AlertSeverity))
      fields.severity = severity.value as AlertSeverity;
    else
      reader.problem(
        severity.node,
        `'severity' must be one of ${ALERT_SEVERITIES.join(", ")}, not '${String(severity.value)}'`,
      );
  }
  const forField = reader.field(item, "for");
  if (forField.node !== undefined) {
    const forS = parseDuration(forField.value);
    if (forS !== undefined) fields.forS = forS;
    else
      reader.problem(
        forField.node,
        `'for' must be a duration such as 10s, 2m or a number of seconds, not '${String(forField.value)}'`,
      );
  }
  const enabled = reader.field(item, "enabled");
  if (enabled.node !== undefined) {
    if (typeof enabled.value === "boolean") fields.enabled = enabled.value;
    else reader.problem(enabled.node, "'enabled' must be true or false");
  }
  return fields;
}

function readParams(reader: YamlReader, item: YAMLMap, meta: AlertRuleMeta, rule: AlertRule): void {
  const { node, value } = reader.field(item, "params");
  if (node === undefined || value === null) return;
  const names = Object.keys(meta.params);
  if (!isMap(node)) {
    reader.problem(node, `'params' must be a mapping, e.g. 'params: { ${names[0] ?? "name"}: 10 }'`);
    return;
  }
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    const param = meta.params[key];
    if (param === undefined) {
      reader.problem(
        pair.key as Node,
        names.length === 0
          ? `kind ${meta.kind} takes no parameters; remove '${key}'`
          : `kind ${meta.kind} has no parameter '${key}'; its parameters are ${names.join(", ")}`,
      );
      continue;
    }
    const raw = isScalar(pair.value) ? pair.value.value : pair.value;
    const valueNode = (pair.value as Node | null) ?? (pair.key as Node);
    const seconds = key.endsWith("S");
    const number = seconds ? parseDuration(raw) : typeof raw === "number" ? raw : undefined;
    if (number === undefined || !Number.isFinite(number) || number < 0) {
      reader.problem(
        valueNode,
        seconds
          ? `'${key}' must be a duration such as ${param.default}s or 2m, not '${String(raw)}'`
          : `'${key}' must be a number of 0 or more, e.g. ${param.default}, not '${String(raw)}'`,
      );
    } else if (seconds && number === 0) {
      reader.problem(valueNode, `'${key}' must be longer than 0 seconds`);
    } else if (param.max !== undefined && number > param.max) {
      reader.problem(valueNode, `'${key}' must be at most ${param.max}, not ${number}`);
    } else rule.params[key] = number;
  }
}

function readReceiver(reader: YamlReader, item: YAMLMap, names: Set<string>): Receiver | undefined {
  const before = reader.problems.length;
  reader.unknownKeys(item, RECEIVER_KEYS, "a receiver");
  const name = readName(reader, item, "receiver");
  if (name !== undefined && names.has(name))
    reader.problem(item.get("name", true) as Node, `the receiver '${name}' is written twice; keep one`);
  if (name !== undefined) names.add(name);

  const url = reader.field(item, "url");
  if (url.node === undefined) reader.problem(item, "a receiver needs 'url:', the webhook to post to");
  else if (!isHttpUrl(url.value))
    reader.problem(url.node, `'url' must be an http or https URL, not '${String(url.value)}'`);

  const format = reader.field(item, "format");
  if (format.node !== undefined && !FORMATS.includes(format.value as Receiver["format"]))
    reader.problem(format.node, `'format' must be ${FORMATS.join(" or ")}, not '${String(format.value)}'`);

  const minSeverity = reader.field(item, "min_severity");
  if (minSeverity.node !== undefined && !ALERT_SEVERITIES.includes(minSeverity.value as AlertSeverity))
    reader.problem(
      minSeverity.node,
      `'min_severity' must be one of ${ALERT_SEVERITIES.join(", ")}, not '${String(minSeverity.value)}'`,
    );

  if (reader.problems.length > before || name === undefined) return undefined;
  return {
    name,
    url: String(url.value),
    format: (format.value as Receiver["format"] | undefined) ?? "generic",
    minSeverity: (minSeverity.value as AlertSeverity | undefined) ?? "warning",
  };
}

/** The entry's kebab-case `name:`, or undefined with a problem. */
function readName(reader: YamlReader, item: YAMLMap, what: string): string | undefined {
  const { node, value } = reader.field(item, "name");
  if (typeof value === "string" && NAME.test(value)) return value;
  if (node === undefined) reader.problem(item, `a ${what} needs 'name:'`);
  else
    reader.problem(
      node,
      `a ${what}'s name must be kebab-case (lower-case letters, digits and dashes), not '${String(value)}'`,
    );
  return undefined;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}
