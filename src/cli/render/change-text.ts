import type {
  Change,
  ChangeSummary,
  Review,
  Rollout,
  RuntimeOperationSpec,
} from "../../control/api-types.js";
import { formatSpan } from "../../model/span.js";
import { RISKS, type Plan, type Risk } from "../../plan/index.js";
import { painter, type Paint, type Style } from "./paint.js";
import { renderPlanText } from "./plan-text.js";
import { shortTime, table } from "./table.js";
import { escapeControl, terminalSafe } from "./terminal-safe.js";

const RISK_STYLE: Record<Risk, Style> = { high: "red", medium: "yellow", low: "dim" };

/** How much of a change `renderChange` shows. */
export interface ChangeTextOptions {
  color: boolean;
  /** `summary`: one line per plan change (after proposing); `full`: the plan with traffic tables. */
  plan?: "summary" | "full";
  /** The unified diff against the parent version, shown last. */
  diff?: string;
}

/** A runtime operation as typed on the command line: `drain web/web-01`, `weight=5 web/web-01`. */
export function operationText(op: RuntimeOperationSpec): string {
  const action = op.action.kind === "weight" ? `weight=${op.action.weight}` : op.action.kind;
  return `${action} ${op.backend}/${op.server}`;
}

/** What the change changes, in a few words: `version 4 -> 5` or `drain web/web-01`. */
function whatText(change: ChangeSummary): string {
  if (change.kind === "runtime" && change.operation) return operationText(change.operation);
  return `version ${change.parent} -> ${change.version ?? "?"}`;
}

/** Where a change stands on approvals, and what it waits for. */
function approvalText(change: ChangeSummary): string {
  const count = `${change.approvals} of ${change.approvalsRequired} approval${change.approvalsRequired === 1 ? "" : "s"}`;
  if (change.state !== "in-review") return count;
  if (change.verdict === "block")
    return `${count}; blocked by the gate, only an admin's --override can approve it`;
  const missing = change.approvalsRequired - change.approvals;
  return missing > 0 ? `${count}; needs ${missing} more` : count;
}

/**
 * Renders one change for a terminal: its id, state and kind, author, message, what it changes,
 * the gate's verdict and risk, approvals, the findings, the plan (a summary or in full), the
 * reviews, the rollout and, when given, the diff against its parent. Every string from the
 * server is shown with its control characters escaped.
 */
export function renderChange(raw: Change, options: ChangeTextOptions): string {
  const change = terminalSafe(raw);
  const paint = painter(options.color);
  const verdict =
    change.verdict === "pass" ? paint(["green", "bold"], "PASS") : paint(["red", "bold"], "BLOCK");
  const lines = [
    `${paint("bold", `change #${change.id}`)}  ${change.state}  (${change.kind}, cluster ${change.cluster})`,
    ...table([
      ["  author", change.author],
      ["  message", change.message],
      ["  changes", whatText(change)],
      ["  gate", `${verdict}, risk ${paint(RISK_STYLE[change.risk], change.risk)}`],
      ["  approvals", approvalText(change)],
      ["  proposed", shortTime(change.createdAt)],
    ]),
  ];
  if (change.findings.length > 0) lines.push("", paint("bold", "Findings"), ...findingLines(change, paint));
  if (options.plan === "full") {
    lines.push("", renderPlanText({ plan: change.plan, color: options.color }).trimEnd());
  } else if (change.kind === "config") {
    lines.push("", ...planSummary(change.plan, paint));
  }
  if (change.reviews.length > 0)
    lines.push("", paint("bold", "Reviews"), ...reviewLines(change.reviews, paint));
  if (change.rollout) lines.push("", ...rolloutLines(change.rollout, paint));
  if (options.diff !== undefined)
    lines.push(
      "",
      paint("bold", "Diff against the parent"),
      renderDiff(options.diff, options.color).trimEnd(),
    );
  return `${lines.join("\n")}\n`;
}

function findingLines(change: Change, paint: Paint): string[] {
  return change.findings.map((f) => {
    const mark = f.severity === "error" ? paint("red", "block") : paint("yellow", "warn ");
    const where = f.span ? `${formatSpan(f.span)}  ` : "";
    return `  ${mark}  ${where}${f.message}  ${paint("dim", f.rule)}`;
  });
}

