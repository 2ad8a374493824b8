// Sign-in with an API token (the CLI's tokens: `lbguard token create --user NAME`). The token is
// checked with the server before it is kept; agent tokens are refused here, as they act for a
// node, not a person.
import { useState } from "preact/hooks";
import type { WhoAmI } from "../../../src/control/api-types.js";
import { apiWith, signInProblem } from "../session.js";

export function SignInPage(props: { notice?: string; onSignedIn: (token: string, who: WhoAmI) => void }) {
  const [token, setToken] = useState("");
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setProblem("Paste an API token first.");
      return;
    }
    setBusy(true);
    setProblem(undefined);
    try {
      const who = await apiWith(value).whoami();
      if (who.role === "agent") {
        setProblem(
          `This is the agent token of node ${who.node ?? "?"}; it can only act for that node. Sign in with a person's token (lbguard token create --user NAME).`,
        );
        return;
      }
      props.onSignedIn(value, who);
    } catch (error) {
      setProblem(signInProblem(error) ?? `Could not reach the control plane: ${String(error)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form class="sign-in-card" onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">lbguard</h1>
        <p class="muted">Sign in with an API token to see and govern your load balancers.</p>
        {props.notice ? (
          <p class="notice" role="status">
            {props.notice}
          </p>
        ) : null}
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
          placeholder="lbg_…"
          autoFocus
        />
        {problem ? (
          <p class="error-note" role="alert">
            {problem}
          </p>
        ) : null}
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? "Checking…" : "Sign in"}
        </button>
        <p class="muted small">
          An admin creates tokens with <code>lbguard token create --user NAME</code>.{" "}
          <code>lbguard serve</code> prints the first admin token when it starts on an empty store;{" "}
          <code>lbguard demo</code> prints one per role.
        </p>
      </form>
    </main>
  );
}
