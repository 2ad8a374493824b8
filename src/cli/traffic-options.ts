import { LbguardError } from "../errors.js";
import type { RequestClass, TrafficInput } from "../simulate/types.js";

/** The traffic options `simulate`, `plan` and `gate` share, for util.parseArgs. */
export const TRAFFIC_OPTIONS = {
  rps: { type: "string" },
  frontend: { type: "string", multiple: true },
  paths: { type: "string" },
  host: { type: "string" },
  clients: { type: "string" },
  concurrency: { type: "string" },
  latency: { type: "string" },
  down: { type: "string", multiple: true },
  seed: { type: "string" },
  samples: { type: "string" },
} as const;

/** Options every command takes: colour control and help. */
export const COMMON_OPTIONS = {
  color: { type: "boolean" },
  "no-color": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** What `simulate`, `plan` and `gate` share: traffic, the inventory, JSON output. */
export const PREDICTION_OPTIONS = {
  ...TRAFFIC_OPTIONS,
  ...COMMON_OPTIONS,
  inventory: { type: "string" },
  json: { type: "boolean", default: false },
} as const;

/** Help lines for the shared traffic options. */
export const TRAFFIC_HELP = `Traffic (every value left out is assumed and the output says what was assumed):
  --rps N              request rate of the first frontend that forwards to a backend (default 100 req/s)
  --frontend NAME=N    request rate of a named frontend (repeatable; replaces --rps)
  --paths LIST         request mix: comma-separated PATH[:WEIGHT], optionally 'METHOD PATH',
                       e.g. '/:7,/api/orders:3' (default: GET /)
  --host NAME          the Host header of every request (default: unknown, so rules that
                       test it give undetermined shares)
  --clients N|LIST     number of distinct client addresses (1 = everyone behind one proxy),
                       or the addresses, comma-separated (default 1000)
  --concurrency N      requests in flight at once, for leastconn and maxconn (default 1)
  --latency MS         time a server takes per request; without --concurrency, requests in
                       flight per backend = its rate x latency
  --down B/S           consider server S of backend B down (repeatable)
  --seed N             seed for random draws and client addresses
  --samples N          requests played through each backend (default 20000)`;

type TrafficValues = {
  rps?: string | undefined;
  frontend?: string[] | undefined;
  paths?: string | undefined;
  host?: string | undefined;
  clients?: string | undefined;
  concurrency?: string | undefined;
  latency?: string | undefined;
  down?: string[] | undefined;
  seed?: string | undefined;
  samples?: string | undefined;
};

/** Turns the parsed traffic options into a traffic description, or LBG_USAGE naming the bad one. */
export function trafficFromOptions(values: TrafficValues): TrafficInput {
  const input: TrafficInput = {};
  if (values.rps !== undefined) input.rps = positiveNumber("--rps", values.rps);
  if (values.clients !== undefined) input.clients = readClients(values.clients);
  if (values.latency !== undefined) input.latencyMs = positiveNumber("--latency", values.latency);
  if (values.frontend && values.frontend.length > 0) {
    input.frontendRps = {};
    for (const item of values.frontend) {
      const m = /^([^=]+)=(.+)$/.exec(item);
      if (!m) usage(`--frontend expects NAME=RPS, not '${item}'`);
      input.frontendRps[m[1]!] = positiveNumber("--frontend", m[2]!);
    }
  }
  if (values.concurrency !== undefined)
    input.concurrency = positiveInteger("--concurrency", values.concurrency);
  if (values.seed !== undefined) input.seed = positiveInteger("--seed", values.seed);
  if (values.samples !== undefined) input.samples = positiveInteger("--samples", values.samples);
  if (values.down && values.down.length > 0) {
    for (const d of values.down) {
      if (!/^[^/]+\/[^/]+$/.test(d)) usage(`--down expects BACKEND/SERVER, not '${d}'`);
    }
    input.down = values.down;
  }
  if (values.paths !== undefined || values.host !== undefined) {
    input.requests = readPaths(values.paths ?? "/").map((r) =>
      values.host === undefined ? r : { ...r, host: values.host },
    );
  }
  return input;
}

/** `'/:7,POST /api/orders:3'` → request classes. */
function readPaths(list: string): RequestClass[] {
  return list.split(",").map((item) => {
    const m = /^\s*(?:([A-Z]+)\s+)?(\/[^\s:]*)(?::(\d+(?:\.\d+)?))?\s*$/.exec(item);
    if (!m) usage(`--paths expects PATH[:WEIGHT] items like '/api:3', not '${item.trim()}'`);
    const [pathPart, query] = splitQuery(m[2]!);
    const request: RequestClass = { method: m[1] ?? "GET", path: pathPart, weight: m[3] ? Number(m[3]) : 1 };
    if (query !== undefined) request.query = query;
    return request;
  });
}

/** `--clients 500` or `--clients 192.0.2.1,192.0.2.2`. */
function readClients(text: string): number | string[] {
  if (/^\d+$/.test(text)) return positiveInteger("--clients", text);
  const addresses = text.split(",").map((a) => a.trim());
  for (const a of addresses) {
    if (!/^[\d.]+$|^[\da-fA-F:]+$/.test(a) || !(a.includes(".") || a.includes(":"))) {
      usage(`--clients expects a number or IP addresses separated by commas, not '${a}'`);
    }
  }
  return addresses;
}

function splitQuery(target: string): [string, string | undefined] {
  const at = target.indexOf("?");
  return at < 0 ? [target, undefined] : [target.slice(0, at), target.slice(at + 1)];
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) usage(`${flag} expects a number of zero or more, not '${text}'`);
  return n;
}

function positiveInteger(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} expects a whole number of 1 or more, not '${text}'`);
  return n;
}

function usage(detail: string): never {
  throw new LbguardError("LBG_USAGE", { detail });
}
