import { fullHash } from "./hash-functions.js";

/**
 * HAProxy 2.6's consistent-hash tree (`hash-type consistent`, and `balance random`), rebuilt as
 * sorted typed arrays. Every usable server owns `weight × 16` points on a 32-bit circle; point j
 * of the server whose numeric id is `id` sits at `fullHash(id × 4096 + j)`. A hash goes to the
 * nearer of the points just before and just after it.
 */

/** HAProxy's effective-weight scale: a user weight of 1 is 16 effective units and 16 points. */
const WEIGHT_SCALE = 16;

/** The span of ring keys reserved per server id: the largest user weight (256) times the scale. */
const KEYS_PER_SERVER_ID = 256 * WEIGHT_SCALE;

/** Packing a key and an insertion index into one double stays exact below 2^53. */
const INDEX_BITS = 21;
const INDEX_SPAN = 2 ** INDEX_BITS;

/** One server as the ring sees it. */
export interface RingServer {
  /** HAProxy's numeric server id (`id N` on the server line, or the automatic one). */
  id: number;
  /** User weight (0..256); 0 for servers that take no traffic, which then own no point. */
  weight: number;
}

/** A server's load as `hash-balance-factor` weighs it. */
export interface BalanceFactorLoad {
  /** Requests the server is serving now, not counting the one being placed. */
  served: number;
  /** The server's effective weight (user weight × 16). */
  weight: number;
  /** Sum of the effective weights of the usable servers before it in its group (active or backup). */
  cumulativeWeight: number;
  /** Requests the whole backend is serving now, not counting the one being placed. */
  backendServed: number;
  /** Total effective weight of the servers in the group the ring holds. */
  totalWeight: number;
  /** The `hash-balance-factor` value (a percentage above 100); 0 turns the bound off. */
  factor: number;
}

/**
 * Whether a server may take one more request under `hash-balance-factor` ("consistent hashing
 * with bounded loads"), as HAProxy 2.6 decides it. The request count plus one, times the factor,
 * rounded up to a whole number of slots, is shared out by weight: each unit of weight gets the
 * same whole number of slots, and the remainder is split in proportion to weight along the
 * servers' declaration order. A server never gets fewer than one slot and is eligible while it
 * serves fewer requests than its slots. The arithmetic wraps at 32 bits, as HAProxy's unsigned
 * arithmetic does, so pass effective weights (user weight × 16) for exact results.
 */
export function isEligibleUnderBalanceFactor(load: BalanceFactorLoad): boolean {
  const { served, weight, cumulativeWeight, backendServed, totalWeight, factor } = load;
  if (factor <= 0) return true;
  // HAProxy never asks with an empty group; answering "yes" keeps the caller's walk finite.
  if (totalWeight <= 0) return true;
  const total = totalWeight >>> 0;
  const totalSlots = Math.floor(((backendServed + 1) * factor + 99) / 100) >>> 0;
  const perWeight = Math.floor(totalSlots / total);
  const remainder = totalSlots % total;
  let slots = Math.imul(weight, perWeight) >>> 0;
  const upTo = Math.floor((Math.imul(cumulativeWeight + weight, remainder) >>> 0) / total);
  const before = Math.floor((Math.imul(cumulativeWeight, remainder) >>> 0) / total);
  slots = (slots + upTo - before) >>> 0;
  if (slots === 0) slots = 1;
  return served >>> 0 < slots;
}

/**
 * The consistent-hash ring of one server group (the active servers, or the backups when no
 * active server is usable). Servers are referred to by their index in the array given to the
 * constructor, which must be in declaration order: that order breaks ties between equal keys
 * and spreads the `hash-balance-factor` remainder.
 */
export class ConsistentRing {
  /** Point keys in ascending order; equal keys stay in insertion order, as in HAProxy's tree. */
  readonly keys: Uint32Array;
  /** For each point, the index of the server that owns it. */
  readonly owners: Int32Array;
  /** Effective weight (user weight × 16) of each server, 0 for servers without points. */
  readonly effectiveWeights: Int32Array;
  /** Sum of the effective weights of the servers before each one. */
  readonly cumulativeWeights: Int32Array;
  /** Sum of all effective weights, HAProxy's total weight for the group. */
  readonly totalWeight: number;

