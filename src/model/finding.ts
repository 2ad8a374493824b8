import type { Severity } from "./severity.js";
import type { SourceSpan } from "./span.js";

/** Who produced a finding: a rule, the parser, or HAProxy's own `haproxy -c`. */
export type FindingSource = "lbguard" | "parser" | "haproxy";

/**
 * One problem to show a person. Findings are data: tools and tests read the rule id, message id,
 * data and span; `message` and `hint` are rendered from the rule's templates for display.
 */
export interface Finding {
  ruleId: string;
  messageId: string;
  data: Record<string, string | number>;
  severity: Severity;
  message: string;
  /** What to do about it. */
  hint: string;
  span: SourceSpan;
  source: FindingSource;
  /** Other places that explain the finding (the rule that shadows, the first duplicate, ...). */
  related?: { message: string; span: SourceSpan }[];
}
