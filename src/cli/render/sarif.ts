import { isAbsolute } from "node:path";
import type { Finding } from "../../model/finding.js";
import type { Severity } from "../../model/severity.js";
import type { RuleMeta } from "../../rules/rule.js";

const LEVEL: Record<Severity, string> = { error: "error", warning: "warning", info: "note" };

export interface SarifInput {
  version: string;
  findings: Finding[];
  /** Metadata of every rule that could report, so viewers can show descriptions and help. */
  rules: readonly RuleMeta[];
  /** Doc page text by rule id, for the `help` of each rule. */
  docs: ReadonlyMap<string, string>;
}

/**
 * Renders findings as a SARIF 2.1.0 log in the shape GitHub code scanning accepts: one run, the
 * rules that produced results in `tool.driver.rules`, relative paths against %SRCROOT%.
 */
export function renderSarif(input: SarifInput): string {
  const ids = [...new Set(input.findings.map((f) => f.ruleId))].sort();
  const metaById = new Map(input.rules.map((r) => [r.id, r]));
  const rules = ids.map((id) => {
    const meta = metaById.get(id);
    const doc = input.docs.get(id);
    const first = input.findings.find((f) => f.ruleId === id) as Finding;
    const rule: Record<string, unknown> = {
      id,
      name: id.replace(/[/-](\w)/g, (_, c: string) => c.toUpperCase()),
      shortDescription: { text: meta?.description ?? describeExternal(first) },
      defaultConfiguration: { level: LEVEL[meta?.severity ?? first.severity] },
      properties: { tags: [first.source === "lbguard" ? "lbguard" : first.source] },
    };
    if (doc) rule.help = { text: doc, markdown: doc };
    return rule;
  });
  const ruleIndex = new Map(ids.map((id, i) => [id, i]));
  const results = input.findings.map((f) => {
    const result: Record<string, unknown> = {
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId),
      level: LEVEL[f.severity],
      message: { text: `${f.message}. ${f.hint}` },
      locations: [location(f.span)],
    };
    if (f.related?.length) {
      result.relatedLocations = f.related.map((r, i) => ({
        id: i + 1,
        ...location(r.span),
        message: { text: r.message },
      }));
    }
    return result;
  });
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "lbguard", version: input.version, semanticVersion: input.version, rules } },
        results,
        columnKind: "utf16CodeUnits",
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function location(span: Finding["span"]) {
  const artifactLocation: Record<string, string> = { uri: toUri(span.file) };
  if (!isAbsolute(span.file)) artifactLocation.uriBaseId = "%SRCROOT%";
  return {
    physicalLocation: {
      artifactLocation,
      region: {
        startLine: span.line,
        startColumn: span.column,
        endLine: span.endLine,
        endColumn: Math.max(span.endColumn, span.column + 1),
      },
    },
  };
}

function toUri(path: string): string {
  const normal = path.replace(/\\/g, "/").replace(/^\.\//, "");
  return isAbsolute(normal) ? `file://${encodeURI(normal)}` : encodeURI(normal);
}

function describeExternal(finding: Finding): string {
  if (finding.source === "haproxy") return `Reported by haproxy -c (${finding.severity}).`;
  return `Reported by the HAProxy configuration parser: ${finding.messageId}.`;
}
