import type { Config } from "../../model/config.js";
import type { Finding } from "../../model/finding.js";
import { renderTemplate, type Report } from "../../rules/rule.js";
import type { VrrpPair, VrrpPairSource } from "../pair.js";
import { VRRP_RULES } from "./index.js";
import { startOf } from "./vrrp-rule.js";

/**
 * Runs every pair rule: alone, or against the nodes' HAProxy configuration when `config` is
 * given (rules marked needsConfig run only then). `source` places findings in the pair file; a
 * pair built in code gets spans at the start of a file named `pair`.
 */
export function checkVrrpPair(pair: VrrpPair, config?: Config, source?: VrrpPairSource): Finding[] {
  const placed = source ?? unplaced();
  const findings: Finding[] = [];
  for (const rule of VRRP_RULES) {
    if (rule.meta.needsConfig && !config) continue;
    const report = (r: Report) => {
      const data = r.data ?? {};
      const template = rule.meta.messages[r.messageId];
      if (template === undefined) throw new Error(`rule ${rule.meta.id} has no message '${r.messageId}'`);
      findings.push({
        ruleId: rule.meta.id,
        messageId: r.messageId,
        data,
        severity: r.severity ?? rule.meta.severity,
        message: renderTemplate(template, data),
        hint: renderTemplate(rule.meta.hints[r.messageId] ?? "", data),
        span: r.span,
        source: "lbguard",
        ...(r.related ? { related: r.related } : {}),
      });
    };
    rule.check({ pair, source: placed, ...(config ? { config } : {}), report });
  }
  return findings;
}

function unplaced(): VrrpPairSource {
  const span = startOf("pair");
  return { file: "pair", document: span, vip: span, checkUrl: span, nodeNames: [], nodePriorities: [] };
}
