import type { StatRow, StatRowType, StatSnapshot } from "../../../src/haproxy/runtime/stat-row.js";

/** A `show stat` row with every counter at zero, a usual status, and `fields` on top. */
export function statRow(proxy: string, name: string, fields: Partial<StatRow> = {}): StatRow {
  const type: StatRowType = name === "FRONTEND" ? "frontend" : name === "BACKEND" ? "backend" : "server";
  return {
    proxy,
    name,
    type,
    status: type === "frontend" ? "OPEN" : "UP",
    sessionsCurrent: 0,
    sessionsTotal: 0,
    requestsTotal: 0,
    responses: { "1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0, other: 0 },
    requestErrors: 0,
    connectionErrors: 0,
    responseErrors: 0,
    retries: 0,
    denied: 0,
    picked: 0,
    queueCurrent: 0,
    checkDowns: 0,
    ...fields,
  };
}

/** What one server did during one step; `requests` default to ok + c4xx + c5xx. */
export interface ServerStep {
  ok?: number;
  c4xx?: number;
  c5xx?: number;
  econ?: number;
  eresp?: number;
  /** Connection attempts retried (`wretr`). */
  retries?: number;
}

/**
 * A pretend HAProxy worker: it keeps cumulative counters the way HAProxy does, and `reload`
 * starts a new worker whose counters restart from zero. Frontends route to one backend per call.
 */
export class FakeHaproxy {
  private rows = new Map<string, StatRow>();

  /** Starts a worker with `frontend` → `backend` → `servers`, counters at zero. */
  constructor(layout: Record<string, Record<string, string[]>>) {
    this.reload(layout);
  }

  /** Replaces the worker: same or new layout, every counter back at zero, statuses reset. */
  reload(layout: Record<string, Record<string, string[]>>): this {
    this.rows = new Map();
    for (const [frontend, backends] of Object.entries(layout)) {
      this.add(statRow(frontend, "FRONTEND"));
      for (const [backend, servers] of Object.entries(backends)) {
        this.add(statRow(backend, "BACKEND"));
        for (const server of servers) this.add(statRow(backend, server));
      }
    }
    return this;
  }

  /** Gives a row a counter head start, as a worker that has run for a while has. */
  preload(key: string, requests: number): this {
    const row = this.row(key);
    row.requestsTotal += requests;
    row.sessionsTotal += requests;
    row.picked += requests;
    row.responses["2xx"] += requests;
    return this;
  }

  /** Sets a row's status (and check status). */
  status(key: string, status: string, checkStatus?: string): this {
    const row = this.row(key);
    row.status = status;
    if (checkStatus !== undefined) row.checkStatus = checkStatus;
    return this;
  }

  /**
   * Serves one step of traffic arriving on `frontend` for `backend`. The server key `""` stands
   * for requests the backend answered itself (no server left).
   */
  serve(frontend: string, backend: string, servers: Record<string, ServerStep>, denied = 0): this {
    const fe = this.row(`${frontend}/FRONTEND`);
    const be = this.row(`${backend}/BACKEND`);
    for (const [name, step] of Object.entries(servers)) {
      const ok = step.ok ?? 0;
      const c4xx = step.c4xx ?? 0;
      const c5xx = step.c5xx ?? 0;
      const n = ok + c4xx + c5xx;
      const targets = name === "" ? [fe, be] : [fe, be, this.row(`${backend}/${name}`)];
      for (const row of targets) {
        row.sessionsTotal += n;
        if (row.type !== "server") row.requestsTotal += n;
        row.responses["2xx"] += ok;
        row.responses["4xx"] += c4xx;
        row.responses["5xx"] += c5xx;
        if (row.type === "server") row.picked += n;
        if (row.type !== "frontend") {
          row.connectionErrors += step.econ ?? 0;
          row.responseErrors += step.eresp ?? 0;
          row.retries += step.retries ?? 0;
        }
      }
    }
    fe.denied += denied;
    return this;
  }

  /** The worker's `show stat` at `at`, a copy later steps leave alone. */
  snapshot(at: number): StatSnapshot {
    return { at, rows: [...this.rows.values()].map((row) => ({ ...row, responses: { ...row.responses } })) };
  }

  private add(row: StatRow): void {
    this.rows.set(`${row.proxy}/${row.name}`, row);
  }

  private row(key: string): StatRow {
    const row = this.rows.get(key);
    if (row === undefined) throw new Error(`no row ${key}`);
    return row;
  }
}

/** Steps `lab` every `stepMs` from `from` to `to` inclusive, calling `step` before each snapshot. */
export function run(
  lab: FakeHaproxy,
  from: number,
  to: number,
  step: (at: number) => void,
  stepMs = 250,
): StatSnapshot[] {
  const snapshots: StatSnapshot[] = [];
  for (let at = from; at <= to; at += stepMs) {
    step(at);
    snapshots.push(lab.snapshot(at));
  }
  return snapshots;
}
