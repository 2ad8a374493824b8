/**
 * The hash functions HAProxy 2.6 offers after `hash-type` (sdbm, djb2, wt6, crc32) and the
 * integer avalanche it applies with the `avalanche` modifier and to consistent-hash ring keys.
 * Every result is an unsigned 32-bit integer, exactly what HAProxy computes in C, so a
 * simulated pick lands on the same server HAProxy picks.
 */

/** A hash function `hash-type` can name. */
export type HashFunctionName = "sdbm" | "djb2" | "wt6" | "crc32";

/** The functions `hash-type` accepts, in the order HAProxy's documentation lists them. */
export const HASH_FUNCTION_NAMES: readonly HashFunctionName[] = ["sdbm", "djb2", "wt6", "crc32"];

/** True when `name` is a hash function `hash-type` accepts. */
export function isHashFunctionName(name: string): name is HashFunctionName {
  return (HASH_FUNCTION_NAMES as readonly string[]).includes(name);
}

/**
 * Hashes `bytes` with the named function, returning the unsigned 32-bit value HAProxy 2.6's
 * backend hashing helper returns for the same bytes and function.
 */
export function hashBytes(fn: HashFunctionName, bytes: Uint8Array): number {
  switch (fn) {
    case "sdbm":
      return sdbm(bytes);
    case "djb2":
      return djb2(bytes);
    case "wt6":
      return wt6(bytes);
    case "crc32":
      return crc32(bytes);
  }
}

/**
 * HAProxy's `full_hash`: one of Bob Jenkins' 32-bit integer avalanche functions followed by a
 * multiplication by a large odd constant. Returns an unsigned 32-bit integer.
 */
export function fullHash(value: number): number {
  let a = value >>> 0;
  // Each step must wrap at 32 bits as C's unsigned arithmetic does; `>>> 0` after every step
  // keeps the intermediate values exact, since a double holds any sum below 2^53.
  a = (a + 0x7ed55d16 + (a << 12)) >>> 0;
  a = (a ^ 0xc761c23c ^ (a >>> 19)) >>> 0;
  a = (a + 0x165667b1 + (a << 5)) >>> 0;
  a = ((a + 0xd3a2646c) ^ (a << 9)) >>> 0;
  a = (a + 0xfd7046c5 + (a << 3)) >>> 0;
  a = (a ^ 0xb55a4f09 ^ (a >>> 16)) >>> 0;
  return Math.imul(a, 0xc0000001) >>> 0;
}

function sdbm(bytes: Uint8Array): number {
  let h = 0;
  // c + (h << 6) + (h << 16) - h is h * 65599 + c.
  for (const c of bytes) h = (Math.imul(h, 65599) + c) >>> 0;
  return h;
}

function djb2(bytes: Uint8Array): number {
  let h = 5381;
  for (const c of bytes) h = (Math.imul(h, 33) + c) >>> 0;
  return h;
}

function wt6(bytes: Uint8Array): number {
  let h0 = 0xa53c965a;
  let h1 = 0x5ca6953a;
  let step0 = 6;
  let step1 = 18;
  for (const c of bytes) {
    h0 = ~(h0 ^ c) >>> 0;
    h1 = ~(h1 + c) >>> 0;
    const rotated = rotateLeft(h1, step0);
    h1 = rotateLeft(h0, step1);
    h0 = rotated;
    const t = ((h0 >>> 16) ^ h1) & 0xffff;
    step0 = t & 0x1f;
    step1 = t >>> 11;
  }
  return (h0 ^ h1) >>> 0;
}

/**
 * Rotates left by 0..31 bits. A rotation by 0 shifts right by 32 in C, which x86 (and JavaScript)
 * reduce to a shift by 0, so the value comes back unchanged either way.
 */
function rotateLeft(x: number, bits: number): number {
  return ((x << bits) | (x >>> (32 - bits))) >>> 0;
}

/** The reflected CRC-32 table (polynomial 0xedb88320); HAProxy loops bit by bit, same result. */
const CRC32_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let h = 0xffffffff;
  for (const c of bytes) h = (h >>> 8) ^ CRC32_TABLE[(h ^ c) & 0xff]!;
  return ~h >>> 0;
}
