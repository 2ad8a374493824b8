import type { ChangeCandidate } from "../monitor/types.js";
import type { Plan } from "../plan/types.js";

/** What a change touched: servers as `backend/server`, backends, frontends. */
export type Touches = ChangeCandidate["touches"];

/** Share moves smaller than this many points are rounding, not a change. */
const MIN_SHIFT_POINTS = 0.5;

/** Touches of several sources together, each list sorted and without repeats. Pure. */
export function mergeTouches(...all: readonly Touches[]): Touches {
  const union = (pick: (t: Touches) => string[]) => [...new Set(all.flatMap(pick))].sort();
  return {
    servers: union((t) => t.servers),
    backends: union((t) => t.backends),
    frontends: union((t) => t.frontends),
  };
}

/**
 * Each server's predicted share change in its backend, in points (after − before, one decimal),
 * from a plan's traffic; a server missing on one side counts as 0% there. Moves under half a
 * point are left out. Pure.
 */
export function shareShiftOf(plan: Plan): Record<string, number> {
  const shift: Record<string, number> = {};
  for (const backend of plan.traffic) {
    for (const server of backend.servers) {
      const points = ((server.after?.share ?? 0) - (server.before?.share ?? 0)) * 100;
      if (Math.abs(points) >= MIN_SHIFT_POINTS) {
        shift[`${backend.backend}/${server.server}`] = Math.round(points * 10) / 10;
      }
    }
  }
  return shift;
}

/**
 * What a plan touched: every server, backend and frontend its changes name (a route names the
 * backend it sends to; a defaults change the proxies it affects), and every server whose
 * predicted share moves. Pure.
 */
export function planTouches(plan: Plan): Touches {
  const servers = new Set<string>();
  const backends = new Set<string>();
  const frontends = new Set<string>();
  const predicted = new Set(plan.traffic.map((t) => t.backend));
  for (const { subject, affects } of plan.changes) {
    if (subject.backend !== undefined && subject.server !== undefined) {
      servers.add(`${subject.backend}/${subject.server}`);
    }
    if (subject.backend !== undefined) backends.add(subject.backend);
    if (subject.frontend !== undefined) frontends.add(subject.frontend);
    // A dynamic route (a format string) names no one backend.
    if (subject.route !== undefined && !subject.route.includes("%")) backends.add(subject.route);
    for (const proxy of affects ?? []) (predicted.has(proxy) ? backends : frontends).add(proxy);
  }
  for (const server of Object.keys(shareShiftOf(plan))) {
    servers.add(server);
    backends.add(backendOf(server));
  }
  return mergeTouches({ servers: [...servers], backends: [...backends], frontends: [...frontends] });
}

/** The touches of one server, `backend/server`. Pure. */
export function serverTouches(server: string): Touches {
  return { servers: [server], backends: [backendOf(server)], frontends: [] };
}

/** The backend of a `backend/server` key. Pure. */
export function backendOf(server: string): string {
  return server.slice(0, server.indexOf("/"));
}

const SECTION = /^[ +-]\s*(frontend|backend|listen)\s+(\S+)/;
const SERVER_LINE = /^[+-]\s*server\s+(\S+)/;

/**
 * What the changed lines of a unified diff of haproxy.cfg touch. A line belongs to the section
 * whose header came last in its hunk; lines of a hunk that starts below its section's header
 * (more than three lines of context away) cannot be placed and are left out. Pure.
 */
export function diffTouches(diff: string): Touches {
  const touches: Touches = { servers: [], backends: [], frontends: [] };
  let section: { kind: string; name: string } | undefined;
  for (const line of diff.split("\n")) {
    if (line.startsWith("@@")) section = undefined;
    if (line.startsWith("---") || line.startsWith("+++") || line.startsWith("@@")) continue;
    const header = SECTION.exec(line);
    if (header) section = { kind: header[1] as string, name: header[2] as string };
    if (!section || !(line.startsWith("+") || line.startsWith("-"))) continue;
    if (section.kind !== "backend") touches.frontends.push(section.name);
    if (section.kind !== "frontend") {
      touches.backends.push(section.name);
      const server = SERVER_LINE.exec(line);
      if (server) touches.servers.push(`${section.name}/${server[1] as string}`);
    }
  }
  return mergeTouches(touches);
}

/** How much a unified diff changes, in words: `1 line changed`, `4 lines changed`. Pure. */
export function changedLines(diff: string): string {
  const count = diff.split("\n").filter((l) => /^[+-](?![+-]{2} )/.test(l)).length;
  return `${count} line${count === 1 ? "" : "s"} changed`;
}

/** One server set by hand on the runtime API, as a runtime drift line says. */
export interface HandSetServer {
  /** `backend/server`. */
  server: string;
  weight?: { approved: number; running: number };
  state?: { approved: string; running: string };
  line: string;
}

const DRIFT_LINE = /^(\S+\/\S+) (.+) \(set on the runtime API\)$/;

/**
 * The servers of a runtime drift's diff, one line each, e.g.
 * `web/web-02 weight 10 -> 1, state ready -> maint (set on the runtime API)`. Lines that do not
 * read so are left out. Pure.
 */
export function handSetServers(diff: string): HandSetServer[] {
  const servers: HandSetServer[] = [];
  for (const line of diff.split("\n")) {
    const match = DRIFT_LINE.exec(line.trim());
    if (!match) continue;
    const found: HandSetServer = { server: match[1] as string, line: line.trim() };
    for (const part of (match[2] as string).split(", ")) {
      const weight = /^weight (\d+) -> (\d+)$/.exec(part);
      if (weight) found.weight = { approved: Number(weight[1]), running: Number(weight[2]) };
      const state = /^state (\S+) -> (\S+)$/.exec(part);
      if (state) found.state = { approved: state[1] as string, running: state[2] as string };
    }
    servers.push(found);
  }
  return servers;
}
