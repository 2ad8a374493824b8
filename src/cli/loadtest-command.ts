import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import { type LoadProgress, runLoad } from "../lab/load-generator.js";
import { type LoadSummary, summarizeLoad } from "../lab/load-summary.js";
import type { Config } from "../model/config.js";
import { isFrontend } from "../model/proxy.js";
import { simulate } from "../simulate/simulate.js";
import type { TrafficInput } from "../simulate/types.js";
import { loadConfig, loadInventory } from "./load-inputs.js";
import { painter, type Paint } from "./render/paint.js";
import { useColor } from "./terminal.js";
import { COMMON_OPTIONS, trafficFromOptions } from "./traffic-options.js";

/** Highest rate `loadtest` accepts: beyond it one Node process cannot keep an open loop honest. */
export const MAX_RPS = 20_000;
/** Longest run `loadtest` accepts, in seconds. */
export const MAX_DURATION_S = 3_600;
/** Most requests in one run: every record stays in memory (about 200 bytes each) for exact percentiles. */
export const MAX_REQUESTS = 5_000_000;

/** The text of `lbguard loadtest --help`. */
export const LOADTEST_HELP = `Usage: lbguard loadtest URL --rps N --duration S [options]

Sends HTTP requests to URL at a constant rate, open loop: each request leaves on schedule
whatever happened to the earlier ones, so a slow or failing target faces the rate it was asked
to take. Reports status codes, latency percentiles and, from the X-Served-By answer header,
how the requests spread over the servers; with --config, beside the share 'simulate' predicts.

Options:
  --rps N              requests per second (up to ${MAX_RPS})
  --duration S         seconds to send for (up to ${MAX_DURATION_S}, and up to ${MAX_REQUESTS}
                       requests in all)
  --paths LIST         request mix: comma-separated PATH[:WEIGHT], optionally 'METHOD PATH',
                       e.g. '/:7,POST /api:3' (default: GET of the URL's path)
  --no-keepalive       open a new connection for every request (Connection: close)
  --timeout MS         deadline of each request (default 5000)
  --config CFG         the haproxy.cfg in front of the servers: show the predicted share
                       of each server beside the observed one
  --inventory FILE     servers with role and capacity_rps, for the prediction
  --json               print one JSON object: the summary and the prediction
  --color, --no-color  force colours on or off
  -h, --help           show this help

Progress goes to stderr (rewritten in place on a terminal); the report to stdout.
Ctrl-C stops sending, waits for the requests in flight and reports what was sent.

Exit codes: 0 every request succeeded (2xx/3xx), 1 some request failed (error, timeout or
another status), 2 usage or unreadable input, 130 interrupted.
`;

/** One server in the report: how many requests it answered and, with a config, its predicted share. */
export interface LoadtestServerRow {
  name: string;
  /** Requests whose answer named this server. */
  observed: number;
  /** observed / requests sent. */
  observedShare: number;
  /** Share of all requests the simulator predicts, when a config was given. */
  predictedShare?: number;
}

/** The `--json` document. */
export interface LoadtestReport {
  url: string;
  rps: number;
  durationS: number;
  keepAlive: boolean;
  timeoutMs: number;
  /** True when the run was stopped early (Ctrl-C). */
  interrupted: boolean;
  summary: LoadSummary;
  servers: LoadtestServerRow[];
  /** The simulator's view, when `--config` was given. */
  prediction: { config: string; frontend?: string; assumptions: string[] } | null;
}

