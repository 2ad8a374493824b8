// The pieces every page is made of: a titled page, empty states that say what to do next, errors
// with the server's hint, and badges.
import type { ComponentChildren } from "preact";
import { LbguardError } from "../../../src/errors.js";

export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-header">
        <h1 id="page-title">{props.title}</h1>
        {props.actions ? <div class="page-actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

/** Shown where a list or chart has nothing yet: what it would show and how to get there. */
export function Empty(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty" role="status">
      <p class="empty-title">{props.title}</p>
      {props.children ? <div class="empty-next">{props.children}</div> : null}
    </div>
  );
}

/** An error as the server explained it: its message, then its hint. */
export function ErrorNote(props: { error: unknown; doing?: string }) {
  const error = props.error;
  const message = error instanceof Error ? error.message : String(error);
  const hint = error instanceof LbguardError ? error.hint : undefined;
  const forbidden = error instanceof LbguardError && error.code === "LBG_FORBIDDEN";
  return (
    <div class={`error-note${forbidden ? " forbidden" : ""}`} role="alert">
      <strong>{forbidden ? "Not allowed" : "Failed"}</strong>
      {props.doing ? ` to ${props.doing}` : ""}: {message}
      {hint ? <div class="hint">{hint}</div> : null}
    </div>
  );
}

export function Loading(props: { what: string }) {
  return (
    <p class="loading" aria-live="polite">
      Loading {props.what}…
    </p>
  );
}

export type Tone = "good" | "bad" | "warn" | "info" | "muted";

export function Badge(props: { tone: Tone; children: ComponentChildren; title?: string }) {
  return (
    <span class={`badge badge-${props.tone}`} title={props.title}>
      {props.children}
    </span>
  );
}
