import type { BackendTraffic, Plan, PlanChange, PlanSection, Risk, TrafficPoint } from "../../plan/index.js";
import { RISKS } from "../../plan/index.js";
import { painter, type Style } from "./paint.js";
import { table } from "./table.js";

export interface PlanTextInput {
  plan: Plan;
  color: boolean;
}

const MARKER: Record<PlanChange["kind"], { sign: string; style: Style }> = {
  added: { sign: "+", style: "green" },
  removed: { sign: "-", style: "red" },
  changed: { sign: "~", style: "yellow" },
};

const RISK_STYLE: Record<Risk, Style> = { high: "red", medium: "yellow", low: "dim" };

function sectionTitle(section: PlanSection): string {
  if (section.kind === "global") return "global";
  return section.name ? `${section.kind} ${section.name}` : section.kind;
}

function sameSection(a: PlanSection, b: PlanSection): boolean {
  return a.kind === b.kind && a.name === b.name;
}

function percent(share: number): string {
  const p = share * 100;
  return p > 0 && p < 1 ? `${Number(p.toFixed(1))}%` : `${Math.round(p)}%`;
}

function rate(rps: number): string {
  return rps >= 10 || Number.isInteger(rps) ? String(Math.round(rps)) : rps.toFixed(1);
}

function arrow(before: string | undefined, after: string | undefined): string {
  return `${before ?? "-"} -> ${after ?? "-"}`;
}

/** The traffic of one backend as a small table: share, rate and capacity per server. */
function trafficTable(traffic: BackendTraffic): string[] {
  const rows: string[][] = [["server", "share before -> after", "rps before -> after", "capacity"]];
  const shown = (p: TrafficPoint | undefined, f: (p: TrafficPoint) => string) => (p ? f(p) : undefined);
  for (const s of traffic.servers) {
    const capacity =
      s.capacityRps === undefined
        ? ""
        : `${rate(s.capacityRps)}${s.after ? ` (${Math.round((s.after.rps / s.capacityRps) * 100)}%)` : ""}`;
    rows.push([
      s.role !== undefined && s.role !== "web" ? `${s.server} (${s.role})` : s.server,
      arrow(
        shown(s.before, (p) => percent(p.share)),
        shown(s.after, (p) => percent(p.share)),
      ),
      arrow(
        shown(s.before, (p) => rate(p.rps)),
        shown(s.after, (p) => rate(p.rps)),
      ),
      capacity,
    ]);
  }
  const unserved = Math.max(traffic.before?.unservedShare ?? 0, traffic.after?.unservedShare ?? 0);
  if (unserved > 0)
    rows.push([
      "(no server: 503)",
      arrow(
        traffic.before && percent(traffic.before.unservedShare),
        traffic.after && percent(traffic.after.unservedShare),
      ),
      arrow(
        traffic.before && rate(traffic.before.rps * traffic.before.unservedShare),
        traffic.after && rate(traffic.after.rps * traffic.after.unservedShare),
      ),
      "",
    ]);
  return table(rows);
}

/**
 * Renders a plan for a terminal, to be read in ten seconds: a header with the counts per risk,
 * then per section each change as one line (`+` added, `-` removed, `~` changed, its file:line
 * and risk) with its reasons indented below, and under each backend a table of its servers'
 * predicted share and rate before and after.
 */
export function renderPlanText(input: PlanTextInput): string {
  const { plan } = input;
  const paint = painter(input.color);
  const lines: string[] = [];
  const total = plan.changes.length;
  if (total === 0) {
    lines.push(paint("bold", "Plan: no changes."));
    return `${lines.join("\n")}\n`;
  }
  const counts = RISKS.map((r) => `${plan.counts[r]} ${r}`).join(", ");
  lines.push(
    `${paint("bold", `Plan: ${counts} — ${total} change${total === 1 ? "" : "s"}`)}, overall risk ${paint(RISK_STYLE[plan.overall] === "dim" ? "bold" : RISK_STYLE[plan.overall], plan.overall)}`,
  );

  const traffic = new Map(plan.traffic.map((t) => [t.backend, t]));
  const riskWidth = Math.max(...RISKS.map((r) => r.length));
  let current: PlanSection | undefined;
  const closeSection = () => {
    if (!current || (current.kind !== "backend" && current.kind !== "listen")) return;
    const t = traffic.get(current.name);
    if (!t || t.servers.length === 0) return;
    lines.push(paint("dim", "    traffic:"));
    for (const row of trafficTable(t)) lines.push(`      ${row}`);
  };
  for (const change of plan.changes) {
    if (!current || !sameSection(current, change.section)) {
      closeSection();
      current = change.section;
      lines.push("", paint("bold", sectionTitle(current)));
    }
    const marker = MARKER[change.kind];
    lines.push(
      `  ${paint(marker.style, marker.sign)} ${change.summary}  ${paint("dim", `${change.span.file}:${change.span.line}`)}  ${paint(RISK_STYLE[change.risk], change.risk)}`,
    );
    for (const reason of change.reasons)
      lines.push(`      ${paint(RISK_STYLE[reason.risk], reason.risk.padEnd(riskWidth))}  ${reason.message}`);
  }
  closeSection();
  if (plan.assumptions.length > 0) {
    lines.push("", paint("dim", "Traffic prediction assumed:"));
    for (const a of plan.assumptions) lines.push(paint("dim", `  ${a}`));
  }
  return `${lines.join("\n")}\n`;
}