/** `lbguard loadtest`: returns the exit code. */
export async function loadtestCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  stderrIsTty = Boolean(process.stderr.isTTY),
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      rps: { type: "string" },
      duration: { type: "string" },
      paths: { type: "string" },
      "no-keepalive": { type: "boolean", default: false },
      timeout: { type: "string" },
      config: { type: "string" },
      inventory: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    out(LOADTEST_HELP);
    return 0;
  }
  if (positionals.length !== 1) usage("loadtest needs exactly one URL");
  const url = readUrl(positionals[0]!);
  if (values.rps === undefined) usage("loadtest needs --rps N");
  if (values.duration === undefined) usage("loadtest needs --duration S");
  const rps = bounded("--rps", values.rps, MAX_RPS);
  const durationS = bounded("--duration", values.duration, MAX_DURATION_S);
  if (rps * durationS > MAX_REQUESTS) {
    usage(
      `--rps x --duration is at most ${MAX_REQUESTS} requests (each is kept in memory), not ${Math.ceil(rps * durationS)}`,
    );
  }
  const timeoutMs = values.timeout === undefined ? 5_000 : bounded("--timeout", values.timeout, 600_000);
  if (values.inventory !== undefined && values.config === undefined) usage("--inventory needs --config");
  const requests = trafficFromOptions({ paths: values.paths }).requests;
  const paths = requests?.map((r) => ({
    method: r.method,
    path: r.query === undefined ? r.path : `${r.path}?${r.query}`,
    weight: r.weight,
  }));
  const keepAlive = !values["no-keepalive"];

  // The prediction comes first: a config that cannot be read should fail before the load, not after.
  let predicted: Prediction | undefined;
  if (values.config !== undefined) {
    const { model, diagnostics } = await loadConfig(values.config);
    for (const d of diagnostics.filter((x) => x.severity === "error")) {
      err(`lbguard: ${d.span.file}:${d.span.line}: ${d.message} (the prediction ignores that line)\n`);
    }
    const inventory = values.inventory ? (await loadInventory(values.inventory)).inventory : undefined;
    predicted = predict(model, url, rps, requests, inventory, values.config);
  }

  const controller = new AbortController();
  const interrupt = (): void => controller.abort();
  process.once("SIGINT", interrupt);
  const paint = painter(useColor(values));
  let result;
  try {
    result = await runLoad({
      url: url.href,
      rps,
      durationS,
      keepAlive,
      timeoutMs,
      signal: controller.signal,
      ...(paths ? { paths } : {}),
      onProgress: (p) => {
        const line = progressLine(p, durationS);
        if (stderrIsTty) {
          err(`\r${line}\u001b[K${p.done ? "\n" : ""}`);
        } else if (p.done) err(`${line}\n`);
      },
    });
  } finally {
    process.off("SIGINT", interrupt);
  }

  const summary = summarizeLoad(result.records);
  const interrupted = controller.signal.aborted;
  const servers = serverRows(summary, predicted?.shares);
  const report: LoadtestReport = {
    url: url.href,
    rps,
    durationS,
    keepAlive,
    timeoutMs,
    interrupted,
    summary,
    servers,
    prediction: predicted
      ? {
          config: predicted.config,
          ...(predicted.frontend !== undefined ? { frontend: predicted.frontend } : {}),
          assumptions: predicted.assumptions,
        }
      : null,
  };
  if (values.json) out(`${JSON.stringify(report, null, 2)}\n`);
  else out(renderLoadtestText(report, paint));
  if (interrupted) return 130;
  return summary.failed === 0 ? 0 : 1;
}

interface Prediction {
  config: string;
  frontend?: string;
  /** Predicted share of all requests, by server name. */
  shares: Map<string, number>;
  assumptions: string[];
}

/**
 * Runs the simulator with the load's rate and mix on the frontend that binds the URL's port.
 * All requests come from this one machine, so the simulator is told of one client address:
 * that is what `balance source` and `src` rules will see.
 */
function predict(
  model: Config,
  url: URL,
  rps: number,
  requests: TrafficInput["requests"],
  inventory: Parameters<typeof simulate>[2],
  config: string,
): Prediction {
  const port = Number(url.port || 80);
  const listening = model.frontends.filter(
    (f) => isFrontend(f) && f.binds.some((b) => b.addresses.some((a) => bindsPort(a, port))),
  );
  const frontend = listening.length === 1 ? listening[0]?.name : undefined;
  const input: TrafficInput = { clients: 1 };
  if (frontend !== undefined) input.frontendRps = { [frontend]: rps };
  else input.rps = rps;
  input.requests = (requests ?? [{ method: "GET", path: url.pathname, weight: 1 }]).map((r) => ({
    ...r,
    host: url.host,
  }));
  const result = simulate(model, input, inventory, { failures: false });
  const shares = new Map<string, number>();
  for (const backend of result.backends) {
    for (const server of backend.servers) {
      if (server.rps > 0) shares.set(server.name, (shares.get(server.name) ?? 0) + server.rps / rps);
    }
  }
  const assumptions = [...result.traffic.assumptions];
  if (frontend === undefined) {
    assumptions.push(
      `no single frontend binds port ${port}: the prediction puts the load on the first frontend that forwards to a backend`,
    );
  }
  return { config, ...(frontend !== undefined ? { frontend } : {}), shares, assumptions };
}

function bindsPort(address: { port?: number; portEnd?: number }, port: number): boolean {
  if (address.port === undefined) return false;
  return port >= address.port && port <= (address.portEnd ?? address.port);
}

