import type { Word } from "../../model/directive.js";
import type { Environment } from "./lex-line.js";

/** The HAProxy version lbguard judges configurations against, for `.if version_atleast(...)`. */
export const TARGET_HAPROXY_VERSION = "2.6.12";

/**
 * Build features `.if feature(X)` can test. Debian's haproxy 2.6 is built with these; a
 * configuration that tests for others is read as HAProxy without them would read it.
 */
export const TARGET_FEATURES: ReadonlySet<string> = new Set([
  "EPOLL",
  "GETADDRINFO",
  "LINUX_SPLICE",
  "LINUX_TPROXY",
  "LUA",
  "NS",
  "OPENSSL",
  "PCRE2",
  "PCRE2_JIT",
  "PROMEX",
  "SYSTEMD",
  "TFO",
  "THREAD",
  "ZLIB",
  "PRCTL",
  "CPU_AFFINITY",
]);

export interface ConditionResult {
  value: boolean;
  /** Set when the expression could not be read; HAProxy then stops, and the block reads as false. */
  error?: string;
}

/**
 * Evaluates the expression of an `.if` or `.elif` line as HAProxy 2.6 does: terms are numbers
 * (true when non-zero), `defined(VAR)`, `feature(NAME)`, `streq(a,b)`, `strneq(a,b)`,
 * `version_atleast(V)` and `version_before(V)`, combined with `!`, `&&`, `||` and parentheses.
 * An empty expression is false; any other text is an error.
 */
export function evaluateCondition(
  words: Word[],
  env: Environment,
  version: string = TARGET_HAPROXY_VERSION,
): ConditionResult {
  const text = words
    .map((w) => w.text)
    .join(" ")
    .trim();
  if (text === "") return { value: false };
  const parser = new ExpressionParser(text, env, version);
  try {
    const value = parser.parseOr();
    parser.skipBlanks();
    if (!parser.atEnd()) throw new Error(parser.unparsable());
    return { value };
  } catch (e) {
    return { value: false, error: (e as Error).message };
  }
}

/** Recursive-descent reader for `.if` expressions; throws an Error with a readable message. */
class ExpressionParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly env: Environment,
    private readonly version: string,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipBlanks(): void {
    while (this.text[this.pos] === " " || this.text[this.pos] === "\t") this.pos++;
  }

  unparsable(): string {
    return `unparsable conditional expression '${this.text.slice(this.pos)}' at position ${this.pos + 1}`;
  }

  parseOr(): boolean {
    let value = this.parseAnd();
    for (;;) {
      this.skipBlanks();
      if (!this.text.startsWith("||", this.pos)) return value;
      this.pos += 2;
      const right = this.parseAnd();
      value = value || right;
    }
  }

  private parseAnd(): boolean {
    let value = this.parseUnary();
    for (;;) {
      this.skipBlanks();
      if (!this.text.startsWith("&&", this.pos)) return value;
      this.pos += 2;
      const right = this.parseUnary();
      value = value && right;
    }
  }

  private parseUnary(): boolean {
    this.skipBlanks();
    if (this.text[this.pos] === "!") {
      this.pos++;
      return !this.parseUnary();
    }
    if (this.text[this.pos] === "(") {
      this.pos++;
      const value = this.parseOr();
      this.skipBlanks();
      if (this.text[this.pos] !== ")")
        throw new Error(`missing ')' in conditional expression '${this.text}'`);
      this.pos++;
      return value;
    }
    return this.parseTerm();
  }

  private parseTerm(): boolean {
    const number = /^-?\d+/.exec(this.text.slice(this.pos));
    if (number) {
      this.pos += number[0].length;
      return Number(number[0]) !== 0;
    }
    const call = /^([a-z_]+)\(([^()]*)\)/.exec(this.text.slice(this.pos));
    if (!call) throw new Error(this.unparsable());
    const args = (call[2] as string).split(",").map((a) => a.trim());
    let value: boolean;
    switch (call[1]) {
      case "defined":
        value = this.env[args[0] ?? ""] !== undefined;
        break;
      case "feature":
        value = TARGET_FEATURES.has(args[0] ?? "");
        break;
      case "streq":
        value = args.length === 2 && args[0] === args[1];
        break;
      case "strneq":
        value = args.length === 2 && args[0] !== args[1];
        break;
      case "version_atleast":
        value = compareVersions(this.version, args[0] ?? "") >= 0;
        break;
      case "version_before":
        value = compareVersions(this.version, args[0] ?? "") < 0;
        break;
      default:
        throw new Error(this.unparsable());
    }
    this.pos += call[0].length;
    return value;
  }
}

/** Compares dotted version strings numerically, `2.6.12` > `2.6.9`; missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
