import { parseConfig, type SourceFile } from "../haproxy/parse/index.js";
import type { Environment } from "../haproxy/parse/lex-line.js";
import type { Inventory } from "../inventory/inventory.js";
import type { Config } from "../model/config.js";
import type { Diagnostic } from "../model/diagnostic.js";
import type { Finding } from "../model/finding.js";
import { severityRank } from "../model/severity.js";
import { runRules } from "../rules/run-rules.js";

export interface CheckOptions {
  inventory?: Inventory;
  env?: Environment;
  /** Rule ids to leave out. */
  disable?: readonly string[];
}

export interface CheckResult {
  model: Config;
  findings: Finding[];
}

/** The rule id under which a parser diagnostic is reported, e.g. `parse/removed-keyword`. */
export function parserRuleId(code: string): string {
  return `parse/${code}`;
}

/** Turns a parser diagnostic into a finding. */
export function diagnosticToFinding(diagnostic: Diagnostic): Finding {
  return {
    ruleId: parserRuleId(diagnostic.code),
    messageId: diagnostic.code,
    data: {},
    severity: diagnostic.severity,
    message: diagnostic.message,
    hint: diagnostic.hint,
    span: diagnostic.span,
    source: "parser",
  };
}

/**
 * Parses a configuration and runs every rule over it. Pure: the caller reads the files and the
 * inventory and passes the environment.
 */
export function checkConfig(files: SourceFile[], options: CheckOptions = {}): CheckResult {
  const { model, diagnostics } = parseConfig(files, options.env ? { env: options.env } : {});
  const findings = [
    ...diagnostics.map(diagnosticToFinding),
    ...runRules(model, {
      ...(options.inventory ? { inventory: options.inventory } : {}),
      ...(options.disable ? { disable: options.disable } : {}),
    }),
  ];
  return { model, findings: sortFindings(findings, model.files) };
}

/** Orders findings by file (in reading order), line, column, then most serious first. */
export function sortFindings(findings: Finding[], files: readonly string[]): Finding[] {
  const fileOrder = new Map(files.map((f, i) => [f, i]));
  return [...findings].sort(
    (a, b) =>
      (fileOrder.get(a.span.file) ?? files.length) - (fileOrder.get(b.span.file) ?? files.length) ||
      a.span.file.localeCompare(b.span.file) ||
      a.span.line - b.span.line ||
      a.span.column - b.span.column ||
      severityRank(b.severity) - severityRank(a.severity),
  );
}
