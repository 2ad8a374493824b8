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
const NAME_START = /[A-Za-z_]/;

const SPACE = 32;
const TAB = 9;
const CR = 13;
const HASH = 35;

/**
 * 1 for the characters that end a plain word or need the slow path (blanks, #, quotes,
 * backslash), by char code; every code past the table is a plain character.
 */
const SPECIAL_OR_BLANK = new Uint8Array(128);
for (const c of [" ", "\t", "\r", "#", "'", '"', "\\"]) SPECIAL_OR_BLANK[c.charCodeAt(0)] = 1;

function isBlankCode(c: number): boolean {
  return c === SPACE || c === TAB || c === CR;
}

/**
 * Splits one configuration line into words the way HAProxy 2.6 does: blanks separate words;
 * single quotes keep everything literal; double quotes keep blanks but still resolve escapes and
 * variables; a backslash escapes the next character; an unquoted `#` starts a comment, even
 * inside a word. Inside double quotes only, `$NAME` and `${NAME}` read the environment (undefined
 * reads as empty), `${NAME-default}` gives a fallback and `${NAME[*]}` spreads a value over
 * several words. Columns are 1-based and count UTF-16 code units.
 */
export function lexLine(text: string, file: string, line: number, env: Environment): LexedLine {
  const problems: LexProblem[] = [];
  const words = new LineLexer().lex(text, 0, text.length, file, line, env, problems);
  return { words, problems };
}

const WORD_CACHE_SIZE = 4096;
/** Longer words are mostly names and addresses, which seldom repeat. */
const MAX_CACHED_WORD = 32;

/**
 * Lexes the lines of one configuration read, keeping what they share for speed: the words of
 * the line being read, and recently read short words by a hash of their characters. Most words
 * of a large configuration are the same few keywords (`server`, `check`, `weight`, ...): looking
 * them up gives each one string instead of a copy per occurrence, which the model would keep.
 */
export class LineLexer {
  // A new word takes the slot of whatever was there.
  private readonly cache = new Array<string>(WORD_CACHE_SIZE).fill("");
  // Words are gathered here and copied out at their exact count: a fresh array grown by push
  // keeps room for 16 words, which every line of a large file would carry.
  private readonly scratch: Word[] = [];

  /**
   * `lexLine` for the line at `text[from..to)` (without its newline): lines are read in place,
   * which spares large files a string per line. Problems, rare, are appended to `problems`.
   */
  lex(
    text: string,
    from: number,
    to: number,
    file: string,
    line: number,
    env: Environment,
    problems: LexProblem[],
  ): Word[] {
    return lexRange(text, from, to, file, line, env, problems, this.scratch, this.cache);
  }
}

/** `text.slice(start, end)`, from `cache` when it holds it; `hash` covers those characters. */
function cachedWord(cache: string[], text: string, start: number, end: number, hash: number): string {
  const length = end - start;
  if (length > MAX_CACHED_WORD) return text.slice(start, end);
  const slot = (hash ^ (hash >>> 12)) & (WORD_CACHE_SIZE - 1);
  const cached = cache[slot] as string;
  if (cached.length === length && sameChars(text, start, cached)) return cached;
  const word = text.slice(start, end);
  cache[slot] = word;
  return word;
}

/** True when `text` holds `word` at `start` (a plain loop: `startsWith` costs more on short words). */
function sameChars(text: string, start: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (text.charCodeAt(start + k) !== word.charCodeAt(k)) return false;
  return true;
}

/** `LineLexer.lex`, with its state passed in. */
function lexRange(
  text: string,
  from: number,
  to: number,
  file: string,
  line: number,
  env: Environment,
  problems: LexProblem[],
  words: Word[],
  cache: string[],
): Word[] {
  let count = 0;
  const n = to;
  // Columns are counted from the line's start.
  const base = from - 1;
  let i = from;

  while (i < n) {
    while (i < n && isBlankCode(text.charCodeAt(i))) i++;
    if (i >= n || text.charCodeAt(i) === HASH) break;

    const start = i;
    // Fast path: most words hold no quote, escape or variable, so they are their own text.
    let end = i;
    let hash = 0;
    for (; end < n; end++) {
      const c = text.charCodeAt(end);
      if (c < 128 && SPECIAL_OR_BLANK[c] === 1) break;
      hash = (Math.imul(hash, 31) + c) | 0;
    }
    if (end === n || isBlankCode(text.charCodeAt(end)) || text.charCodeAt(end) === HASH) {
      const raw = cachedWord(cache, text, start, end, hash);
      words[count++] = {
        text: raw,
        raw,
        span: { file, line, column: start - base, endLine: line, endColumn: end - base },
      };
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
        const [unescaped, width] = unescape(text, i, n);
        value += unescaped;
        i += width;
        continue;
      }
      if (c === "$" && quote === '"') {
        const variable = readVariable(text, i, n);
        if (variable === "unterminated") {
          problems.push({
            code: "unterminated-variable",
            column: i - base,
            endColumn: n - base,
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
        column: start - base,
        endColumn: n - base,
        message: `the ${quote === '"' ? "double" : "single"} quote opened here is never closed`,
        hint: `Add the closing ${quote} on the same line; HAProxy words cannot span lines.`,
      });
    }

    const span = { file, line, column: start - base, endLine: line, endColumn: i - base };
    const raw = text.slice(start, i);
    for (const part of spread) words[count++] = { text: part, raw, span };
    // An unquoted variable that expands to nothing leaves no word behind.
    if (value.length > 0 || quoted) words[count++] = { text: value, raw, span };
  }

  return words.slice(0, count);
}

function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\r";
}

/**
 * Resolves the escape at `text[i]` (a backslash, with a character after it before `end`);
 * returns the text and how many chars it took.
 */
function unescape(text: string, i: number, end: number): [string, number] {
  const next = text[i + 1] as string;
  switch (next) {
    case "r":
      return ["\r", 2];
    case "n":
      return ["\n", 2];
    case "t":
      return ["\t", 2];
    case "x": {
      const hex = text.slice(i + 2, Math.min(i + 4, end));
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

/**
 * Reads `$NAME`, `${NAME}`, `${NAME[*]}` or `${NAME-default}` at `text[i]`, within the line that
 * ends at `lineEnd`; null if `$` is literal.
 */
function readVariable(text: string, i: number, lineEnd: number): VariableRef | "unterminated" | null {
  if (text[i + 1] === "{" && i + 1 < lineEnd) {
    const close = text.indexOf("}", i + 2);
    if (close < 0 || close >= lineEnd) return "unterminated";
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
  if (i + 1 >= lineEnd || !NAME_START.test(text[i + 1] ?? "")) return null;
  let end = i + 1;
  while (end < lineEnd && NAME_CHAR.test(text[end] as string)) end++;
  return { name: text.slice(i + 1, end), spread: false, end };
}
