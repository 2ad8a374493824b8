/**
 * A place in a configuration file. Lines and columns are 1-based; the end column is exclusive,
 * as SARIF expects, so a one-character token at column 5 ends at column 6.
 */
export interface SourceSpan {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** A value together with where it was written. */
export interface Located<T> {
  value: T;
  span: SourceSpan;
}

/** Returns the span that starts where `a` starts and ends where `b` ends. */
export function joinSpans(a: SourceSpan, b: SourceSpan): SourceSpan {
  return { file: a.file, line: a.line, column: a.column, endLine: b.endLine, endColumn: b.endColumn };
}

/** Formats a span as `file:line:column`, the form editors and terminals turn into links. */
export function formatSpan(span: SourceSpan): string {
  return `${span.file}:${span.line}:${span.column}`;
}
