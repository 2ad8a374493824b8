// A unified diff split into lines a page can colour: added, removed, hunk headers, file headers
// and context. Pure.

export type DiffLineKind = "add" | "del" | "hunk" | "file" | "context";

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

/** What one line of a unified diff is; `---`/`+++` are file headers, not a removal or an addition. */
export function classifyDiffLine(line: string): DiffLineKind {
  if (line.startsWith("+++ ") || line.startsWith("--- ")) return "file";
  if (line.startsWith("@@")) return "hunk";
  if (line.startsWith("+")) return "add";
  if (line.startsWith("-")) return "del";
  return "context";
}

/** The diff's lines, classified; the final line break ends the last line rather than adding one. */
export function diffLines(diff: string): DiffLine[] {
  if (diff === "") return [];
  return diff
    .replace(/\n$/, "")
    .split("\n")
    .map((text) => ({ kind: classifyDiffLine(text), text }));
}

/** Lines added and removed, for the summary above the diff. */
export function diffStats(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const line of lines) {
    if (line.kind === "add") added++;
    else if (line.kind === "del") removed++;
  }
  return { added, removed };
}
