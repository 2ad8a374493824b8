import type { Word } from "./directive.js";
import type { SourceSpan } from "./span.js";

/**
 * One ACL test: a sample fetch, optional converters, match flags and patterns, as written on an
 * `acl` line or inside an anonymous `{ ... }` condition.
 */
export interface AclTest {
  /** The fetch as written, e.g. `path_beg`, `hdr(host)`, `req.hdr(host),lower`. */
  expression: string;
  /** The fetch name without arguments or converters, e.g. `path_beg`, `hdr`. */
  fetch: string;
  /** Arguments inside the fetch's parentheses. */
  fetchArgs: string[];
  /** Converters after the fetch, e.g. `lower`. */
  converters: string[];
  /** Flags such as `-i`, `-m beg` (method in `matchMethod`), `-f FILE`. */
  flags: string[];
  /** The method given with `-m`, if any. */
  matchMethod?: string;
  /** Pattern files given with `-f`. */
  patternFiles: string[];
  patterns: Word[];
  span: SourceSpan;
}

/** A named ACL line. Several lines with one name form one ACL whose tests are ORed. */
export interface Acl extends AclTest {
  name: string;
  nameSpan: SourceSpan;
}

/** One term of a condition: a named ACL or an anonymous one, maybe negated with `!`. */
export type ConditionTerm =
  | { kind: "named"; name: string; negated: boolean; span: SourceSpan }
  | { kind: "inline"; test: AclTest; negated: boolean; span: SourceSpan };

/**
 * An `if`/`unless` condition. HAProxy has no parentheses: a condition is an OR (`||`, `or`) of
 * AND-ed terms (written side by side). `alternatives` holds the OR branches.
 */
export interface Condition {
  polarity: "if" | "unless";
  alternatives: ConditionTerm[][];
  span: SourceSpan;
}
