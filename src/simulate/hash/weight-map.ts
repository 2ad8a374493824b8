/**
 * HAProxy 2.6's server map, the lookup table behind `static-rr` and `hash-type map-based`: one
 * slot per unit of effective weight, filled so that each server's slots are spread evenly. A
 * map-based hash picks slot `hash % table length`, so the exact order of the slots decides
 * which server a given key reaches.
 */

/**
 * The greatest common divisor HAProxy divides map weights by: that of the configured weights of
 * every server of the backend, in declaration order, ignoring zeros; 1 when all are zero.
 * Servers that are down, disabled or backups count too, since HAProxy computes it once at start-up
 * from the configuration, not from the servers' state.
 */
export function weightGcd(userWeights: readonly number[]): number {
  let gcd = 0;
  for (const w of userWeights) {
    if (w <= 0) continue;
    if (gcd === 0) {
      gcd = w;
      continue;
    }
    let a = gcd;
    let b = w;
    while (b !== 0) [a, b] = [b, a % b];
    gcd = a;
    // HAProxy stops as soon as the divisor reaches 1: nothing can lower it further.
    if (gcd === 1) break;
  }
  return gcd === 0 ? 1 : gcd;
}

/**
 * Reduces the configured weights of every server of a backend to the effective weights a
 * map-based algorithm uses: each divided by the common divisor (see `weightGcd`), which always
 * divides exactly. Pass every server, usable or not; set the unusable ones to 0 afterwards,
 * before `buildWeightMap`, so they still count toward the divisor as they do in HAProxy.
 */
export function mapWeights(userWeights: readonly number[]): number[] {
  const gcd = weightGcd(userWeights);
  return userWeights.map((w) => (w > 0 ? Math.ceil(w / gcd) : 0));
}

/**
 * Builds the server map for servers in declaration order, given their effective weights (0 for
 * servers that take no traffic, which never appear). Each entry is a server's index in `weights`.
 *
 * Slot by slot, every server adds its weight to a running score; the first server whose score,
 * shifted by the total and divided by it, is strictly the highest takes the slot and gives back
 * the total. Earlier servers thus win ties, and the first slot always goes to the first server.
 *
 * `total` is the table length and defaults to the sum of the weights. HAProxy uses a smaller one
 * in a single case: when only backup servers are left without `option allbackups`, the length
 * is the first backup's weight, yet every usable backup still competes for the slots. Pass that
 * weight as `total` and every usable backup's weight to reproduce it.
 */
export function buildWeightMap(weights: readonly number[], total?: number): Int32Array {
  const length = total ?? weights.reduce((sum, w) => sum + Math.max(w, 0), 0);
  const map = new Int32Array(Math.max(length, 0));
  if (length <= 0) return map;
  const first = weights.findIndex((w) => w > 0);
  if (length === 1 || first < 0) {
    // With a single slot HAProxy takes the first usable server without scoring, since the
    // score arithmetic could not tell servers apart anyway.
    map.fill(first < 0 ? -1 : first);
    return map;
  }
  const score = new Float64Array(weights.length);
  for (let slot = 0; slot < length; slot++) {
    let best = -1;
    let bestRank = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (w <= 0) continue;
      score[i] = score[i]! + w;
      // C's integer division truncates toward zero, which matters once a score is negative.
      const rank = Math.trunc((score[i]! + length) / length);
      if (best < 0 || rank > bestRank) {
        best = i;
        bestRank = rank;
      }
    }
    map[slot] = best;
    score[best] = score[best]! - length;
  }
  return map;
}
