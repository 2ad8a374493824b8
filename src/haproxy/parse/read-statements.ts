import type { Directive, Word } from "../../model/directive.js";
import type { SourceSpan } from "../../model/span.js";
import { evaluateCondition } from "./conditional-blocks.js";
import type { Diagnostics } from "./diagnostics.js";
import { type Environment, type LexProblem, LineLexer } from "./lex-line.js";

/** A configuration file's path and content. */
export interface SourceFile {
  path: string;
  text: string;
}

/** HAProxy 2.6 refuses lines with more than this many words. */
const MAX_LINE_ARGS = 64;

const NEWLINE = 10;
const DOT = 46;

interface Block {
  /** This branch's lines are read. */
  active: boolean;
  /** Some branch of this block was already taken, so later `.elif`/`.else` are skipped. */
  taken: boolean;
  /** Lines of the enclosing block are read. */
  parentActive: boolean;
  seenElse: boolean;
  span: SourceSpan;
}

/** One directive plus where its file starts, so sections can end at file boundaries. */
export interface Statement extends Directive {
  fileIndex: number;
}

/**
 * Turns files into directives in HAProxy's reading order, handing each to `visit` as soon as it
 * is read: lexes every line, applies `.if/.elif/.else/.endif` blocks and reports what HAProxy 2.6
 * refuses at this level (a byte order mark, a missing final newline, unclosed quotes or blocks,
 * too many words on a line).
 */
export function readStatements(
  files: SourceFile[],
  env: Environment,
  diagnostics: Diagnostics,
  visit: (statement: Statement) => void,
): void {
  const lexer = new LineLexer();
  files.forEach((file, fileIndex) => {
    let text = file.text;
    if (text.startsWith("\uFEFF")) {
      diagnostics.error(
        "byte-order-mark",
        { file: file.path, line: 1, column: 1, endLine: 1, endColumn: 2 },
        "the file starts with a UTF-8 byte order mark, which HAProxy 2.6 reads as part of the first keyword",
        "Save the file as UTF-8 without BOM (for example `sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`).",
      );
      text = text.slice(1);
    }
    // Lines are read in place, between newlines, rather than split into strings of their own.
    const length = text.length;
    if (length > 0 && text.charCodeAt(length - 1) !== NEWLINE) {
      const lastStart = text.lastIndexOf("\n") + 1;
      const lastLine = countLines(text) + 1;
      diagnostics.error(
        "missing-final-newline",
        { file: file.path, line: lastLine, column: 1, endLine: lastLine, endColumn: length - lastStart + 1 },
        "the last line has no newline; HAProxy 2.6 refuses the file ('Missing LF on last line')",
        "End the file with a newline character.",
      );
    }
    const blocks: Block[] = [];
    const problems: LexProblem[] = [];
    let lineNumber = 0;
    let from = 0;
    while (from < length) {
      let to = text.indexOf("\n", from);
      if (to < 0) to = length;
      lineNumber++;
      const words = lexer.lex(text, from, to, file.path, lineNumber, env, problems);
      from = to + 1;
      if (problems.length > 0) {
        for (const p of problems) {
          diagnostics.error(
            p.code,
            {
              file: file.path,
              line: lineNumber,
              column: p.column,
              endLine: lineNumber,
              endColumn: p.endColumn,
            },
            p.message,
            p.hint,
          );
        }
        problems.length = 0;
      }
      const first = words[0];
      if (!first) continue;
      const active = blocks.length === 0 || (blocks[blocks.length - 1] as Block).active;
      if (first.text.charCodeAt(0) === DOT && /^\.[a-z]+$/.test(first.text)) {
        handleBlockDirective(first, words.slice(1), blocks, active, env, diagnostics);
        continue;
      }
      if (!active) continue;
      if (words.length > MAX_LINE_ARGS) {
        diagnostics.error(
          "too-many-words",
          lineSpan(words),
          `the line has ${words.length} words; HAProxy reads at most ${MAX_LINE_ARGS}`,
          "Split the line into several lines (for example several 'acl' lines with the same name).",
        );
      }
      visit(toStatement(words, fileIndex));
    }
    for (const open of blocks) {
      diagnostics.error(
        "unterminated-block",
        open.span,
        "this '.if' block is never closed by '.endif' in the same file",
        "Add '.endif' after the block's last line.",
      );
    }
  });
}

