// A button that calls the server: disabled while the call runs, and the server's refusal (a 403
// for a role, a stale parent, a blocked gate) shown next to it rather than lost.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ErrorNote } from "./page.js";

export function ActionButton(props: {
  onAction: () => Promise<unknown>;
  children: ComponentChildren;
  /** Asked with window.confirm first, for actions that are hard to undo. */
  confirm?: string;
  tone?: "primary" | "danger" | "plain";
  doing: string;
  testId?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const run = async () => {
    if (props.confirm && !window.confirm(props.confirm)) return;
    setBusy(true);
    setError(undefined);
    try {
      await props.onAction();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button
        type="button"
        class={`button button-${props.tone ?? "plain"}`}
        disabled={busy}
        aria-busy={busy}
        data-testid={props.testId}
        onClick={() => void run()}
      >
        {props.children}
      </button>
      {error !== undefined ? <ErrorNote error={error} doing={props.doing} /> : null}
    </span>
  );
}
