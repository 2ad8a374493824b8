// How the changes pages word and colour a change: its state, verdict and risk as badges, and
// what it changes in a few words. Pure.
import { operationText } from "../../../src/cli/render/change-text.js";
import type { ChangeState, ChangeSummary } from "../../../src/control/api-types.js";
import type { Risk } from "../../../src/plan/risk.js";

/** Badge tones (components/page.tsx's Tone). */
export type BadgeTone = "good" | "bad" | "warn" | "info" | "muted";

const STATE_TONES: Record<ChangeState, BadgeTone> = {
  draft: "muted",
  "in-review": "warn",
  approved: "info",
  "rolling-out": "info",
  applied: "good",
  "rolled-back": "bad",
  rejected: "bad",
  superseded: "muted",
};

const RISK_TONES: Record<Risk, BadgeTone> = { high: "bad", medium: "warn", low: "muted" };

export function stateTone(state: ChangeState): BadgeTone {
  return STATE_TONES[state];
}

export function riskTone(risk: Risk): BadgeTone {
  return RISK_TONES[risk];
}

export function verdictTone(verdict: ChangeSummary["verdict"]): BadgeTone {
  return verdict === "pass" ? "good" : "bad";
}

/** What the change changes, in a few words: `version 4 → 5` or `drain web/web-01`. */
export function whatText(change: ChangeSummary): string {
  if (change.kind === "runtime" && change.operation) return operationText(change.operation);
  return `version ${change.parent} → ${change.version ?? "?"}`;
}

/** The `state` filter of the changes list from the page's address (`/changes?state=in-review`). */
export function stateFilter(path: string, states: readonly ChangeState[]): ChangeState | undefined {
  const query = path.split("?")[1];
  if (!query) return undefined;
  const value = new URLSearchParams(query).get("state");
  return states.find((s) => s === value);
}
