/**
 * How much a change can hurt: `low` changes what a reviewer expects and nothing else, `medium`
 * moves traffic or weakens a safeguard and deserves a look, `high` can refuse clients or send
 * requests where they fail.
 */
export type Risk = "low" | "medium" | "high";

/** Every risk level, most serious first (the order summaries list them in). */
export const RISKS: readonly Risk[] = ["high", "medium", "low"];

const RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

/** Sort key: higher is more serious. */
export function riskRank(risk: Risk): number {
  return RANK[risk];
}

/** The most serious of the given levels; `low` when there is none. */
export function maxRisk(risks: Iterable<Risk>): Risk {
  let out: Risk = "low";
  for (const risk of risks) if (RANK[risk] > RANK[out]) out = risk;
  return out;
}

/**
 * Every number the planner judges by, in one place so that docs/plan.md, the tests and the code
 * agree. Shares are fractions (0..1), rates requests per second.
 */
export const THRESHOLDS = {
  /** A server's share of its backend moving by more than this (0.2 = 20 points) is medium. */
  shareMove: 0.2,
  /** A server's predicted rate growing by more than this factor is medium. */
  rateGrowth: 2,
  /** Rates below this (req/s) are too small for rateGrowth to mean anything. */
  minRateRps: 1,
  /** A server predicted above this fraction of its inventory capacity is high. */
  capacityUtilisation: 1,
  /** A frontend whose requests reaching no backend rise by more than this share is high. */
  unroutedRise: 0.01,
  /** A backend whose requests no server can take rise by more than this share is medium. */
  unservedRise: 0.01,
  /** A backend whose requests no server can take reach this share is high (all servers lost). */
  unservedAll: 0.999,
  /** A timeout or maxconn cut below this fraction of its old value is medium. */
  cut: 0.5,
} as const;
