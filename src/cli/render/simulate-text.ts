import { hasKnownCapacity } from "../../simulate/capacity.js";
import { painter, type Paint } from "./paint.js";
import type { BackendPrediction, FailureOutcome, Overload, SimulationResult } from "../../simulate/types.js";

const BAR_WIDTH = 24;

/** Options of the human rendering. */
export interface SimulateTextOptions {
  color: boolean;
  /** Show backends that receive no traffic too. */
  all: boolean;
}

/**
 * The prediction as a person reads it: where each frontend's requests go, then each backend's
 * servers with share, rate, capacity and a bar, then what overloads now and after one failure,
 * then every assumption made.
 */
export function renderSimulationText(result: SimulationResult, options: SimulateTextOptions): string {
  const paint = painter(options.color);
  const lines: string[] = [];
  for (const f of result.frontends) {
    if (f.rps <= 0 && !options.all) continue;
    lines.push(paint("bold", `frontend ${f.name}`) + `  ${rate(f.rps)}`);
    for (const r of f.routes) {
      const target = r.undetermined
        ? paint("yellow", "undetermined")
        : (r.backend ?? paint("red", "no backend (503)"));
      lines.push(`  ${requestLabel(r.request)}  ->  ${target}  ${percent(r.share)}  ${rate(r.rps)}`);
      lines.push(paint("dim", `      ${r.reason}`));
    }
    for (const note of f.notes) lines.push(paint("dim", `  note: ${note}`));
    lines.push("");
  }
  const quiet = result.backends.filter((b) => b.rps <= 0);
  for (const b of result.backends) {
    if (b.rps <= 0 && !options.all) continue;
    lines.push(...backendLines(b, paint), "");
  }
  if (quiet.length > 0 && !options.all) {
    lines.push(
      paint("dim", `${quiet.length} backend(s) receive no traffic under this mix (--all shows them)`),
      "",
    );
  }
  lines.push(...capacityLines(result, paint));
  if (result.traffic.assumptions.length > 0) {
    lines.push("", "Assumed:");
    for (const a of result.traffic.assumptions) lines.push(`  - ${a}`);
  }
  return `${lines.join("\n")}\n`;
}

function backendLines(b: BackendPrediction, paint: Paint): string[] {
  const lines = [paint("bold", `backend ${b.name}`) + `  ${b.algorithm}  ${rate(b.rps)}`];
  const rows = b.servers.map((s) => [
    s.name,
    s.state,
    String(s.weight),
    percent(s.share),
    s.rps.toFixed(1),
    s.capacityRps === undefined ? "-" : String(s.capacityRps),
    s.utilisation === undefined ? "-" : percent(s.utilisation),
  ]);
  const header = ["server", "state", "weight", "share", "req/s", "capacity", "use"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const cell = (row: string[]) =>
    row.map((c, i) => (i <= 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  lines.push(paint("dim", `  ${cell(header)}`));
  b.servers.forEach((s, i) => {
    const over = s.utilisation !== undefined && s.utilisation > 1;
    const bar = paint(over ? "red" : "green", barOf(s.share));
    lines.push(`  ${cell(rows[i]!)}  ${bar}`);
  });
  if (b.unservedShare > 0)
    lines.push(paint("red", `  ${percent(b.unservedShare)} of requests find no server (503)`));
  for (const note of b.notes) lines.push(paint("dim", `  note: ${note}`));
  return lines;
}

function capacityLines(result: SimulationResult, paint: Paint): string[] {
  const { now, nMinus1 } = result.capacity;
  if (!hasKnownCapacity(result.backends))
    return [paint("dim", "Capacity: unknown (give --inventory with capacity_rps)")];
  const lines = ["Capacity"];
  if (now.length === 0) lines.push(paint("green", "  now: every server within capacity"));
  for (const o of now) lines.push(paint("red", `  now: ${overloadText(o)}`));
  const risky = nMinus1.filter((f) => f.overloads.length > 0 || f.emptied.length > 0);
  if (nMinus1.length > 0 && risky.length === 0) {
    lines.push(
      paint(
        "green",
        `  N-1: any one of ${nMinus1.length} loaded server(s) can fail without overloading the rest`,
      ),
    );
  }
  for (const f of risky) lines.push(paint("yellow", `  N-1: ${failureText(f)}`));
  return lines;
}

function overloadText(o: Overload): string {
  return `${o.server} (${o.address}) takes ${o.rps.toFixed(1)} req/s, ${o.excessRps.toFixed(1)} over its capacity of ${o.capacityRps}`;
}

function failureText(f: FailureOutcome): string {
  const parts = f.overloads.map(overloadText);
  if (f.emptied.length > 0) parts.push(`backend ${f.emptied.join(", ")} has no server left`);
  return `if ${f.failed.server} fails: ${parts.join("; ")}`;
}

function requestLabel(r: { method: string; path: string; query?: string; host?: string }): string {
  const target = r.query === undefined ? r.path : `${r.path}?${r.query}`;
  return `${r.method} ${r.host ?? ""}${target}`;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function rate(rps: number): string {
  return `${rps.toFixed(1)} req/s`;
}

/** A bar whose full width is 100 % of the backend's requests, in eighths of a character. */
function barOf(share: number): string {
  const eighths = Math.round(Math.max(0, Math.min(1, share)) * BAR_WIDTH * 8);
  const partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]!;
  return "█".repeat(Math.floor(eighths / 8)) + partial;
}
