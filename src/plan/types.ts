import type { SourceSpan } from "../model/span.js";
import type { Risk } from "./risk.js";

/** Whether an element exists only in AFTER, only in BEFORE, or in both but differs. */
export type ChangeKind = "added" | "removed" | "changed";

/**
 * What part of the configuration a change is about: listening addresses, routing decisions,
 * backends, servers, proxy settings, or predicted traffic alone (no line changed, but the
 * simulator says requests move).
 */
export type ChangeArea = "listener" | "route" | "backend" | "server" | "setting" | "traffic";

/**
 * Which element changed. A listen section is both: its listening side and routes name it as
 * `frontend`, its servers as `backend`, and its settings carry both keys.
 */
export interface Subject {
  global?: true;
  defaults?: string;
  frontend?: string;
  backend?: string;
  server?: string;
  /** A listening address, as written on the bind line. */
  bind?: string;
  acl?: string;
  /** The backend a use_backend rule names (its format string when dynamic). */
  route?: string;
  /** A setting, as HAProxy spells it: `timeout server`, `option redispatch`, `balance`, `maxconn`. */
  setting?: string;
}

/** A value shown before or after: JSON data only, so a plan serialises as it is. */
export type PlanValue = string | number | boolean | null | string[];

/** The section a change belongs to; the text output groups by it. */
export interface PlanSection {
  kind: "global" | "defaults" | "frontend" | "backend" | "listen";
  /** Empty for the global section and anonymous defaults sections. */
  name: string;
}

/** One thing that makes a change risky (or explains what it does), with its own level. */
export interface Reason {
  /** Stable kebab-case id, e.g. `bind-removed`, `share-moved`; documented in docs/plan.md. */
  code: string;
  risk: Risk;
  /** Short and concrete: `web-01 share 50% -> 99%`. */
  message: string;
}

/** One added, removed or changed element of the configuration. */
export interface PlanChange {
  kind: ChangeKind;
  area: ChangeArea;
  section: PlanSection;
  subject: Subject;
  /** One line saying what changed, e.g. `server web-01: weight 10 -> 100`. */
  summary: string;
  /** The compared values in BEFORE; only the ones that differ for a `changed` element. */
  before?: Record<string, PlanValue>;
  /** The compared values in AFTER. */
  after?: Record<string, PlanValue>;
  /** The line in AFTER, or in BEFORE for a removal. */
  span: SourceSpan;
  /** The most serious of the reasons' levels. */
  risk: Risk;
  reasons: Reason[];
  /** For a defaults section's change: the proxies whose effective value it changes. */
  affects?: string[];
}

/** A server's predicted load in one of the two configurations. */
export interface TrafficPoint {
  /** Share of its backend's requests (0..1). */
  share: number;
  rps: number;
  state: string;
}

/** One server's predicted load before and after (absent side: not in that prediction). */
export interface ServerTraffic {
  server: string;
  before?: TrafficPoint;
  after?: TrafficPoint;
  /** Inventory capacity (req/s) in AFTER, else BEFORE, when known. */
  capacityRps?: number;
  /** Inventory role of the machine at the server's address in AFTER, else BEFORE, when known. */
  role?: string;
}

/** One backend's predicted load before and after. */
export interface BackendTraffic {
  backend: string;
  before?: { rps: number; unservedShare: number };
  after?: { rps: number; unservedShare: number };
  servers: ServerTraffic[];
}

/**
 * A reviewer's view of a change, in the spirit of `terraform plan`: every added, removed and
 * changed element in configuration order, each with its risk and reasons, the predicted traffic
 * of every backend when predictions were given, and the overall risk. Plain data.
 */
export interface Plan {
  /** The most serious change's risk; `low` when nothing changed. */
  overall: Risk;
  counts: Record<Risk, number>;
  changes: PlanChange[];
  /** Empty without predictions. */
  traffic: BackendTraffic[];
  /** What the simulator assumed for AFTER (rates, request mix), when predictions were given. */
  assumptions: string[];
}
