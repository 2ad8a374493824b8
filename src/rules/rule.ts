import type { Inventory } from "../inventory/inventory.js";
import type { Acl } from "../model/condition.js";
import type { Config, Global } from "../model/config.js";
import type { Bind, Proxy, Route } from "../model/proxy.js";
import type { Server } from "../model/server.js";
import type { Severity } from "../model/severity.js";
import type { SourceSpan } from "../model/span.js";
import type { ConfigIndex } from "./config-index.js";

/** A rule option: its default and what it changes. */
export interface RuleOption {
  default: number | string | boolean;
  description: string;
}

/** What a rule is, independent of any configuration. */
export interface RuleMeta {
  /** kebab-case, also the name of the rule's file and of its doc page. */
  id: string;
  severity: Severity;
  /** One line: what the rule catches. */
  description: string;
  /** Message templates by message id; `{name}` is replaced by the finding's data. */
  messages: Record<string, string>;
  /** Fix hints by message id, same placeholders. Every message has one. */
  hints: Record<string, string>;
  options?: Record<string, RuleOption>;
  /** True for rules that only run with an inventory (`--inventory`). */
  needsInventory?: boolean;
}

/** What a rule reports; the engine fills in rule id, rendered text and source. */
export interface Report {
  messageId: string;
  data?: Record<string, string | number>;
  span: SourceSpan;
  /** Overrides the rule's default severity for this finding. */
  severity?: Severity;
  related?: { message: string; span: SourceSpan }[];
}

/** Everything a rule may read while checking one configuration. */
export interface RuleContext {
  config: Config;
  index: ConfigIndex;
  inventory?: Inventory;
  /** The rule's options with defaults applied. */
  options: Record<string, number | string | boolean>;
  report(report: Report): void;
}

/**
 * Model elements a rule can subscribe to. The engine walks the model once and calls each
 * subscriber with the element and its context; rules never walk the model themselves.
 */
export interface RuleVisitors {
  config?(config: Config): void;
  global?(global: Global): void;
  defaults?(section: Proxy): void;
  /** Frontends and listen sections. */
  frontend?(proxy: Proxy): void;
  /** Backends and listen sections. */
  backend?(proxy: Proxy): void;
  server?(server: Server, backend: Proxy): void;
  bind?(bind: Bind, frontend: Proxy): void;
  acl?(acl: Acl, proxy: Proxy): void;
  /** `use_backend` rules, with their position among the frontend's routes. */
  route?(route: Route, frontend: Proxy, position: number): void;
}

export interface Rule {
  meta: RuleMeta;
  create(context: RuleContext): RuleVisitors;
}

/** Declares a rule; exists so rule files get full type checking of meta and visitors. */
export function defineRule(rule: Rule): Rule {
  return rule;
}

/** Where a rule's documentation lives, relative to the package root. */
export function ruleDocPath(id: string): string {
  return `docs/rules/${id}.md`;
}

/** Replaces `{name}` placeholders with values from `data`. */
export function renderTemplate(template: string, data: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in data ? String(data[key]) : whole));
}