  /** Builds the ring of `servers`, given in declaration order. */
  constructor(servers: readonly RingServer[]) {
    const n = servers.length;
    this.effectiveWeights = new Int32Array(n);
    this.cumulativeWeights = new Int32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = Math.max(0, Math.floor(servers[i]!.weight)) * WEIGHT_SCALE;
      this.effectiveWeights[i] = w;
      this.cumulativeWeights[i] = total;
      total += w;
    }
    this.totalWeight = total;

    // Points in insertion order: server by server, point 0 first, as HAProxy queues them.
    const insertedKeys = new Uint32Array(total);
    const insertedOwners = new Int32Array(total);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const base = Math.imul(servers[i]!.id, KEYS_PER_SERVER_ID);
      const w = this.effectiveWeights[i]!;
      for (let j = 0; j < w; j++) {
        insertedKeys[at] = fullHash((base + j) >>> 0);
        insertedOwners[at] = i;
        at++;
      }
    }

    const order = sortedOrder(insertedKeys);
    this.keys = new Uint32Array(total);
    this.owners = new Int32Array(total);
    for (let p = 0; p < total; p++) {
      const from = order[p]!;
      this.keys[p] = insertedKeys[from]!;
      this.owners[p] = insertedOwners[from]!;
    }
  }

  /** Number of points on the ring. */
  get size(): number {
    return this.keys.length;
  }

  /**
   * Returns the index of the server HAProxy 2.6 picks for `hash`, or undefined when the ring has
   * no point. `hash` is used as given: the ring applies no avalanche of its own, so pass the
   * value `hashRequest` returns (already avalanched when the hash type says so).
   *
   * The candidates are the first point at or above `hash` (wrapping to the lowest point) and the
   * point just before that one (wrapping to the highest); distances are measured around the
   * 32-bit circle and the point before wins ties.
   *
   * When `accept` is given (for `hash-balance-factor`, or to avoid a server on redispatch), a
   * rejected server makes the walk move on to the following points in ascending key order,
   * wrapping once past the highest point. If a whole further turn finds no accepted server,
   * HAProxy gives up and returns the owner of the highest point, accepted or not; so does this.
   */
  lookup(hash: number, accept?: (server: number) => boolean): number | undefined {
    const n = this.keys.length;
    if (n === 0) return undefined;
    const h = hash >>> 0;
    let next = lowerBound(this.keys, h);
    if (next === n) next = 0;
    const prev = next === 0 ? n - 1 : next - 1;
    const toPrev = (h - this.keys[prev]!) >>> 0;
    const toNext = (this.keys[next]! - h) >>> 0;
    let point = toPrev <= toNext ? prev : next;
    if (accept === undefined) return this.owners[point];

    let wraps = 0;
    while (!accept(this.owners[point]!)) {
      point++;
      if (point === n) {
        // The second time round, HAProxy keeps the server it last rejected: the highest point's.
        if (++wraps > 1) return this.owners[n - 1];
        point = 0;
      }
    }
    return this.owners[point];
  }

  /**
   * An `accept` predicate for `lookup` applying `hash-balance-factor`: `served[i]` is what
   * server i serves now and `backendServed` what the backend serves in total.
   */
  balanceFactor(
    served: ArrayLike<number>,
    backendServed: number,
    factor: number,
  ): (server: number) => boolean {
    return (server) =>
      isEligibleUnderBalanceFactor({
        served: served[server] ?? 0,
        weight: this.effectiveWeights[server] ?? 0,
        cumulativeWeight: this.cumulativeWeights[server] ?? 0,
        backendServed,
        totalWeight: this.totalWeight,
        factor,
      });
  }
}

/** Index of the first key at or above `value` (keys.length when none is). */
function lowerBound(keys: Uint32Array, value: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Insertion indexes sorted by key, equal keys keeping insertion order. Packing key and index into
 * one double lets the engine's numeric typed-array sort do the work, far faster than a comparator.
 */
function sortedOrder(keys: Uint32Array): Uint32Array {
  const n = keys.length;
  const order = new Uint32Array(n);
  if (n < INDEX_SPAN) {
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) packed[i] = keys[i]! * INDEX_SPAN + i;
    packed.sort();
    for (let i = 0; i < n; i++) order[i] = packed[i]! % INDEX_SPAN;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => keys[a]! - keys[b]! || a - b);
  return order;
}
