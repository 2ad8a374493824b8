// A unified diff as people read it in a review: added lines green with `+`, removed lines red
// with `−`, hunk headers apart, and the count of each above it so the size is seen at a glance.
// The +/- signs stay in the text, so the diff reads the same without colour.
import { diffLines, diffStats } from "../data/diff-lines.js";
import { Empty } from "./page.js";
import "./diff-view.css";

export function DiffView(props: {
  diff: string;
  /** What the diff is, for screen readers (e.g. `Diff from version 3 to version 5`). */
  label: string;
  /** Shown instead when the diff is empty. */
  emptyText?: string;
  testId?: string;
}) {
  const lines = diffLines(props.diff);
  if (lines.length === 0) return <Empty title={props.emptyText ?? "No difference."} />;
  const stats = diffStats(lines);
  return (
    <figure class="diff-view" data-testid={props.testId}>
      <figcaption class="muted small">
        {props.label}: <span class="diff-added">{stats.added} added</span>,{" "}
        <span class="diff-removed">{stats.removed} removed</span>
      </figcaption>
      <pre class="diff" tabIndex={0} aria-label={props.label}>
        {lines.map((line, i) =>
          line.kind === "context" ? (
            <span key={i}>{`${line.text}\n`}</span>
          ) : (
            <span key={i} class={line.kind}>{`${line.text}\n`}</span>
          ),
        )}
      </pre>
    </figure>
  );
}
