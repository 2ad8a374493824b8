import type { AclTest, Condition, ConditionTerm } from "../../model/condition.js";
import type { Word } from "../../model/directive.js";
import { joinSpans } from "../../model/span.js";
import type { Diagnostics } from "./diagnostics.js";

/** Flags that take the next word as their value. */
const FLAGS_WITH_VALUE = new Set(["-f", "-m", "-u", "-M"]);
const FLAGS = new Set(["-i", "-n", "-M", "--", ...FLAGS_WITH_VALUE]);

/**
 * Reads an ACL test from `words[from..to)` (all of `words` by default): the sample expression,
 * its flags and its patterns. The range must not be empty.
 */
export function readAclTest(words: Word[], from = 0, to = words.length): AclTest {
  const first = words[from] as Word;
  const last = words[to - 1] as Word;
  const { fetch, fetchArgs, converters } = splitExpression(first.text);
  const flags: string[] = [];
  const patternFiles: string[] = [];
  let matchMethod: string | undefined;
  let i = from + 1;
  while (i < to) {
    const w = (words[i] as Word).text;
    if (!FLAGS.has(w)) break;
    i++;
    if (w === "--") break;
    flags.push(w);
    if (FLAGS_WITH_VALUE.has(w) && i < to) {
      const value = (words[i] as Word).text;
      if (w === "-m") matchMethod = value;
      if (w === "-f") patternFiles.push(value);
      i++;
    }
  }
  const test: AclTest = {
    expression: first.text,
    fetch,
    fetchArgs,
    converters,
    flags,
    patternFiles,
    patterns: words.slice(i, to),
    span: joinSpans(first.span, last.span),
  };
  if (matchMethod !== undefined) test.matchMethod = matchMethod;
  return test;
}

/** Splits `req.hdr(host,1),lower,map(x)` into fetch `req.hdr`, args [host, 1], converters [lower, map(x)]. */
export function splitExpression(expression: string): {
  fetch: string;
  fetchArgs: string[];
  converters: string[];
} {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "(") depth++;
    if (c === ")") depth = Math.max(0, depth - 1);
    if (c === "," && depth === 0) {
      parts.push(expression.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(expression.slice(start));
  const head = parts[0] ?? "";
  const open = head.indexOf("(");
  const fetch = open < 0 ? head : head.slice(0, open);
  const inner = open < 0 ? "" : head.slice(open + 1, head.endsWith(")") ? -1 : undefined);
  const fetchArgs = inner === "" ? [] : inner.split(",").map((a) => a.trim());
  return { fetch, fetchArgs, converters: parts.slice(1) };
}

/**
 * Reads the condition that starts with `if` or `unless` at `words[start]` and runs to the end of
 * `words`. Terms side by side are ANDed, `||` or `or` starts a new alternative, `!` negates the
 * next term and `{ ... }` holds an anonymous ACL. Returns undefined (and reports why) when
 * nothing usable follows.
 */
export function readCondition(words: Word[], diagnostics: Diagnostics, start = 0): Condition | undefined {
  const keyword = words[start] as Word;
  const polarity = keyword.text === "unless" ? "unless" : "if";
  const alternatives: ConditionTerm[][] = [[]];
  let negated = false;
  let negationStart: Word | undefined;
  let i = start + 1;
  while (i < words.length) {
    const word = words[i] as Word;
    const current = alternatives[alternatives.length - 1] as ConditionTerm[];
    if (word.text === "||" || (word.text.length === 2 && word.text.toLowerCase() === "or")) {
      alternatives.push([]);
      i++;
      continue;
    }
    if (word.text === "!") {
      negated = !negated;
      negationStart ??= word;
      i++;
      continue;
    }
    let text = word.text;
    while (text.startsWith("!")) {
      negated = !negated;
      text = text.slice(1);
    }
    const termStart = negationStart ?? word;
    if (text === "{") {
      let close = i + 1;
      while (close < words.length && (words[close] as Word).text !== "}") close++;
      if (close >= words.length) {
        diagnostics.error(
          "unclosed-anonymous-acl",
          word.span,
          "the anonymous ACL opened with '{' has no closing '}'",
          "Close it with ' }' (the brace must be a word of its own, separated by a space).",
        );
        return undefined;
      }
      if (close === i + 1) {
        diagnostics.error(
          "empty-anonymous-acl",
          word.span,
          "the anonymous ACL '{ }' is empty",
          "Put a test inside the braces, e.g. '{ path_beg /api }'.",
        );
      } else {
        current.push({
          kind: "inline",
          test: readAclTest(words, i + 1, close),
          negated,
          span: joinSpans(termStart.span, (words[close] as Word).span),
        });
      }
      i = close + 1;
    } else {
      current.push({ kind: "named", name: text, negated, span: joinSpans(termStart.span, word.span) });
      i++;
    }
    negated = false;
    negationStart = undefined;
  }
  const last = words[words.length - 1] as Word;
  if (alternatives.some((a) => a.length === 0)) {
    diagnostics.error(
      "empty-condition",
      joinSpans(keyword.span, last.span),
      `the '${keyword.text}' condition is empty or has an empty '||' branch`,
      "Name at least one ACL in every branch of the condition.",
    );
    return undefined;
  }
  return { polarity, alternatives, span: joinSpans(keyword.span, last.span) };
}
