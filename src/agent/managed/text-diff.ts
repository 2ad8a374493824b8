/** One line of an edit script: kept (` `), removed from the first text (`-`) or added (`+`). */
interface Edit {
  op: " " | "-" | "+";
  /** The line with its line break, when it has one. */
  line: string;
}

/** Edit distances above this are shown as the whole middle replaced, to bound time and memory. */
const MAX_EDITS = 2000;

/**
 * A unified diff of two texts (`--- from`, `+++ to`, then `@@ -a,n +b,m @@` hunks with
 * `context` unchanged lines around each change), as `diff -u` prints it, including the
 * `\ No newline at end of file` marker. Returns the empty string when the texts are equal.
 * Lines are compared with Myers' algorithm after the common head and tail are set aside; a
 * middle needing more than 2000 edits is shown as removed and added whole. Pure.
 */
export function unifiedDiff(before: string, after: string, from = "a", to = "b", context = 3): string {
  if (before === after) return "";
  const edits = lineEdits(splitLines(before), splitLines(after));
  const hunks = hunkRanges(edits, context);
  let out = `--- ${from}\n+++ ${to}\n`;
  for (const [start, end] of hunks) out += renderHunk(edits, start, end);
  return out;
}

/** Lines with their line breaks, so that a last line without one differs from the same with one. */
function splitLines(text: string): string[] {
  return text === "" ? [] : text.split(/(?<=\n)/);
}

function lineEdits(a: string[], b: string[]): Edit[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  const middleA = a.slice(head, a.length - tail);
  const middleB = b.slice(head, b.length - tail);
  const middle = myers(middleA, middleB) ?? [
    ...middleA.map((line): Edit => ({ op: "-", line })),
    ...middleB.map((line): Edit => ({ op: "+", line })),
  ];
  const kept = (line: string): Edit => ({ op: " ", line });
  return [...a.slice(0, head).map(kept), ...middle, ...a.slice(a.length - tail).map(kept)];
}

/** Myers' O((n+m)·D) shortest edit script, or undefined past MAX_EDITS. */
function myers(a: string[], b: string[]): Edit[] | undefined {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDITS);
  const offset = n + m + 1;
  const v = new Int32Array(2 * offset + 1);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[k - 1 + offset]! < v[k + 1 + offset]!)
          ? v[k + 1 + offset]!
          : v[k - 1 + offset]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[k + offset] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, offset);
    }
  }
  return undefined;
}

function backtrack(a: string[], b: string[], trace: Int32Array[], offset: number): Edit[] {
  const edits: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d--) {
    const v = trace[d]!;
    const k = x - y;
    const previousK = k === -d || (k !== d && v[k - 1 + offset]! < v[k + 1 + offset]!) ? k + 1 : k - 1;
    const previousX = v[previousK + offset]!;
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      edits.push({ op: " ", line: a[--x]! });
      y--;
    }
    if (d === 0) break;
    if (x === previousX) edits.push({ op: "+", line: b[--y]! });
    else edits.push({ op: "-", line: a[--x]! });
  }
  return edits.reverse();
}

/** [start, end) ranges of the edit script that make hunks: changes with their context, merged. */
function hunkRanges(edits: Edit[], context: number): [number, number][] {
  const ranges: [number, number][] = [];
  edits.forEach((edit, i) => {
    if (edit.op === " ") return;
    const start = Math.max(0, i - context);
    const end = Math.min(edits.length, i + context + 1);
    const last = ranges.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  });
  return ranges;
}

function renderHunk(edits: Edit[], start: number, end: number): string {
  let lineA = 1;
  let lineB = 1;
  for (let i = 0; i < start; i++) {
    if (edits[i]!.op !== "+") lineA++;
    if (edits[i]!.op !== "-") lineB++;
  }
  const slice = edits.slice(start, end);
  const countA = slice.filter((e) => e.op !== "+").length;
  const countB = slice.filter((e) => e.op !== "-").length;
  let out = `@@ -${range(lineA, countA)} +${range(lineB, countB)} @@\n`;
  for (const edit of slice) {
    out += edit.op + edit.line;
    if (!edit.line.endsWith("\n")) out += "\n\\ No newline at end of file\n";
  }
  return out;
}

/** `start,count` as diff prints it: an empty range names the line before it, a count of 1 is left out. */
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}
