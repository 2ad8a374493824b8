import type { Finding } from "../../model/finding.js";
import type { Severity } from "../../model/severity.js";
import { formatSpan } from "../../model/span.js";
import { painter, type Style } from "./paint.js";

export interface TextInput {
  findings: Finding[];
  /** File contents by path, for code excerpts. */
  sources: ReadonlyMap<string, string>;
  /** First sentence of each rule's "Why it matters", by rule id. */
  why: ReadonlyMap<string, string>;
  color: boolean;
  /** One line about `haproxy -c` (ran, absent, skipped). */
  haproxyNote?: string;
}

const SEVERITY_STYLE: Record<Severity, Style> = { error: "red", warning: "yellow", info: "blue" };

/**
 * Renders findings for a terminal: place, severity, message and rule; the source line with the
 * span underlined; why it matters and how to fix it; then a summary line.
 */
export function renderText(input: TextInput): string {
  const paint = painter(input.color);
  const lines: string[] = [];
  const splitCache = new Map<string, string[]>();
  const sourceLines = (file: string) => {
    let cached = splitCache.get(file);
    if (!cached) {
      cached = (input.sources.get(file) ?? "").split("\n");
      splitCache.set(file, cached);
    }
    return cached;
  };

  for (const f of input.findings) {
    lines.push(
      `${paint("bold", formatSpan(f.span))}  ${paint(SEVERITY_STYLE[f.severity], f.severity)}  ${f.message}  ${paint("dim", f.ruleId)}`,
    );
    const text = sourceLines(f.span.file)[f.span.line - 1];
    if (text !== undefined) {
      const gutter = String(f.span.line);
      const shown = text.replace(/\t/g, " ");
      lines.push(paint("dim", `  ${gutter} | `) + shown);
      const width =
        f.span.endLine === f.span.line
          ? Math.max(1, f.span.endColumn - f.span.column)
          : Math.max(1, shown.length - f.span.column + 1);
      lines.push(
        `${paint("dim", `  ${" ".repeat(gutter.length)} | `)}${" ".repeat(f.span.column - 1)}${paint(SEVERITY_STYLE[f.severity], "^".repeat(width))}`,
      );
    }
    for (const r of f.related ?? [])
      lines.push(paint("dim", `  note: ${r.message} at ${formatSpan(r.span)}`));
    const why = input.why.get(f.ruleId);
    if (why) lines.push(`  ${paint("cyan", "why:")} ${why}`);
    lines.push(`  ${paint("cyan", "fix:")} ${f.hint}`);
    lines.push("");
  }

  const count = (s: Severity) => input.findings.filter((f) => f.severity === s).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const summary =
    input.findings.length === 0
      ? "no problems found"
      : `${plural(count("error"), "error")}, ${plural(count("warning"), "warning")}, ${count("info")} info`;
  lines.push(paint("bold", summary));
  if (input.haproxyNote) lines.push(paint("dim", input.haproxyNote));
  return `${lines.join("\n")}\n`;
}
