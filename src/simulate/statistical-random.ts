/**
 * HAProxy 2.6 draws `balance random` picks from a 32-bit xorshift generator whose state starts
 * at 2463534242 on the first thread. Using the same generator and seed makes a single-threaded
 * HAProxy's draws reproducible; any other seed still gives a faithful distribution.
 */
export const HAPROXY_RANDOM_SEED = 2463534242;

/** A generator of unsigned 32-bit numbers, never 0, with the given non-zero seed. */
export function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}
