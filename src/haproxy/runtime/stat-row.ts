/** What a `show stat` line describes. */
export type StatRowType = "frontend" | "backend" | "server" | "listener";

/**
 * One line of HAProxy's `show stat` CSV, typed. Counters are cumulative since the worker
 * started, so they restart from zero after every reload; a field HAProxy leaves empty for this
 * kind of line reads as 0 (counters) or is absent (the rest).
 */
export interface StatRow {
  /** `pxname`: the frontend, backend or listen section. */
  proxy: string;
  /** `svname`: `FRONTEND`, `BACKEND`, or the server or listener name. */
  name: string;
  type: StatRowType;
  /** `status` as HAProxy prints it: OPEN, UP, DOWN, MAINT, DRAIN, NOLB, `no check`, `UP 1/2`… */
  status: string;
  /** `weight`: the effective weight (servers, and the sum for a backend). */
  weight?: number;
  /** `scur`: sessions open now. */
  sessionsCurrent: number;
  /** `stot`: sessions since start. */
  sessionsTotal: number;
  /** `req_tot` (frontends and backends) — HTTP requests since start; servers use `stot`. */
  requestsTotal: number;
  /** `hrsp_1xx` … `hrsp_other`: HTTP responses by class since start. */
  responses: { "1xx": number; "2xx": number; "3xx": number; "4xx": number; "5xx": number; other: number };
  /** `ereq`: request errors (frontends). */
  requestErrors: number;
  /** `econ`: failed connections to a server. */
  connectionErrors: number;
  /** `eresp`: response errors (server aborted, invalid response…). */
  responseErrors: number;
  /**
   * `wretr`: connection attempts retried. A dead server port shows here at once, while the
   * request itself waits out HAProxy's one-second turn-around between retries before its 503.
   */
  retries: number;
  /** `dreq` + `dresp`: requests and responses denied by rules. */
  denied: number;
  /** `lbtot`: times the server was picked by the balancer. */
  picked: number;
  /** `qcur`: requests queued now. */
  queueCurrent: number;
  /** `chkdown`: UP→DOWN transitions. */
  checkDowns: number;
  /** `check_status`, e.g. L4OK, L7STS, L4CON. */
  checkStatus?: string;
  /** `addr`: the server's address as `host:port`. */
  address?: string;
  /** `lastchg`: seconds since the last status change. */
  secondsSinceChange?: number;
  /** `mode`: `http`, `tcp`, … (absent from old HAProxy versions). */
  mode?: string;
  /** `req_rate`: HTTP requests over the last second (frontends). */
  requestRate?: number;
  /**
   * `qtime`, `ctime`, `rtime`, `ttime`: the average time spent queued, connecting to the server,
   * waiting for its response, and in total, in milliseconds, over the last 1024 requests
   * (backends and servers; HAProxy leaves them empty on frontends).
   */
  queueTimeMs?: number;
  connectTimeMs?: number;
  responseTimeMs?: number;
  totalTimeMs?: number;
}

/** A `show stat` answer taken at one moment. */
export interface StatSnapshot {
  /** When it was taken, in milliseconds (the caller's clock). */
  at: number;
  rows: StatRow[];
}
