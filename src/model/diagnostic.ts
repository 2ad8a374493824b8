import type { Severity } from "./severity.js";
import type { SourceSpan } from "./span.js";

/**
 * A problem a parser found in the text itself. Diagnostics never stop parsing: the model is
 * still built from everything that could be read.
 */
export interface Diagnostic {
  /** Stable kebab-case code, e.g. `removed-keyword`; documented in docs/diagnostics.md. */
  code: string;
  severity: Severity;
  /** What is wrong, in one sentence. */
  message: string;
  /** What to do about it. */
  hint: string;
  span: SourceSpan;
}
