import type { StatRow, StatRowType } from "./stat-row.js";

const ROW_TYPES: Record<string, StatRowType> = {
  "0": "frontend",
  "1": "backend",
  "2": "server",
  "3": "listener",
};

/** The average-time columns and the fields they fill. */
const TIMES = [
  ["qtime", "queueTimeMs"],
  ["ctime", "connectTimeMs"],
  ["rtime", "responseTimeMs"],
  ["ttime", "totalTimeMs"],
] as const;

/**
 * Splits one CSV line. HAProxy quotes a field (doubling inner quotes) when it holds a comma or
 * a quote, which only happens in free-text columns such as `check_desc`.
 */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      fields.push(field);
      field = "";
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/**
 * Parses the CSV answer of `show stat` into typed rows. Columns are found by the names on the
 * `# pxname,svname,...` header, never by position, because HAProxy versions add and reorder
 * columns. Lines whose `type` is not 0-3 (frontend, backend, server, listener) are skipped.
 */
export function parseShowStat(csv: string): StatRow[] {
  const lines = csv.split("\n").map((l) => l.replace(/\r$/, ""));
  const headerLine = lines.find((l) => l.startsWith("# "));
  if (!headerLine) return [];
  const header = splitCsvLine(headerLine.slice(2));
  const column = new Map<string, number>();
  header.forEach((name, i) => {
    if (name !== "" && !column.has(name)) column.set(name, i);
  });
  const rows: StatRow[] = [];
  for (const line of lines) {
    if (line === "" || line.startsWith("#")) continue;
    const fields = splitCsvLine(line);
    const text = (name: string): string | undefined => {
      const i = column.get(name);
      const value = i === undefined ? undefined : fields[i];
      return value === undefined || value === "" ? undefined : value;
    };
    const count = (name: string): number => {
      const value = Number(text(name));
      return Number.isFinite(value) ? value : 0;
    };
    const optionalNumber = (name: string): number | undefined => {
      const value = text(name);
      return value === undefined || !Number.isFinite(Number(value)) ? undefined : Number(value);
    };
    const type = ROW_TYPES[text("type") ?? ""];
    const proxy = text("pxname");
    const name = text("svname");
    if (!type || proxy === undefined || name === undefined) continue;
    const row: StatRow = {
      proxy,
      name,
      type,
      status: text("status") ?? "",
      sessionsCurrent: count("scur"),
      sessionsTotal: count("stot"),
      requestsTotal: text("req_tot") !== undefined || type !== "server" ? count("req_tot") : count("stot"),
      responses: {
        "1xx": count("hrsp_1xx"),
        "2xx": count("hrsp_2xx"),
        "3xx": count("hrsp_3xx"),
        "4xx": count("hrsp_4xx"),
        "5xx": count("hrsp_5xx"),
        other: count("hrsp_other"),
      },
      requestErrors: count("ereq"),
      connectionErrors: count("econ"),
      responseErrors: count("eresp"),
      retries: count("wretr"),
      denied: count("dreq") + count("dresp"),
      picked: count("lbtot"),
      queueCurrent: count("qcur"),
      checkDowns: count("chkdown"),
    };
    const weight = optionalNumber("weight");
    if (weight !== undefined) row.weight = weight;
    const checkStatus = text("check_status");
    if (checkStatus !== undefined) row.checkStatus = checkStatus;
    const address = text("addr");
    if (address !== undefined) row.address = address;
    const lastChange = optionalNumber("lastchg");
    if (lastChange !== undefined) row.secondsSinceChange = lastChange;
    const mode = text("mode");
    if (mode !== undefined) row.mode = mode;
    const requestRate = optionalNumber("req_rate");
    if (requestRate !== undefined) row.requestRate = requestRate;
    for (const [column, field] of TIMES) {
      const ms = optionalNumber(column);
      if (ms !== undefined) row[field] = ms;
    }
    rows.push(row);
  }
  return rows;
}

/**
 * Parses the `Name: value` lines of `show info` into a record keyed by name (`Pid`, `Version`,
 * `Uptime_sec`, `CurrConns`...). Values stay strings, as HAProxy prints them.
 */
