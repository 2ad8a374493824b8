import type { Diagnostic } from "../../model/diagnostic.js";
import type { Severity } from "../../model/severity.js";
import type { SourceSpan } from "../../model/span.js";
import type { DiagnosticCode } from "./diagnostic-codes.js";

/** Collects diagnostics while a configuration is read. */
export class Diagnostics {
  readonly list: Diagnostic[] = [];

  add(severity: Severity, code: DiagnosticCode, span: SourceSpan, message: string, hint: string): void {
    this.list.push({ code, severity, message, hint, span });
  }

  error(code: DiagnosticCode, span: SourceSpan, message: string, hint: string): void {
    this.add("error", code, span, message, hint);
  }

  warning(code: DiagnosticCode, span: SourceSpan, message: string, hint: string): void {
    this.add("warning", code, span, message, hint);
  }
}
