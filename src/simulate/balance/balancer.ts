import type { Pool, PoolServer } from "../pool.js";
import type { SimRequest } from "../types.js";

/**
 * One balancing algorithm bound to one backend's pool. It keeps the algorithm's state between
 * picks, so a fresh balancer behaves like a freshly started HAProxy.
 */
export interface Balancer {
  /**
   * The server for this request, or undefined when no server can take it now (every candidate
   * is at its maxconn: the request waits in the backend's queue).
   */
  pick(request: SimRequest): PoolServer | undefined;
  /** Called after a request started on `server` (its `served` already counts it). */
  taken?(server: PoolServer): void;
  /** Called after a request finished on `server` (its `served` no longer counts it). */
  released?(server: PoolServer): void;
}

/** What an algorithm is built from. */
export interface BalancerContext {
  pool: Pool;
  /** `balance` arguments as written after the algorithm name. */
  args: readonly string[];
  /** Seed of the generator for algorithms that draw at random. */
  seed: number;
}

/** HAProxy scales user weights (0..256) by 16 for the dynamic algorithms. */
export const WEIGHT_SCALE = 16;
/** Largest effective weight: 256 × 16. */
export const MAX_EFFECTIVE_WEIGHT = 256 * WEIGHT_SCALE;

/** The effective weight HAProxy's dynamic algorithms use for a server. */
export function effectiveWeight(server: PoolServer): number {
  return server.weight * WEIGHT_SCALE;
}

/**
 * When no active server is usable and `option allbackups` is off, HAProxy hands every request
 * to the first usable backup directly, whatever the algorithm.
 */
export function soleBackup(pool: Pool): PoolServer | undefined {
  return pool.onBackups && pool.inService.length === 1 && pool.backend.options["allbackups"]?.value !== true
    ? pool.inService[0]
    : undefined;
}
