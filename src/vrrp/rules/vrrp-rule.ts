import type { Config } from "../../model/config.js";
import type { SourceSpan } from "../../model/span.js";
import type { Report, RuleMeta } from "../../rules/rule.js";
import type { VrrpPair, VrrpPairSource } from "../pair.js";

/** What a pair rule is: the same fields as a configuration rule's, plus whether it needs the HAProxy model. */
export interface VrrpRuleMeta extends Pick<
  RuleMeta,
  "id" | "severity" | "description" | "messages" | "hints"
> {
  /** True for rules that compare the pair with the HAProxy configuration; skipped without one. */
  needsConfig?: boolean;
}

/** Everything a pair rule may read. */
export interface VrrpRuleContext {
  pair: VrrpPair;
  /** Where each part of the pair was written. */
  source: VrrpPairSource;
  /** The nodes' HAProxy configuration, when the caller has it. */
  config?: Config;
  report(report: Report): void;
}

export interface VrrpRule {
  meta: VrrpRuleMeta;
  check(context: VrrpRuleContext): void;
}

/** Declares a pair rule; exists so rule files get full type checking. */
export function defineVrrpRule(rule: VrrpRule): VrrpRule {
  return rule;
}

/** A span at the start of `file`, for pairs that were not read from a file. */
export function startOf(file: string): SourceSpan {
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1 };
}
