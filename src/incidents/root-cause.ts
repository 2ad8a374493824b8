import { unifiedDiff } from "../agent/managed/text-diff.js";
import type { Change } from "../control/api-types.js";
import type { Suspect } from "../monitor/types.js";
import { formatRps } from "../plan/format.js";
import type { BackendTraffic, Plan, PlanChange, ServerTraffic } from "../plan/types.js";
import type { RootCause } from "./types.js";

/** What the root cause of an incident is explained from. */
export interface RootCauseInput {
  /** The suspect the incident is blamed on, usually the best-ranked one. */
  suspect: Suspect;
  /** Its change record, when it went through review. */
  change?: Change;
  /** The configuration before and after it, named as the diff should name them. */
  before?: { name: string; text: string };
  after?: { name: string; text: string };
  /** The plan of the change, with its traffic predictions. */
  plan?: Plan;
  /** It was applied with the gate skipped; default: when its actor is `drill`, as drills force. */
  forced?: boolean;
}

/** A diff of at most this many lines is kept whole, whatever it touches. */
const SMALL_DIFF_LINES = 30;
/** A trimmed diff is cut after this many lines. */
const MAX_DIFF_LINES = 80;
/** At most this many plan lines. */
const MAX_PLAN_LINES = 20;

/**
 * Explains the suspect an incident is blamed on: who wrote and approved its change (and the
 * override that took it past the gate, if any), whether it was forced, the diff trimmed to the
 * hunks that touch the servers, backends and frontends the suspect touches, and the plan's
 * lines about those, with each server's predicted share of its backend before and after. Pure.
 */
export function explainRootCause(input: RootCauseInput): RootCause {
  const { suspect, change } = input;
  const touched = touchedBy(suspect);
  const forced = input.forced ?? suspect.actor === "drill";
  return {
    suspect,
    ...(change ? { change: changeRecord(change) } : {}),
    diff: input.before && input.after ? trimmedDiff(input.before, input.after, touched) : "",
    planExcerpt: input.plan ? planExcerpt(input.plan, touched) : [],
    ...(forced ? { forced } : {}),
  };
}

function changeRecord(change: Change): NonNullable<RootCause["change"]> {
  const approvals = change.reviews.filter((r) => r.decision === "approve");
  const override = approvals.find((r) => r.override)?.override;
  return {
    id: change.id,
    author: change.author,
    reviewers: [...new Set(approvals.map((r) => r.reviewer))],
    message: change.message,
    ...(override ? { override } : {}),
  };
}

/** What a suspect touched, by name; `all` when it names nothing, so that nothing is trimmed. */
interface Touched {
  servers: Set<string>;
  /** Backends named, and the backends of the servers named. */
  backends: Set<string>;
  frontends: Set<string>;
  /** Bare server names, to find server lines in the diff. */
  serverNames: Set<string>;
  all: boolean;
}

function touchedBy(suspect: Suspect): Touched {
  const servers = new Set([...suspect.touches.servers, ...Object.keys(suspect.shareShift ?? {})]);
  const pairs = [...servers].map((s) => s.split("/"));
  const backends = new Set([...suspect.touches.backends, ...pairs.map(([b]) => b ?? "")]);
  const frontends = new Set(suspect.touches.frontends);
  const serverNames = new Set(pairs.map(([, s]) => s ?? ""));
  return {
    servers,
    backends,
    frontends,
    serverNames,
    all: servers.size + backends.size + frontends.size === 0,
  };
}

// --- the diff ---------------------------------------------------------------------------------

/** One `@@` hunk of a unified diff, with the sections its changed lines are in. */
interface Hunk {
  lines: string[];
  sections: Set<string>;
  changed: string[];
}

/**
 * The unified diff from `before` to `after`: whole when it is small, else only the hunks whose
 * changed lines lie in a touched section or name a touched server (all hunks when none does),
 * cut at MAX_DIFF_LINES.
 */
function trimmedDiff(
  before: { name: string; text: string },
  after: { name: string; text: string },
  touched: Touched,
): string {
  const full = unifiedDiff(before.text, after.text, before.name, after.name);
  const lines = full.split("\n").slice(0, -1);
  if (lines.length <= SMALL_DIFF_LINES) return full;
  const hunks = splitHunks(lines.slice(2), sectionsOf(before.text), sectionsOf(after.text));
  const relevant = touched.all ? hunks : hunks.filter((h) => hunkTouches(h, touched));
  const kept = relevant.length > 0 ? relevant : hunks;
  const out = [...lines.slice(0, 2), ...kept.flatMap((h) => h.lines)];
  if (out.length > MAX_DIFF_LINES) {
    const left = out.length - MAX_DIFF_LINES;
    out.splice(MAX_DIFF_LINES, left, `... ${left} more lines`);
  }
  return `${out.join("\n")}\n`;
}

const SECTION = /^\s*(global|defaults|frontend|backend|listen|resolvers|peers|userlist|program)\b\s*(\S*)/;

/** For each line (0-based) of a configuration, the name of the proxy section it is in. */
function sectionsOf(text: string): string[] {
  let current = "";
  return text.split("\n").map((line) => {
    const m = SECTION.exec(line);
    if (m) current = m[2] ?? "";
    return current;
  });
}