function handleBlockDirective(
  keyword: Word,
  args: Word[],
  blocks: Block[],
  active: boolean,
  env: Environment,
  diagnostics: Diagnostics,
): void {
  const top = blocks[blocks.length - 1];
  switch (keyword.text) {
    case ".if": {
      const result = active ? evaluateCondition(args, env) : { value: false };
      if ("error" in result && result.error) {
        diagnostics.error(
          "bad-condition",
          keyword.span,
          result.error,
          "Use defined(), feature(), streq(), strneq(), version_atleast() or version_before().",
        );
      }
      blocks.push({
        active: active && result.value,
        taken: result.value,
        parentActive: active,
        seenElse: false,
        span: keyword.span,
      });
      return;
    }
    case ".elif": {
      if (!top || top.seenElse) return misplaced(keyword, diagnostics);
      const result = top.parentActive && !top.taken ? evaluateCondition(args, env) : { value: false };
      if ("error" in result && result.error) {
        diagnostics.error(
          "bad-condition",
          keyword.span,
          result.error,
          "Use defined(), feature(), streq(), strneq(), version_atleast() or version_before().",
        );
      }
      top.active = top.parentActive && !top.taken && result.value;
      top.taken ||= result.value;
      return;
    }
    case ".else":
      if (!top || top.seenElse) return misplaced(keyword, diagnostics);
      top.active = top.parentActive && !top.taken;
      top.taken = true;
      top.seenElse = true;
      return;
    case ".endif":
      if (!top) return misplaced(keyword, diagnostics);
      blocks.pop();
      return;
    case ".alert":
      if (active) {
        diagnostics.error(
          "config-alert",
          keyword.span,
          `the configuration raises an alert: ${joined(args)}`,
          "HAProxy stops on '.alert'; change the condition around it or the setting it guards.",
        );
      }
      return;
    case ".warning":
      if (active)
        diagnostics.warning(
          "config-warning",
          keyword.span,
          `the configuration warns: ${joined(args)}`,
          "Read the message the configuration's author left here.",
        );
      return;
    case ".notice":
    case ".diag":
      return;
    default:
      diagnostics.error(
        "unknown-block-directive",
        keyword.span,
        `'${keyword.text}' is not a conditional directive`,
        "Use .if, .elif, .else, .endif, .notice, .warning, .alert or .diag.",
      );
  }
}

function misplaced(keyword: Word, diagnostics: Diagnostics): void {
  diagnostics.error(
    "misplaced-block-directive",
    keyword.span,
    `'${keyword.text}' has no matching '.if' before it`,
    "Remove it, or add the '.if' it belongs to.",
  );
}

function joined(args: Word[]): string {
  return args.map((a) => a.text).join(" ");
}

function lineSpan(words: Word[]): SourceSpan {
  const first = (words[0] as Word).span;
  const last = (words[words.length - 1] as Word).span;
  return {
    file: first.file,
    line: first.line,
    column: first.column,
    endLine: last.endLine,
    endColumn: last.endColumn,
  };
}

/**
 * Builds a statement from a line's words, reading a leading `no` or `default` as a prefix. It is
 * built as one literal: every line becomes one, and a spread copy gives each its own hidden
 * class, which large files pay for in time and memory.
 */
function toStatement(words: Word[], fileIndex: number): Statement {
  const first = words[0] as Word;
  const prefixed = (first.text === "no" || first.text === "default") && words.length > 1;
  const keywordIndex = prefixed ? 1 : 0;
  return {
    keyword: (words[keywordIndex] as Word).text,
    args: words.slice(keywordIndex + 1),
    words,
    negated: prefixed && first.text === "no",
    span: lineSpan(words),
    fileIndex,
  };
}

/** How many newlines `text` holds. */
function countLines(text: string): number {
  let count = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) count++;
  return count;
}
