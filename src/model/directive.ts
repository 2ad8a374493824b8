import type { Condition } from "./condition.js";
import type { SourceSpan } from "./span.js";

/** One word of a configuration line after HAProxy's quoting, escaping and variable rules. */
export interface Word {
  /** The word as HAProxy sees it (quotes removed, escapes and variables resolved). */
  text: string;
  /** The characters as written in the file. */
  raw: string;
  span: SourceSpan;
}

/**
 * One configuration line: its keyword and arguments. Every line of a section is kept as a
 * directive, including keywords lbguard does not interpret, so nothing is silently dropped.
 */
export interface Directive {
  /** The first word, e.g. `server`, `timeout`, `option`; `no` prefixes are kept in `negated`. */
  keyword: string;
  /** Words after the keyword. */
  args: Word[];
  /** All words of the line, the keyword included (and a leading `no` or `default`). */
  words: Word[];
  /** True for `no option ...` style lines. */
  negated: boolean;
  /**
   * The `if`/`unless` condition of a rule line (`http-request`, `tcp-request`, `redirect`, ...),
   * read once by the parser; absent when the line has none or it could not be read.
   */
  condition?: Condition;
  span: SourceSpan;
}
