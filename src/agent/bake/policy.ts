import { readText } from "../../read-text.js";
import { isMap, isScalar, LineCounter, type Node, parseDocument } from "yaml";
import { LbguardError } from "../../errors.js";

/**
 * How the agent watches a change after applying it, and what counts as a breach that rolls it
 * back. Ratios and shares are in percent (0–100); docs/policy.md explains every field.
 */
export interface BakePolicy {
  /** How long the agent watches after the apply, in seconds. */
  bakeS: number;
  /** How often it samples `show stat`, in milliseconds (at most 250). */
  sampleMs: number;
  /** The window the ratios and rates are measured over, in milliseconds. */
  windowMs: number;
  /** How long after the apply a falling request rate is not judged, in milliseconds. */
  graceMs: number;
  /** The fewest requests a window must hold before a ratio in it is judged. */
  minRequests: number;
  /** How many points the 5xx ratio may rise above its baseline. */
  errorMarginPct: number;
  /** How many connection or response errors per 100 requests may be added to the baseline. */
  connectionErrorMarginPct: number;
  /** How many points the 4xx ratio (deliberate denies aside) may rise above its baseline. */
  clientErrorMarginPct: number;
  /** How much of its baseline request rate a frontend may lose, in percent. */
  rateCollapseDropPct: number;
  /** The baseline rate, in requests per second, below which a frontend's rate is not judged. */
  rateCollapseMinRps: number;
  /** How many points a server's share of its backend's picks may differ from the prediction. */
  shareDriftPct: number;
  /** The fewest picks a backend must make after the apply before its shares are judged. */
  shareMinRequests: number;
  /** Whether a server that goes DOWN or MAINT after the apply is a breach. */
  serverDown: boolean;
}

/**
 * The policy used where a policy file says nothing. The margins are wide enough that sampling
 * noise over one second at a hundred requests or so never crosses them, and narrow enough that
 * the failures the drill scenarios replay (a third or more of requests failing) cross them in the
 * first window.
 */
export const DEFAULT_POLICY: Readonly<BakePolicy> = Object.freeze({
  bakeS: 20,
  sampleMs: 250,
  windowMs: 1000,
  graceMs: 1500,
  minRequests: 30,
  errorMarginPct: 5,
  connectionErrorMarginPct: 5,
  clientErrorMarginPct: 15,
  rateCollapseDropPct: 50,
  rateCollapseMinRps: 5,
  shareDriftPct: 25,
  shareMinRequests: 100,
  serverDown: true,
});

type Validate = (value: number) => string | undefined;

const positive: Validate = (v) => (v > 0 ? undefined : "must be greater than 0");
const notNegative: Validate = (v) => (v >= 0 ? undefined : "must be 0 or more");
const percent: Validate = (v) => (v >= 0 && v <= 100 ? undefined : "must be between 0 and 100");
const count: Validate = (v) =>
  Number.isInteger(v) && v >= 1 ? undefined : "must be a whole number, 1 or more";

/** Each key a policy file may hold, the field it sets, and what a number for it must satisfy. */
const KEYS: Record<string, { field: keyof BakePolicy; validate?: Validate }> = {
  bake_s: { field: "bakeS", validate: positive },
  sample_ms: {
    field: "sampleMs",
    // Slower sampling would leave the one-second detection target with too few points.
    validate: (v) => (v > 0 && v <= 250 ? undefined : "must be greater than 0 and at most 250"),
  },
  window_ms: { field: "windowMs", validate: positive },
  grace_ms: { field: "graceMs", validate: notNegative },
  min_requests: { field: "minRequests", validate: count },
  error_margin_pct: { field: "errorMarginPct", validate: percent },
  connection_error_margin_pct: { field: "connectionErrorMarginPct", validate: notNegative },
  client_error_margin_pct: { field: "clientErrorMarginPct", validate: percent },
  rate_collapse_drop_pct: { field: "rateCollapseDropPct", validate: percent },
  rate_collapse_min_rps: { field: "rateCollapseMinRps", validate: notNegative },
  share_drift_pct: { field: "shareDriftPct", validate: percent },
  share_min_requests: { field: "shareMinRequests", validate: count },
  server_down: { field: "serverDown" },
};

