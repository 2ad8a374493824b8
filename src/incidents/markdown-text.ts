/**
 * Safe Markdown out of text lbguard did not write: server names, commit messages, rule messages
 * and config lines may hold characters that would turn into emphasis, links, HTML, table cells
 * or new blocks.
 */

/**
 * Plain text as Markdown that renders as the same text, on one line: every character Markdown
 * gives a meaning inline is backslash-escaped, line breaks become spaces, and a start that would
 * open a block (a heading, a list item, a quote) is escaped too.
 */
export function escapeText(text: string): string {
  return text
    .replace(/\s*[\r\n]+\s*/g, " ")
    .trim()
    .replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`)
    .replace(/^([#+=-])/, "\\$1")
    .replace(/^(\d+)([.)])(?=\s|$)/, "$1\\$2");
}

/**
 * Text as one inline code span: delimited by more backticks than any run inside it, padded with
 * a space when it starts or ends with a backtick (CommonMark strips one space on each side).
 */
export function inlineCode(text: string): string {
  const flat = text.replace(/[\r\n]+/g, " ");
  const fence = "`".repeat(longestRun(flat, "`") + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") ? " " : "";
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** Text as a fenced code block whose fence no line inside can close. */
export function codeBlock(text: string, language = ""): string {
  const fence = "`".repeat(Math.max(3, longestRun(text, "`") + 1));
  const body = text.endsWith("\n") ? text : `${text}\n`;
  return `${fence}${language}\n${body}${fence}`;
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}
