/**
 * The vocabulary of the simulator: what traffic goes in, what a balancing algorithm sees, and
 * what the prediction says. Everything here is plain data so results can be diffed, rendered
 * and serialised as JSON.
 */

/** One kind of request in the mix, with its relative weight. */
export interface RequestClass {
  method: string;
  /** The path, starting with '/'. */
  path: string;
  /** The query string without '?', when there is one. */
  query?: string;
  /** The Host header; absent means the request carries none. */
  host?: string;
  /** Other request headers, by lower-case name. */
  headers?: Record<string, string>;
  /** Relative weight in the mix. */
  weight: number;
}

/** One request as a balancing algorithm sees it. */
export interface SimRequest {
  /** The client's source address (IPv4 or IPv6 text). */
  client: string;
  method: string;
  path: string;
  query?: string;
  host?: string;
  /** Request headers by lower-case name (the Host header is in `host`). */
  headers: Record<string, string>;
}

/** What the caller says about the traffic; every field is optional. */
export interface TrafficInput {
  /** Total request rate of the first frontend that has bind lines (req/s). */
  rps?: number;
  /** Request rate per frontend name, overriding `rps`. */
  frontendRps?: Record<string, number>;
  /** The request mix. */
  requests?: RequestClass[];
  /** Number of distinct client addresses (1 = everyone behind one proxy), or the addresses. */
  clients?: number | string[];
  /** Requests in flight at once (for leastconn, maxconn and queueing). */
  concurrency?: number;
  /** Time a server takes to answer (ms); used with `concurrency`. */
  latencyMs?: number;
  /** Servers considered down, as `backend/server`. */
  down?: string[];
  /** Seed of the random generator (random algorithm, client addresses). */
  seed?: number;
  /** How many requests to play through each backend. */
  samples?: number;
}

/** A traffic description with every default filled in. */
export interface Traffic {
  frontendRps: Record<string, number>;
  requests: RequestClass[];
  clients: string[];
  /** Requests in flight at once; 0 means per backend, its rate × `latencyMs`. */
  concurrency: number;
  latencyMs: number;
  down: string[];
  seed: number;
  samples: number;
  /** One sentence per value the caller did not give and the simulator assumed. */
  assumptions: string[];
}

/** Why a server takes no new traffic, if it takes none. */
export type ServerState = "active" | "backup" | "standby" | "down" | "disabled" | "drained";

/** Predicted load of one server. */
export interface ServerPrediction {
  name: string;
  /** Host and port as configured. */
  address: string;
  state: ServerState;
  weight: number;
  /** Share of the backend's requests (0..1). */
  share: number;
  /** Requests per second. */
  rps: number;
  /** Inventory capacity (req/s), when known. */
  capacityRps?: number;
  /** rps / capacityRps, when the capacity is known. */
  utilisation?: number;
  /** Name of the inventory server at this address, when there is one. */
  inventoryName?: string;
  /** Inventory role of the server at this address, when known. */
  role?: string;
}

/** Predicted load of one backend. */
export interface BackendPrediction {
  name: string;
  algorithm: string;
  /** Requests per second routed to it from all frontends (excluding undetermined shares). */
  rps: number;
  servers: ServerPrediction[];
  /** Share of its requests no server can take (no usable server): they get 503. */
  unservedShare: number;
  /** Facts about the prediction worth telling (fallbacks, assumptions specific to this backend). */
  notes: string[];
}

/** Where one request class of a frontend goes. */
export interface RouteOutcome {
  request: RequestClass;
  /** The backend chosen, or undefined when no backend applies (HAProxy answers 503). */
  backend?: string;
  /** True when lbguard cannot evaluate a condition on the way: the outcome is unknown. */
  undetermined: boolean;
  /** Why: which line decided, or which condition could not be evaluated. */
  reason: string;
  /** Share of the frontend's requests (0..1). */
  share: number;
  rps: number;
}

/** Predicted traffic of one frontend. */
export interface FrontendPrediction {
  name: string;
  rps: number;
  routes: RouteOutcome[];
  /** Share of requests whose backend could not be determined. */
  undeterminedShare: number;
  /** Share of requests that reach no backend at all. */
  unroutedShare: number;
  /** Facts about the prediction worth telling (rewrites lbguard does not replay, ...). */
  notes: string[];
}

/**
 * One machine over capacity. Capacity belongs to a machine, so the rates of every server line
 * at its address add up, across backends.
 */
export interface Overload {
  /** The backends it serves in, comma-separated. */
  backend: string;
  /** The inventory name of the machine, or the server line's name when it has none. */
  server: string;
  address: string;
  rps: number;
  capacityRps: number;
  /** rps - capacityRps. */
  excessRps: number;
}

/** What happens when one server fails. */
export interface FailureOutcome {
  /** The machine that fails: every server line at its address goes down. */
  failed: { backend: string; server: string; address: string };
  overloads: Overload[];
  /** Backends left with no usable server by this failure. */
  emptied: string[];
}

/** Utilisation now and under every single-server failure (N-1). */
export interface CapacityReport {
  now: Overload[];
  nMinus1: FailureOutcome[];
}

/** The whole prediction for one config and one traffic description. */
export interface SimulationResult {
  traffic: Traffic;
  frontends: FrontendPrediction[];
  backends: BackendPrediction[];
  capacity: CapacityReport;
}