export function parseShowInfo(text: string): Record<string, string> {
  const info: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    info[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return info;
}

/** A server's operational state, from `srv_op_state` (0-3). */
export type ServerOperationalState = "stopped" | "starting" | "running" | "stopping";

/** The administrative state an operator can set with `set server <b>/<s> state`. */
export type ServerAdminState = "ready" | "drain" | "maint";

/**
 * The bits of `srv_admin_state`. Only the forced ones (`FMAINT`, `FDRAIN`) are set by an
 * operator; the others come from the configuration (`CMAINT`: `disabled`), a tracked server
 * (`IMAINT`, `IDRAIN`), DNS resolution (`RMAINT`) or an unresolvable address (`HMAINT`).
 */
export const SERVER_ADMIN_FLAGS = {
  FMAINT: 0x01,
  IMAINT: 0x02,
  CMAINT: 0x04,
  FDRAIN: 0x08,
  IDRAIN: 0x10,
  RMAINT: 0x20,
  HMAINT: 0x40,
} as const;

/** One server line of `show servers state`, typed. */
export interface ServerStateRow {
  /** `be_id` and `be_name`. */
  backendId: number;
  backend: string;
  /** `srv_id` and `srv_name`. */
  serverId: number;
  server: string;
  /** `srv_addr`: the IP address the server resolves to now. */
  address: string;
  /** `srv_port`, when the server has one. */
  port?: number;
  /** `srv_fqdn`, when the server was named by a host name. */
  fqdn?: string;
  operationalState: ServerOperationalState;
  /** `srv_admin_state`: the raw bit field (see `SERVER_ADMIN_FLAGS`). */
  adminFlags: number;
  /** The state those bits amount to: any maintenance bit wins over any drain bit. */
  adminState: ServerAdminState;
  /** The state set by an operator only (the forced bits), which is what a reload loses. */
  forcedAdminState: ServerAdminState;
  /** `srv_uweight`: the weight in effect, possibly set at runtime. */
  userWeight: number;
  /** `srv_iweight`: the weight from the configuration. */
  initialWeight: number;
  /** `srv_time_since_last_change`, in seconds. */
  secondsSinceChange: number;
  /** Every column by its header name, as printed, for fields not typed above. */
  raw: Record<string, string>;
}

const OPERATIONAL: Record<string, ServerOperationalState> = {
  "0": "stopped",
  "1": "starting",
  "2": "running",
  "3": "stopping",
};

const MAINT_BITS =
  SERVER_ADMIN_FLAGS.FMAINT |
  SERVER_ADMIN_FLAGS.IMAINT |
  SERVER_ADMIN_FLAGS.CMAINT |
  SERVER_ADMIN_FLAGS.RMAINT |
  SERVER_ADMIN_FLAGS.HMAINT;
const DRAIN_BITS = SERVER_ADMIN_FLAGS.FDRAIN | SERVER_ADMIN_FLAGS.IDRAIN;

function adminStateOf(flags: number): ServerAdminState {
  return flags & MAINT_BITS ? "maint" : flags & DRAIN_BITS ? "drain" : "ready";
}

/**
 * Parses `show servers state` (the server-state-file format): a version line (`1`), a
 * `# be_id be_name srv_id ...` header naming the space-separated columns, then one line per
 * server. Columns are read by header name. Lines that are too short or lack a name are skipped.
 */
export function parseServersState(text: string): ServerStateRow[] {
  const lines = text.split("\n").map((l) => l.trim());
  const headerLine = lines.find((l) => l.startsWith("# be_id") || l.startsWith("#be_id"));
  if (!headerLine) return [];
  const header = headerLine.replace(/^#\s*/, "").split(/\s+/);
  const rows: ServerStateRow[] = [];
  for (const line of lines) {
    if (line === "" || line.startsWith("#") || /^\d+$/.test(line)) continue;
    const fields = line.split(/\s+/);
    if (fields.length < header.length) continue;
    const raw: Record<string, string> = {};
    header.forEach((name, i) => {
      raw[name] = fields[i] as string;
    });
    const number = (name: string): number => {
      const value = Number(raw[name]);
      return Number.isFinite(value) ? value : 0;
    };
    const backend = raw.be_name;
    const server = raw.srv_name;
    if (!backend || !server) continue;
    const adminFlags = number("srv_admin_state");
    const forced = adminFlags & (SERVER_ADMIN_FLAGS.FMAINT | SERVER_ADMIN_FLAGS.FDRAIN);
    const row: ServerStateRow = {
      backendId: number("be_id"),
      backend,
      serverId: number("srv_id"),
      server,
      address: raw.srv_addr ?? "",
      operationalState: OPERATIONAL[raw.srv_op_state ?? ""] ?? "stopped",
      adminFlags,
      adminState: adminStateOf(adminFlags),
      forcedAdminState: adminStateOf(forced),
      userWeight: number("srv_uweight"),
      initialWeight: number("srv_iweight"),
      secondsSinceChange: number("srv_time_since_last_change"),
      raw,
    };
    const port = Number(raw.srv_port);
    if (raw.srv_port !== undefined && Number.isInteger(port) && port > 0) row.port = port;
    if (raw.srv_fqdn && raw.srv_fqdn !== "-") row.fqdn = raw.srv_fqdn;
    rows.push(row);
  }
  return rows;
}
