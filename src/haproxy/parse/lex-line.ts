import type { Word } from "../../model/directive.js";

/** What the lexer could not read on a line; the caller turns it into a diagnostic. */
export interface LexProblem {
  code: "unterminated-quote" | "unterminated-variable";
  column: number;
  endColumn: number;
  message: string;
  hint: string;
}

export interface LexedLine {
  words: Word[];
  problems: LexProblem[];
}

/** Environment lookup; tests and the CLI pass their own. */
export type Environment = Readonly<Record<string, string | undefined>>;

const NAME_CHAR = /[A-Za-z0-9_]/;

/** Characters that end a plain word or need the slow path: blanks, #, quotes, backslash. */
const SPECIAL_OR_BLANK = new Set([" ", "\t", "\r", "#", "'", '"', "\\"].map((c) => c.charCodeAt(0)));
const NAME_START = /[A-Za-z_]/;

/**
 * Splits one configuration line into words the way HAProxy 2.6 does: blanks separate words;
 * single quotes keep everything literal; double quotes keep blanks but still resolve escapes and
 * variables; a backslash escapes the next character; an unquoted `#` starts a comment, even
 * inside a word. Inside double quotes only, `$NAME` and `${NAME}` read the environment (undefined
 * reads as empty), `${NAME-default}` gives a fallback and `${NAME[*]}` spreads a value over
 * several words. Columns are 1-based and count UTF-16 code units.
 */
export function lexLine(text: string, file: string, line: number, env: Environment): LexedLine {
  const words: Word[] = [];
  const problems: LexProblem[] = [];
  let i = 0;
  const n = text.length;

  while (i < n) {
    while (i < n && isBlank(text[i])) i++;
    if (i >= n || text[i] === "#") break;

    const start = i;
    // Fast path: most words hold no quote, escape or variable, so they are their own text.
    let end = i;
    while (end < n && !SPECIAL_OR_BLANK.has(text.charCodeAt(end))) end++;
    if (end === n || isBlank(text[end]) || text[end] === "#") {
      const raw = text.slice(start, end);
      words.push({
        text: raw,
        raw,
        span: { file, line, column: start + 1, endLine: line, endColumn: end + 1 },
      });
      i = end;
      continue;
    }
    let value = "";
    let quoted = false;
    // Words produced by ${NAME[*]} expansions are collected here and flushed around `value`.
    const spread: string[] = [];
    let quote: "'" | '"' | null = null;

    while (i < n) {
      const c = text[i] as string;
      if (quote === null && (isBlank(c) || c === "#")) break;
      if (c === "'" && quote !== '"') {
        quote = quote === "'" ? null : "'";
        quoted = true;
        i++;
        continue;
      }
      if (c === '"' && quote !== "'") {
        quote = quote === '"' ? null : '"';
        quoted = true;
        i++;
        continue;
      }
      if (c === "\\" && quote !== "'" && i + 1 < n) {
        const [unescaped, width] = unescape(text, i);
        value += unescaped;
        i += width;
        continue;
      }
      if (c === "$" && quote === '"') {
        const variable = readVariable(text, i);
        if (variable === "unterminated") {
          problems.push({
            code: "unterminated-variable",
            column: i + 1,
            endColumn: n + 1,
            message: "the variable reference '${' has no matching '}' or an invalid name",
            hint: "Write ${NAME} or ${NAME-default} (HAProxy does not support ${NAME:-default}), or escape the dollar sign as '\\$'.",
          });
          i = n;
          break;
        }
        if (variable) {
          const content = env[variable.name] ?? variable.fallback ?? "";
          if (variable.spread) {
            const parts = content.split(/[ \t]+/).filter((p) => p.length > 0);
            if (parts.length > 0) {
              value += parts[0];
              for (const part of parts.slice(1)) {
                spread.push(value);
                value = part;
              }
            }
          } else {
            value += content;
          }
          i = variable.end;
          continue;
        }
      }
      value += c;
      i++;
    }

    if (quote !== null) {
      problems.push({
        code: "unterminated-quote",
        column: start + 1,
        endColumn: n + 1,
        message: `the ${quote === '"' ? "double" : "single"} quote opened here is never closed`,
        hint: `Add the closing ${quote} on the same line; HAProxy words cannot span lines.`,
      });
    }

    const span = { file, line, column: start + 1, endLine: line, endColumn: i + 1 };
    const raw = text.slice(start, i);
    for (const part of spread) words.push({ text: part, raw, span });
    // An unquoted variable that expands to nothing leaves no word behind.
    if (value.length > 0 || quoted) words.push({ text: value, raw, span });
  }

  return { words, problems };
}

function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\r";
}

/** Resolves the escape at `text[i]` (a backslash); returns the text and how many chars it took. */
function unescape(text: string, i: number): [string, number] {
  const next = text[i + 1] as string;
  switch (next) {
    case "r":
      return ["\r", 2];
    case "n":
      return ["\n", 2];
    case "t":
      return ["\t", 2];
    case "x": {
      const hex = text.slice(i + 2, i + 4);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) return [String.fromCharCode(Number.parseInt(hex, 16)), 4];
      return ["\\x", 2];
    }
    case " ":
    case "\t":
    case "#":
    case "\\":
    case "'":
    case '"':
    case "$":
      return [next, 2];
    default:
      // HAProxy keeps unknown escapes as written (e.g. `\.` in a regex).
      return [`\\${next}`, 2];
  }
}

interface VariableRef {
  name: string;
  fallback?: string;
  spread: boolean;
  end: number;
}

/** Reads `$NAME`, `${NAME}`, `${NAME[*]}` or `${NAME-default}` at `text[i]`; null if `$` is literal. */
function readVariable(text: string, i: number): VariableRef | "unterminated" | null {
  if (text[i + 1] === "{") {
    const close = text.indexOf("}", i + 2);
    if (close < 0) return "unterminated";
    let inner = text.slice(i + 2, close);
    let spread = false;
    if (inner.endsWith("[*]")) {
      spread = true;
      inner = inner.slice(0, -3);
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*(-.*)?$/s.test(inner)) return "unterminated";
    const dash = inner.indexOf("-");
    if (dash > 0)
      return { name: inner.slice(0, dash), fallback: inner.slice(dash + 1), spread, end: close + 1 };
    return { name: inner, spread, end: close + 1 };
  }
  if (!NAME_START.test(text[i + 1] ?? "")) return null;
  let end = i + 1;
  while (end < text.length && NAME_CHAR.test(text[end] as string)) end++;
  return { name: text.slice(i + 1, end), spread: false, end };
}