/** The policy file key (snake_case) for each policy field, in the order docs/policy.md lists them. */
export const POLICY_FILE_KEYS: Readonly<Record<keyof BakePolicy, string>> = Object.freeze(
  Object.fromEntries(Object.entries(KEYS).map(([key, { field }]) => [field, key])) as Record<
    keyof BakePolicy,
    string
  >,
);

/**
 * Reads a policy file's text: a YAML mapping of snake_case keys, each optional, laid over
 * {@link DEFAULT_POLICY}. An empty file is the default policy. Throws LBG_UNREADABLE_INPUT naming
 * the line of every unknown key, wrong type or out-of-range value.
 */
export function parsePolicy(text: string, path: string): BakePolicy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const problems: string[] = [];
  const lineOf = (node: Node | null | undefined) => lineCounter.linePos(node?.range?.[0] ?? 0).line;

  for (const error of doc.errors)
    problems.push(
      `line ${lineCounter.linePos(error.pos[0]).line}: not valid YAML (${error.message.split("\n")[0]}); fix the syntax there`,
    );
  const policy: BakePolicy = { ...DEFAULT_POLICY };
  if (problems.length === 0 && doc.contents !== null && !isMap(doc.contents))
    problems.push(
      `line ${lineOf(doc.contents)}: a policy is a mapping of keys to values; write one 'key: value' per line, e.g. 'window_ms: 1000'`,
    );
  const lines = new Map<string, number>();
  if (problems.length === 0 && isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const keyNode = pair.key as Node | null;
      const key = isScalar(keyNode) ? String(keyNode.value) : "";
      const line = lineOf(keyNode);
      const spec = KEYS[key];
      if (spec === undefined) {
        problems.push(`line ${line}: unknown key '${key}'; the keys are ${Object.keys(KEYS).join(", ")}`);
        continue;
      }
      if (lines.has(key)) {
        problems.push(`line ${line}: '${key}' is given twice; keep one`);
        continue;
      }
      lines.set(key, line);
      const valueNode = pair.value as Node | null;
      const value = isScalar(valueNode) ? valueNode.value : undefined;
      const valueLine = valueNode === null ? line : lineOf(valueNode);
      if (spec.field === "serverDown") {
        if (typeof value === "boolean") policy.serverDown = value;
        else problems.push(`line ${valueLine}: '${key}' must be true or false`);
        continue;
      }
      if (typeof value !== "number" || !Number.isFinite(value)) {
        problems.push(
          `line ${valueLine}: '${key}' must be a number, e.g. '${key}: ${DEFAULT_POLICY[spec.field]}'`,
        );
        continue;
      }
      const wrong = spec.validate?.(value);
      if (wrong !== undefined) problems.push(`line ${valueLine}: '${key}' ${wrong}, not ${value}`);
      else (policy[spec.field] as number) = value;
    }
  }
  if (problems.length === 0 && policy.windowMs < policy.sampleMs)
    problems.push(
      `line ${lines.get("window_ms") ?? lines.get("sample_ms")}: window_ms (${policy.windowMs}) is shorter than sample_ms (${policy.sampleMs}); a window needs two samples, so raise window_ms`,
    );
  if (problems.length > 0)
    throw new LbguardError("LBG_UNREADABLE_INPUT", { path, reason: problems.join("; ") });
  return policy;
}

/** Reads and parses a policy file; LBG_UNREADABLE_INPUT when it cannot be read or is not valid. */
export async function readPolicy(path: string): Promise<BakePolicy> {
  return parsePolicy(await readText(path), path);
}