/** The plan's counts per risk and one line per change, without reasons or traffic tables. */
function planSummary(plan: Plan, paint: Paint): string[] {
  if (plan.changes.length === 0) return [paint("bold", "Plan: no changes.")];
  const counts = RISKS.map((r) => `${plan.counts[r]} ${r}`).join(", ");
  return [
    paint("bold", `Plan: ${counts}, overall risk ${plan.overall}`),
    ...plan.changes.map(
      (c) =>
        `  ${c.summary}  ${paint("dim", `${c.span.file}:${c.span.line}`)}  ${paint(RISK_STYLE[c.risk], c.risk)}`,
    ),
  ];
}

function reviewLines(reviews: Review[], paint: Paint): string[] {
  return reviews.flatMap((r) => [
    `  ${r.decision === "approve" ? paint("green", "approved") : paint("red", "rejected")} by ${r.reviewer}  ${paint("dim", shortTime(r.createdAt))}  ${r.comment}`,
    ...(r.override ? [`    ${paint("yellow", "override")}: ${r.override}`] : []),
  ]);
}

const NODE_STYLE: Record<Rollout["nodes"][number]["state"], Style> = {
  pending: "dim",
  applying: "yellow",
  standby: "cyan",
  "handing-over": "yellow",
  "handed-over": "cyan",
  applied: "green",
  "rolled-back": "red",
  failed: "red",
};

function rolloutLines(rollout: Rollout, paint: Paint): string[] {
  const state =
    rollout.state === "halted"
      ? paint("red", "halted")
      : rollout.state === "completed"
        ? paint("green", "completed")
        : rollout.state;
  return [
    `${paint("bold", `rollout #${rollout.id}`)} of change #${rollout.change}: ${state}  (started by ${rollout.startedBy})`,
    ...table(
      rollout.nodes.map((n, i) => [
        `  ${n.node}${i === 0 ? " (canary)" : ""}${n.node === rollout.vipHolder ? " (VIP holder)" : ""}`,
        { text: n.state, style: NODE_STYLE[n.state] },
        n.apply ?? "",
        n.detail ?? "",
      ]),
      paint,
    ),
  ];
}

/** A rollout and the state of each of its nodes, canary first. */
export function renderRollout(raw: Rollout, color: boolean): string {
  return `${rolloutLines(terminalSafe(raw), painter(color)).join("\n")}\n`;
}

/**
 * What changed between two looks at a rollout, one line per node that moved (and one when the
 * rollout itself finished); empty when nothing moved. `before` undefined means the first look.
 */
export function rolloutProgress(before: Rollout | undefined, rawAfter: Rollout, color: boolean): string {
  const after = terminalSafe(rawAfter);
  const paint = painter(color);
  const was = new Map(before?.nodes.map((n) => [escapeControl(n.node), n.state]));
  const lines: string[] = [];
  for (const n of after.nodes) {
    if (was.get(n.node) === n.state) continue;
    const detail = [n.apply, n.detail].filter(Boolean).join(": ");
    lines.push(
      `${shortTime(n.updatedAt)}  ${n.node}  ${paint(NODE_STYLE[n.state], n.state)}${detail ? `  ${detail}` : ""}`,
    );
  }
  if (after.state !== "running" && before?.state !== after.state) {
    lines.push(
      after.state === "completed"
        ? paint(["green", "bold"], `rollout #${after.id} completed: every node runs the new version`)
        : paint(
            ["red", "bold"],
            `rollout #${after.id} halted: the change was rolled back; nodes not yet reached are untouched`,
          ),
    );
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** A list of changes, newest first as the server sends them: one row per change. */
export function renderChangeList(raw: ChangeSummary[], color: boolean): string {
  if (raw.length === 0) return "no changes\n";
  const paint = painter(color);
  const rows = terminalSafe(raw).map((c) => [
    `#${c.id}`,
    c.state,
    c.author,
    { text: c.verdict, style: c.verdict === "pass" ? "green" : "red" } as const,
    { text: c.risk, style: RISK_STYLE[c.risk] },
    whatText(c),
    shortTime(c.createdAt),
    c.message,
  ]);
  return `${table([["change", "state", "author", "verdict", "risk", "what", "proposed", "message"], ...rows], paint).join("\n")}\n`;
}

/** A unified diff, newlines and tabs kept, other control characters escaped; +/- lines coloured. */
export function renderDiff(diff: string, color: boolean): string {
  if (diff.trim() === "") return "(no difference)\n";
  const paint = painter(color);
  const lines = escapeControl(diff, { multiline: true })
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => {
      if (line.startsWith("+++") || line.startsWith("---")) return paint("bold", line);
      if (line.startsWith("+")) return paint("green", line);
      if (line.startsWith("-")) return paint("red", line);
      if (line.startsWith("@@")) return paint("cyan", line);
      return line;
    });
  return `${lines.join("\n")}\n`;
}
