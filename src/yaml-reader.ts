import { isScalar, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { type ErrorCode, LbguardError } from "./errors.js";

/** A problem with a YAML file, at a position, saying what to do. */
export interface YamlProblem {
  line: number;
  column: number;
  message: string;
}

/**
 * Reads one YAML file that people write (a pair file, alert rules) and records a positioned
 * problem, saying what to do, for each thing it cannot accept; syntax errors are recorded as
 * the text is parsed. The file's own reader walks `root` and adds its problems.
 */
export class YamlReader {
  readonly problems: YamlProblem[] = [];
  readonly lines = new LineCounter();
  /** The document's top node; null for an empty file. */
  readonly root: Node | null;

  constructor(
    text: string,
    readonly file: string,
  ) {
    const doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false });
    for (const error of doc.errors) {
      const at = this.lines.linePos(error.pos[0]);
      this.problems.push({
        line: at.line,
        column: at.col,
        message: `not valid YAML (${error.message.split("\n")[0]}); fix the syntax there`,
      });
    }
    this.root = doc.contents;
  }

  problem(node: Node | null | undefined, message: string): void {
    const at = this.lines.linePos(node?.range?.[0] ?? 0);
    this.problems.push({ line: at.line, column: at.col, message });
  }

  line(node: Node | null | undefined): number {
    return this.lines.linePos(node?.range?.[0] ?? 0).line;
  }

  unknownKeys(map: YAMLMap, known: readonly string[], what: string): void {
    for (const item of map.items) {
      const key = isScalar(item.key) ? String(item.key.value) : "";
      if (!known.includes(key))
        this.problem(
          item.key as Node,
          `${what} has an unknown field '${key}'; the fields are ${known.join(", ")}`,
        );
    }
  }

  /** The node of `key` and its plain value (a scalar's value, else the node itself). */
  field(map: YAMLMap, key: string): { node: Node | undefined; value: unknown } {
    const node = map.get(key, true) as Node | undefined;
    return { node, value: isScalar(node) ? node.value : node };
  }

  /** The error `code` (whose message takes `path` and `problems`) naming file:line:column of every problem, in order. */
  failure(code: ErrorCode): LbguardError {
    const sorted = [...this.problems].sort((a, b) => a.line - b.line || a.column - b.column);
    return new LbguardError(code, {
      path: this.file,
      problems: sorted.map((p) => `\n  ${this.file}:${p.line}:${p.column}: ${p.message}`).join(""),
    });
  }
}
