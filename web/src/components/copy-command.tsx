// A command to run by hand, with a button that copies it: during an incident nobody should
// retype `lbguard propose --runtime weight=10 web/web-02 …` from a screen.
import { useState } from "preact/hooks";
import "./copy-command.css";

export function CopyCommand(props: { command: string; label?: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | undefined>(undefined);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.command);
      setCopied("yes");
    } catch {
      // No clipboard (an insecure origin, a refused permission): the text stays selectable.
      setCopied("no");
    }
  };
  return (
    <div class="copy-command">
      <code>{props.command}</code>
      <button
        type="button"
        class="button button-small"
        aria-label={`Copy ${props.label ?? "the command"}`}
        onClick={() => void copy()}
      >
        Copy
      </button>
      <span class="muted small" aria-live="polite">
        {copied === "yes" ? "copied" : copied === "no" ? "select it and copy by hand" : ""}
      </span>
    </div>
  );
}
