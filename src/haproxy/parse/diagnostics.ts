import type { Diagnostic } from "../../model/diagnostic.js";
import type { Severity } from "../../model/severity.js";
import type { SourceSpan } from "../../model/span.js";

/** Collects diagnostics while a configuration is read. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];

  add(severity: Severity, code: string, span: SourceSpan, message: string, hint: string): void {
    this.list.push({ code, severity, message, hint, span });
  }

  error(code: string, span: SourceSpan, message: string, hint: string): void {
    this.add("error", code, span, message, hint);
  }

  warning(code: string, span: SourceSpan, message: string, hint: string): void {
    this.add("warning", code, span, message, hint);
  }
}
