import type { Inventory } from "../inventory/inventory.js";
import type { Config } from "../model/config.js";
import type { Finding } from "../model/finding.js";
import { isBackend, isFrontend } from "../model/proxy.js";
import type { Severity } from "../model/severity.js";
import { indexConfig } from "./config-index.js";
import { RULES } from "./index.js";
import { type Report, type Rule, type RuleVisitors, renderTemplate } from "./rule.js";

export interface RunOptions {
  inventory?: Inventory;
  /** Rules to run; all registered rules by default. */
  rules?: readonly Rule[];
  /** Rule ids to leave out. */
  disable?: readonly string[];
  /** Per-rule option overrides, by rule id. */
  ruleOptions?: Record<string, Record<string, number | string | boolean>>;
  /** Per-rule severity overrides, by rule id. */
  severity?: Record<string, Severity>;
}

/**
 * Runs the rules over a configuration: each rule subscribes to model elements, the engine walks
 * the model once and dispatches, and every report becomes a finding with rendered text.
 */
export function runRules(config: Config, options: RunOptions = {}): Finding[] {
  const index = indexConfig(config);
  const findings: Finding[] = [];
  const disabled = new Set(options.disable ?? []);
  const active = (options.rules ?? RULES).filter(
    (rule) => !disabled.has(rule.meta.id) && (!rule.meta.needsInventory || options.inventory),
  );
  const visitors: RuleVisitors[] = active.map((rule) => {
    const defaults = Object.fromEntries(
      Object.entries(rule.meta.options ?? {}).map(([k, o]) => [k, o.default]),
    );
    const ruleOptions = { ...defaults, ...(options.ruleOptions?.[rule.meta.id] ?? {}) };
    const overridden = options.severity?.[rule.meta.id];
    const context = {
      config,
      index,
      options: ruleOptions,
      report(report: Report) {
        const data = report.data ?? {};
        const template = rule.meta.messages[report.messageId];
        if (template === undefined)
          throw new Error(`rule ${rule.meta.id} has no message '${report.messageId}'`);
        const finding: Finding = {
          ruleId: rule.meta.id,
          messageId: report.messageId,
          data,
          severity: overridden ?? report.severity ?? rule.meta.severity,
          message: renderTemplate(template, data),
          hint: renderTemplate(rule.meta.hints[report.messageId] ?? "", data),
          span: report.span,
          source: "lbguard",
        };
        if (report.related) finding.related = report.related;
        findings.push(finding);
      },
      ...(options.inventory ? { inventory: options.inventory } : {}),
    };
    return rule.create(context);
  });

  const each = <K extends keyof RuleVisitors>(key: K, call: (v: NonNullable<RuleVisitors[K]>) => void) => {
    for (const v of visitors) {
      const fn = v[key];
      if (fn) call(fn as NonNullable<RuleVisitors[K]>);
    }
  };

  each("config", (fn) => fn(config));
  each("global", (fn) => fn(config.global));
  for (const section of config.defaults) each("defaults", (fn) => fn(section));
  for (const proxy of config.proxies) {
    const isFront = isFrontend(proxy);
    const isBack = isBackend(proxy);
    if (isFront) {
      each("frontend", (fn) => fn(proxy));
      for (const bind of proxy.binds) each("bind", (fn) => fn(bind, proxy));
      proxy.routes.forEach((route, position) => {
        each("route", (fn) => fn(route, proxy, position));
      });
    }
    if (isBack) {
      each("backend", (fn) => fn(proxy));
      for (const server of proxy.servers) each("server", (fn) => fn(server, proxy));
    }
    for (const acl of proxy.acls) each("acl", (fn) => fn(acl, proxy));
  }
  return findings;
}