/** Observed servers and predicted ones, by observed count then name. */
function serverRows(summary: LoadSummary, predicted?: Map<string, number>): LoadtestServerRow[] {
  const names = new Set([...Object.keys(summary.servedBy), ...(predicted?.keys() ?? [])]);
  return [...names]
    .map((name): LoadtestServerRow => {
      const observed = summary.servedBy[name] ?? 0;
      const row: LoadtestServerRow = {
        name,
        observed,
        observedShare: summary.requests > 0 ? observed / summary.requests : 0,
      };
      if (predicted) row.predictedShare = predicted.get(name) ?? 0;
      return row;
    })
    .sort((a, b) => b.observed - a.observed || a.name.localeCompare(b.name));
}

/** The human report of a run. */
export function renderLoadtestText(report: LoadtestReport, paint: Paint): string {
  const s = report.summary;
  const lines: string[] = [];
  const mode = report.keepAlive ? "keep-alive" : "a new connection per request";
  lines.push(
    paint("bold", `loadtest ${report.url}`) +
      ` ${report.rps} req/s for ${report.durationS} s, ${mode}, open loop` +
      (report.interrupted ? paint("yellow", " (interrupted)") : ""),
  );
  lines.push("");
  const failedPct = s.requests > 0 ? (100 * s.failed) / s.requests : 0;
  const failed = `${s.failed} failed (${failedPct.toFixed(1)}%)`;
  lines.push(
    `Requests  ${s.requests} sent at ${s.achievedRps.toFixed(1)} req/s, ${s.succeeded} ok, ` +
      (s.failed > 0 ? paint("red", failed) : paint("green", failed)),
  );
  const statuses = Object.entries(s.byStatus)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, count]) => `${key}: ${count}`);
  lines.push(`Status    ${statuses.join("  ") || "-"}`);
  const l = s.latencyMs;
  lines.push(`Latency   p50 ${ms(l.p50)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  max ${ms(l.max)}`);
  lines.push("");
  if (report.servers.length === 0) {
    lines.push("Servers   no answer named its server (no X-Served-By header)");
  } else {
    const width = Math.max(6, ...report.servers.map((r) => r.name.length));
    const withPrediction = report.prediction !== null;
    lines.push(
      paint(
        "bold",
        `${"server".padEnd(width)}  ${"requests".padStart(8)}  ${"observed".padStart(8)}` +
          (withPrediction ? `  ${"predicted".padStart(9)}  ${"diff".padStart(6)}` : ""),
      ),
    );
    for (const row of report.servers) {
      let line = `${row.name.padEnd(width)}  ${String(row.observed).padStart(8)}  ${pct(row.observedShare).padStart(8)}`;
      if (row.predictedShare !== undefined) {
        const diff = 100 * (row.observedShare - row.predictedShare);
        const text = `${diff >= 0 ? "+" : ""}${diff.toFixed(1)}`.padStart(6);
        line += `  ${pct(row.predictedShare).padStart(9)}  ${Math.abs(diff) >= 5 ? paint("yellow", text) : text}`;
      }
      lines.push(line);
    }
    const unnamed = s.requests - report.servers.reduce((sum, r) => sum + r.observed, 0);
    if (unnamed > 0) lines.push(paint("dim", `${unnamed} request(s) got no answer naming a server`));
  }
  if (report.prediction) {
    const where = report.prediction.frontend ? ` on frontend '${report.prediction.frontend}'` : "";
    lines.push("");
    lines.push(paint("dim", `Predicted by simulating ${report.prediction.config}${where}, assuming:`));
    for (const a of report.prediction.assumptions) lines.push(paint("dim", `  - ${a}`));
  }
  return `${lines.join("\n")}\n`;
}

/** The live progress line. */
function progressLine(p: LoadProgress, durationS: number): string {
  const elapsed = Math.min(p.elapsedMs / 1000, durationS + 3_600);
  return (
    `${elapsed.toFixed(0)}s/${durationS}s  sent ${p.sent}  ok ${p.ok}  failed ${p.failed}` +
    `  in flight ${p.inFlight}  p95 ${ms(p.p95Ms)}`
  );
}

function ms(value: number | null): string {
  if (value === null) return "-";
  return value < 10
    ? `${value.toFixed(2)} ms`
    : value < 100
      ? `${value.toFixed(1)} ms`
      : `${Math.round(value)} ms`;
}

function pct(share: number): string {
  return `${(100 * share).toFixed(1)}%`;
}

function readUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    usage(`loadtest expects an http:// URL, not '${text}'`);
  }
  if (url.protocol !== "http:") usage(`loadtest sends plain HTTP only, not '${url.protocol}' (${text})`);
  return url;
}

/** A number above 0 and at most `max`. */
function bounded(flag: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) usage(`${flag} expects a number above 0, not '${text}'`);
  if (n > max) usage(`${flag} is at most ${max}, not ${text}`);
  return n;
}

function usage(detail: string): never {
  throw new LbguardError("LBG_USAGE", { detail });
}
