/**
 * Text from the control plane is data other people wrote: a change message, a node name or a
 * diff may hold escape sequences that would recolour, move the cursor or rewrite what the
 * terminal shows. These helpers keep such text literal and harmless.
 */

/** Control (Cc), format (Cf: bidi overrides, zero-width) and line/paragraph separator characters. */
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;
const UNSAFE_KEEPING_LINES = /(?![\n\t])[\p{Cc}\p{Cf}\u2028\u2029]/gu;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeOne(char: string): string {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0)!;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * Returns `text` with every control and invisible formatting character written as an escape
 * (`\x1b`, `\n`, `\u202e`), so that it prints as one line that shows what is really there.
 * With `multiline`, newlines and tabs are kept (for diffs and config text).
 */
export function escapeControl(text: string, options: { multiline?: boolean } = {}): string {
  return text.replace(options.multiline ? UNSAFE_KEEPING_LINES : UNSAFE, escapeOne);
}

/**
 * Returns a copy of a JSON-like value with every string in it passed through `escapeControl`
 * (one-line form), so a renderer can print any field of it and paint around it safely.
 */
export function terminalSafe<T>(value: T): T {
  if (typeof value === "string") return escapeControl(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => terminalSafe(item)) as T;
  if (value !== null && typeof value === "object") {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[escapeControl(key)] = terminalSafe(item);
    return copy as T;
  }
  return value;
}