function splitHunks(lines: string[], beforeSections: string[], afterSections: string[]): Hunk[] {
  const hunks: Hunk[] = [];
  let lineA = 0;
  let lineB = 0;
  for (const line of lines) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (header) {
      lineA = firstLine(header[1], header[2]);
      lineB = firstLine(header[3], header[4]);
      hunks.push({ lines: [line], sections: new Set(), changed: [] });
      continue;
    }
    const hunk = hunks.at(-1);
    if (!hunk) continue;
    hunk.lines.push(line);
    if (line.startsWith("-")) {
      hunk.sections.add(beforeSections[lineA] ?? "");
      hunk.changed.push(line.slice(1));
      lineA++;
    } else if (line.startsWith("+")) {
      hunk.sections.add(afterSections[lineB] ?? "");
      hunk.changed.push(line.slice(1));
      lineB++;
    } else if (line.startsWith(" ")) {
      lineA++;
      lineB++;
    }
  }
  return hunks;
}

/** The 0-based line a hunk side starts at: an empty range names the line before it. */
function firstLine(start: string | undefined, count: string | undefined): number {
  return Number(start) - (count === "0" ? 0 : 1);
}

function hunkTouches(hunk: Hunk, touched: Touched): boolean {
  for (const section of hunk.sections)
    if (touched.backends.has(section) || touched.frontends.has(section)) return true;
  return hunk.changed.some((line) => {
    const words = line.trim().split(/\s+/);
    return words[0] === "server" && touched.serverNames.has(words[1] ?? "");
  });
}

// --- the plan ---------------------------------------------------------------------------------

/**
 * The plan's changes that touch what the suspect touched, in configuration order, a server's
 * predicted share of its backend merged into its line; then the touched servers whose traffic
 * moved without any line of theirs changing.
 */
function planExcerpt(plan: Plan, touched: Touched): string[] {
  const traffic = new Map<string, { backend: BackendTraffic; server: ServerTraffic }>();
  for (const backend of plan.traffic)
    for (const server of backend.servers)
      traffic.set(`${backend.backend}/${server.server}`, { backend, server });
  const out: string[] = [];
  const described = new Set<string>();
  for (const change of plan.changes) {
    if (!touched.all && !changeTouches(change, touched)) continue;
    const { backend, server } = change.subject;
    const key = backend !== undefined && server !== undefined ? `${backend}/${server}` : undefined;
    const moved = key ? traffic.get(key) : undefined;
    if (key && moved) {
      described.add(key);
      out.push(serverLine(key, change, moved.backend, moved.server));
    } else {
      out.push(withReasons(`${change.section.kind} ${change.section.name}: ${change.summary}`, change));
    }
  }
  for (const key of touched.servers) {
    const moved = traffic.get(key);
    if (moved && !described.has(key)) out.push(shareLine(`server ${key}`, moved.backend, moved.server));
  }
  return out.length > MAX_PLAN_LINES
    ? [...out.slice(0, MAX_PLAN_LINES), `... ${out.length - MAX_PLAN_LINES} more plan lines`]
    : out;
}

function changeTouches(change: PlanChange, touched: Touched): boolean {
  const { backend, server, frontend, route } = change.subject;
  if (server !== undefined)
    return touched.servers.has(`${backend}/${server}`) || touched.backends.has(backend ?? "");
  return (
    (backend !== undefined && touched.backends.has(backend)) ||
    (frontend !== undefined && touched.frontends.has(frontend)) ||
    (route !== undefined && touched.backends.has(route)) ||
    (change.affects ?? []).some((p) => touched.backends.has(p) || touched.frontends.has(p))
  );
}

/**
 * `server web/db-01 added: 33.3% of backend web's requests (was 0%), 40 req/s — reasons`; a
 * changed server says what changed: `server web/web-01 (weight 10 -> 100): 80% of …`.
 */
function serverLine(key: string, change: PlanChange, backend: BackendTraffic, server: ServerTraffic): string {
  const what =
    change.area === "traffic"
      ? ""
      : change.kind === "changed"
        ? ` (${change.summary.replace(/^server \S+: /, "")})`
        : ` ${change.kind}`;
  return withReasons(shareLine(`server ${key}${what}`, backend, server), change);
}

function shareLine(subject: string, backend: BackendTraffic, server: ServerTraffic): string {
  const was = percent(server.before?.share ?? 0);
  const now = server.after;
  if (!now) return `${subject}: no longer receives requests (was ${was} of backend ${backend.backend}'s)`;
  const state = now.state === "active" ? "" : `, ${now.state}`;
  return `${subject}: ${percent(now.share)} of backend ${backend.backend}'s requests (was ${was}), ${formatRps(now.rps)} req/s${state}`;
}

function withReasons(line: string, change: PlanChange): string {
  const reasons = change.reasons.filter((r) => r.risk !== "low").map((r) => r.message);
  return reasons.length > 0 ? `${line} — ${reasons.join("; ")}` : line;
}

/** A share as a percentage with one decimal, dropping `.0`: `33.3%`, `50%`, `0%`. */
function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}
