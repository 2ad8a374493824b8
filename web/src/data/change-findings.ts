// A change's findings as a reviewer reads them: grouped by severity, most serious first, each
// with where it is and why its rule matters. Pure.
import type { RuleExplanation } from "../../../src/control/api-types.js";
import type { GateFinding } from "../../../src/gate/gate.js";
import type { Severity } from "../../../src/model/severity.js";
import { formatSpan } from "../../../src/model/span.js";

export interface ExplainedFinding extends GateFinding {
  /** `file:line:column`, when the finding points at a line. */
  where?: string;
  explanation?: RuleExplanation;
}

export interface FindingGroup {
  severity: Severity;
  /** The group's heading: what findings of this severity do to the change. */
  title: string;
  findings: ExplainedFinding[];
}

const GROUP_TITLES: Record<Severity, string> = {
  error: "Blocking",
  warning: "Warnings",
  info: "Notes",
};

const ORDER: readonly Severity[] = ["error", "warning", "info"];

/** The explanation of a rule id: its own, else its family's (`parse/*` for `parse/bad-number`). */
export function explanationFor(
  rule: string,
  explanations: readonly RuleExplanation[],
): RuleExplanation | undefined {
  const exact = explanations.find((e) => e.id === rule);
  if (exact) return exact;
  return explanations.find((e) => e.id.endsWith("/*") && rule.startsWith(e.id.slice(0, -1)));
}

/**
 * The findings in groups by severity (errors, then warnings, then notes; empty groups left
 * out), in the order the gate gave them within a group.
 */
export function groupFindings(
  findings: readonly GateFinding[],
  explanations: readonly RuleExplanation[],
): FindingGroup[] {
  return ORDER.map((severity) => ({
    severity,
    title: GROUP_TITLES[severity],
    findings: findings
      .filter((f) => f.severity === severity)
      .map((f): ExplainedFinding => {
        const explanation = explanationFor(f.rule, explanations);
        return {
          ...f,
          ...(f.span ? { where: formatSpan(f.span) } : {}),
          ...(explanation ? { explanation } : {}),
        };
      }),
  })).filter((group) => group.findings.length > 0);
}
