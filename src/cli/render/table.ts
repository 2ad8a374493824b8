import type { Paint, Style } from "./paint.js";

/** A table cell: plain text, or text painted in a style once it is padded. */
export type Cell = string | { text: string; style: Style | readonly Style[] };

/**
 * Pads every column of `rows` to its widest cell and joins the cells with two spaces; styles
 * are applied after padding so that colour codes do not count towards the width.
 */
export function table(rows: readonly (readonly Cell[])[], paint?: Paint): string[] {
  const text = (cell: Cell) => (typeof cell === "string" ? cell : cell.text);
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, text(cell).length)));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const padded = i === row.length - 1 ? text(cell) : text(cell).padEnd(widths[i] ?? 0);
        return typeof cell === "string" || !paint ? padded : paint(cell.style, padded);
      })
      .join("  ")
      .trimEnd(),
  );
}

/** An ISO 8601 time as `YYYY-MM-DD HH:MM:SS` in UTC; text that is not a time is returned as it is. */
export function shortTime(iso: string | undefined): string {
  if (!iso) return "-";
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : time.toISOString().slice(0, 19).replace("T", " ");
}

/** The first 12 hex digits of a hash, enough to tell versions apart by eye. */
export function shortHash(hash: string | undefined): string {
  return hash ? hash.slice(0, 12) : "-";
}
