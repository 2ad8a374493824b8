import { describe, expect, it } from "vitest";
import { ConsistentRing, isEligibleUnderBalanceFactor } from "../../src/simulate/hash/consistent-ring.js";
import { fullHash, hashBytes } from "../../src/simulate/hash/hash-functions.js";
import {
  hashRequest,
  hashSettings,
  headerKey,
  readUriOptions,
  sourceKey,
  uriKey,
  urlParamKey,
} from "../../src/simulate/hash/hash-key.js";
import { buildWeightMap, mapWeights, weightGcd } from "../../src/simulate/hash/weight-map.js";
import type { SimRequest } from "../../src/simulate/types.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (key: Uint8Array | undefined): string | undefined =>
  key === undefined ? undefined : new TextDecoder().decode(key);

function request(fields: Partial<SimRequest> = {}): SimRequest {
  return { client: "192.0.2.10", method: "GET", path: "/", headers: {}, ...fields };
}

describe("hash functions", () => {
  it("match HAProxy's values for 'abc'", () => {
    expect(hashBytes("sdbm", bytes("abc"))).toBe(0x3025f862);
    expect(hashBytes("djb2", bytes("abc"))).toBe(0x0b885c8b);
    expect(hashBytes("wt6", bytes("abc"))).toBe(0x940028e8);
    expect(hashBytes("crc32", bytes("abc"))).toBe(0x352441c2);
  });

  it("give each function's starting value for no bytes", () => {
    expect(hashBytes("sdbm", bytes(""))).toBe(0);
    expect(hashBytes("djb2", bytes(""))).toBe(5381);
    expect(hashBytes("crc32", bytes(""))).toBe(0);
    expect(hashBytes("wt6", bytes(""))).toBe((0xa53c965a ^ 0x5ca6953a) >>> 0);
  });

  it("match the standard CRC-32 check value", () => {
    expect(hashBytes("crc32", bytes("123456789"))).toBe(0xcbf43926);
  });

  it("stay unsigned 32-bit on long inputs", () => {
    const long = bytes("/static/images/".repeat(40));
    for (const fn of ["sdbm", "djb2", "wt6", "crc32"] as const) {
      const h = hashBytes(fn, long);
      expect(Number.isInteger(h) && h >= 0 && h <= 0xffffffff).toBe(true);
    }
  });

  it("avalanche 0 to HAProxy's value", () => {
    expect(fullHash(0)).toBe(0xab4ed927);
  });

  it("avalanche to unsigned values and reads its input as unsigned", () => {
    for (const v of [1, 4096, 0x7fffffff, 0xffffffff]) {
      const h = fullHash(v);
      expect(h >= 0 && h <= 0xffffffff).toBe(true);
    }
    expect(fullHash(-1)).toBe(fullHash(0xffffffff));
  });
});

describe("weight map", () => {
  it("spreads weights 1 and 2 as A, B, B", () => {
    expect([...buildWeightMap([1, 2])]).toEqual([0, 1, 1]);
  });

  it("spreads weights 3, 1, 1 as A, A, B, A, C", () => {
    expect([...buildWeightMap([3, 1, 1])]).toEqual([0, 0, 1, 0, 2]);
  });

  it("gives equal weights in declaration order", () => {
    expect([...buildWeightMap([1, 1, 1])]).toEqual([0, 1, 2]);
  });

  it("leaves servers of weight 0 out", () => {
    const map = buildWeightMap([0, 2, 0, 1]);
    expect([...map]).toEqual([1, 1, 3]);
  });

  it("holds each server as many times as its weight", () => {
    const weights = [5, 3, 0, 7, 1];
    const map = buildWeightMap(weights);
    expect(map.length).toBe(16);
    weights.forEach((w, i) => expect(map.filter((s) => s === i).length).toBe(w));
  });

  it("is empty when no server has weight", () => {
    expect(buildWeightMap([0, 0]).length).toBe(0);
  });

  it("lets every backup compete when the table is as long as the first backup's weight", () => {
    // Without allbackups, HAProxy sizes the table by the first backup yet scores all of them.
    expect([...buildWeightMap([2, 3], 2)]).toEqual([0, 1]);
    expect([...buildWeightMap([1, 3], 1)]).toEqual([0]);
  });

  it("divides weights by the gcd of every configured weight, zeros ignored", () => {
    expect(weightGcd([20, 40, 60])).toBe(20);
    expect(weightGcd([0, 0])).toBe(1);
    expect(mapWeights([2, 4, 0, 6])).toEqual([1, 2, 0, 3]);
    expect(mapWeights([10, 10])).toEqual([1, 1]);
  });

  it("repeats the reduced table when weights share a factor, so hash % length picks the same server", () => {
    for (const weights of [
      [1, 2],
      [3, 1, 1],
      [2, 0, 5, 3],
    ]) {
      const reduced = [...buildWeightMap(weights)];
      const scaled = [...buildWeightMap(weights.map((w) => w * 3))];
      expect(scaled).toEqual([...reduced, ...reduced, ...reduced]);
    }
  });

  it("keeps a down server's weight in the divisor", () => {
    // A=2, B=3 (down), C=2: the divisor stays 1, so A and C each keep 2 slots.
    const reduced = mapWeights([2, 3, 2]);
    reduced[1] = 0;
    expect([...buildWeightMap(reduced)]).toEqual([0, 2, 0, 2]);
  });
});

describe("consistent ring", () => {
  const servers = [
    { id: 1, weight: 1 },
    { id: 2, weight: 2 },
    { id: 3, weight: 0 },
    { id: 4, weight: 1 },
  ];
  const ring = new ConsistentRing(servers);

  it("gives each server weight × 16 points keyed by fullHash(id × 4096 + j)", () => {
    expect(ring.size).toBe(64);
    const owned = (i: number): number[] => [...ring.keys].filter((_, p) => ring.owners[p] === i);
    expect(owned(0).length).toBe(16);
    expect(owned(1).length).toBe(32);
    expect(owned(2).length).toBe(0);
    expect(owned(3).length).toBe(16);
    const expected = Array.from({ length: 16 }, (_, j) => fullHash(4 * 4096 + j)).sort((a, b) => a - b);
    expect(owned(3)).toEqual(expected);
  });

  it("keeps keys sorted and records weights as HAProxy totals them", () => {
    for (let p = 1; p < ring.size; p++) expect(ring.keys[p]! >= ring.keys[p - 1]!).toBe(true);
    expect([...ring.effectiveWeights]).toEqual([16, 32, 0, 16]);
    expect([...ring.cumulativeWeights]).toEqual([0, 16, 48, 48]);
    expect(ring.totalWeight).toBe(64);
  });

  it("picks the owner of a point for the point's own key", () => {
    for (let p = 0; p < ring.size; p += 7) expect(ring.lookup(ring.keys[p]!)).toBe(ring.owners[p]);
  });

  it("picks the nearer neighbour, the point before on a tie", () => {
    const a = ring.keys[10]!;
    const b = ring.keys[11]!;
    if (b - a >= 3) {
      expect(ring.lookup(a + 1)).toBe(ring.owners[10]);
      expect(ring.lookup(b - 1)).toBe(ring.owners[11]);
    }
    const two = new ConsistentRing([
      { id: 1, weight: 1 },
      { id: 2, weight: 1 },
    ]);
    const p = 5;
    const gap = two.keys[p + 1]! - two.keys[p]!;
    if (gap % 2 === 0) expect(two.lookup(two.keys[p]! + gap / 2)).toBe(two.owners[p]);
  });

  it("wraps around both ends of the circle", () => {
    const first = ring.keys[0]!;
    const last = ring.keys[ring.size - 1]!;
    const below = first - 1 >= 0 ? first - 1 : undefined;
    const wrapGap = first + 2 ** 32 - last;
    if (below !== undefined && first - below < wrapGap / 2) expect(ring.lookup(below)).toBe(ring.owners[0]);
    if (last < 0xffffffff) {
      const above = last + 1;
      expect(ring.lookup(above)).toBe(ring.owners[ring.size - 1]);
    }
  });

  it("is deterministic", () => {
    const again = new ConsistentRing(servers);
    for (let h = 0; h < 2 ** 32; h += 0x0fedcba9) expect(again.lookup(h)).toBe(ring.lookup(h));
  });

  it("shares keys roughly in proportion to weight", () => {
    const big = new ConsistentRing([
      { id: 1, weight: 10 },
      { id: 2, weight: 20 },
      { id: 3, weight: 10 },
    ]);
    const counts = [0, 0, 0];
    const keys = 60_000;
    for (let k = 0; k < keys; k++) counts[big.lookup(fullHash(k))!]!++;
    expect(counts[0]! / keys).toBeCloseTo(0.25, 1);
    expect(counts[1]! / keys).toBeCloseTo(0.5, 1);
    expect(counts[2]! / keys).toBeCloseTo(0.25, 1);
  });

  it("is empty without usable servers", () => {
    expect(new ConsistentRing([{ id: 1, weight: 0 }]).lookup(123)).toBeUndefined();
    expect(new ConsistentRing([]).size).toBe(0);
  });

  it("walks on to the following points when a server is refused", () => {
    const h = 0x12345678;
    const chosen = ring.lookup(h)!;
    const moved = ring.lookup(h, (s) => s !== chosen);
    expect(moved).not.toBe(chosen);
    let p = [...ring.keys].findIndex((k) => k >= h);
    if (p < 0) p = 0;
    const prev = p === 0 ? ring.size - 1 : p - 1;
    const start = (h - ring.keys[prev]!) >>> 0 <= (ring.keys[p]! - h) >>> 0 ? prev : p;
    let q = start;
    while (ring.owners[q] === chosen) q = (q + 1) % ring.size;
    expect(moved).toBe(ring.owners[q]);
  });

  it("returns the highest point's owner when every server is refused", () => {
    expect(ring.lookup(42, () => false)).toBe(ring.owners[ring.size - 1]);
  });

  // Its speed is measured by bench/simulate.mjs, not asserted here.
  it("builds 100 servers of weight 256 with every point in key order", () => {
    const large = new ConsistentRing(Array.from({ length: 100 }, (_, i) => ({ id: i + 1, weight: 256 })));
    expect(large.size).toBe(409_600);
    for (let p = 1; p < large.size; p += 997) expect(large.keys[p]! >= large.keys[p - 1]!).toBe(true);
  });
});

describe("hash-balance-factor eligibility", () => {
  const base = { served: 0, weight: 16, cumulativeWeight: 0, backendServed: 0, totalWeight: 32, factor: 125 };

  it("always allows a server at least one request", () => {
    expect(isEligibleUnderBalanceFactor(base)).toBe(true);
    expect(isEligibleUnderBalanceFactor({ ...base, served: 1, backendServed: 1 })).toBe(false);
  });

  it("bounds a server near its weighted share of the backend's load times the factor", () => {
    // 9 served + 1 new = 10 requests; × 1.25 rounds up to 13 slots, split 6 / 7 by position.
    expect(isEligibleUnderBalanceFactor({ ...base, served: 5, backendServed: 9 })).toBe(true);
    expect(isEligibleUnderBalanceFactor({ ...base, served: 6, backendServed: 9 })).toBe(false);
    const second = { ...base, cumulativeWeight: 16, backendServed: 9 };
    expect(isEligibleUnderBalanceFactor({ ...second, served: 6 })).toBe(true);
    expect(isEligibleUnderBalanceFactor({ ...second, served: 7 })).toBe(false);
  });

  it("allows everything when the factor is 0", () => {
    expect(isEligibleUnderBalanceFactor({ ...base, served: 1000, factor: 0 })).toBe(true);
  });

  it("makes the ring skip a saturated server", () => {
    const ring = new ConsistentRing([
      { id: 1, weight: 1 },
      { id: 2, weight: 1 },
    ]);
    const h = 0x9abcdef0;
    const usual = ring.lookup(h)!;
    const served = [0, 0];
    served[usual] = 5;
    expect(ring.lookup(h, ring.balanceFactor(served, 5, 125))).toBe(1 - usual);
    expect(ring.lookup(h, ring.balanceFactor([0, 0], 0, 125))).toBe(usual);
  });
});

describe("hash settings", () => {
  it("avalanche consistent hashing only when no function is named", () => {
    expect(hashSettings({ method: "consistent" })).toEqual({ fn: "sdbm", avalanche: true });
    expect(hashSettings({ method: "consistent", function: "" })).toEqual({ fn: "sdbm", avalanche: true });
    expect(hashSettings({ method: "consistent", function: "sdbm" })).toEqual({
      fn: "sdbm",
      avalanche: false,
    });
    expect(hashSettings({ method: "consistent", function: "djb2", modifier: "avalanche" })).toEqual({
      fn: "djb2",
      avalanche: true,
    });
  });

  it("default to map-based sdbm without avalanche", () => {
    expect(hashSettings(undefined)).toEqual({ fn: "sdbm", avalanche: false });
    expect(hashSettings({ method: "map-based" })).toEqual({ fn: "sdbm", avalanche: false });
    expect(hashSettings({ method: "map-based", function: "wt6" })).toEqual({ fn: "wt6", avalanche: false });
  });
});

describe("source key", () => {
  it("reads IPv4 as a big-endian number", () => {
    expect(sourceKey("10.0.0.1")).toBe(0x0a000001);
    expect(sourceKey("255.255.255.255")).toBe(0xffffffff);
  });

  it("XORs the four words of IPv6", () => {
    expect(sourceKey("2001:db8::1")).toBe((0x20010db8 ^ 1) >>> 0);
    expect(sourceKey("::ffff:10.0.0.1")).toBe((0xffff ^ 0x0a000001) >>> 0);
    expect(sourceKey("fe80::1%eth0")).toBe((0xfe800000 ^ 1) >>> 0);
    expect(sourceKey("1:2:3:4:5:6:7:8")).toBe((0x00010002 ^ 0x00030004 ^ 0x00050006 ^ 0x00070008) >>> 0);
  });

  it("has no key for text that is not an address", () => {
    expect(sourceKey("not-an-ip")).toBeUndefined();
    expect(sourceKey("10.0.0.256")).toBeUndefined();
    expect(sourceKey("1::2::3")).toBeUndefined();
  });

  it("feeds the address to the lookup without a hash function", () => {
    const r = request({ client: "10.0.0.1" });
    expect(hashRequest("source", [], { method: "map-based", function: "djb2" }, r)).toBe(0x0a000001);
    expect(hashRequest("source", [], { method: "consistent" }, r)).toBe(fullHash(0x0a000001));
  });
});

describe("uri key", () => {
  const r = request({ path: "/a/b/c", query: "x=1&y=2" });

  it("stops at the query string unless whole", () => {
    expect(text(uriKey([], r))).toBe("/a/b/c");
    expect(text(uriKey(["whole"], r))).toBe("/a/b/c?x=1&y=2");
  });

  it("keeps a bare '?' of an empty query only with whole", () => {
    const bare = request({ path: "/a", query: "" });
    expect(text(uriKey([], bare))).toBe("/a");
    expect(text(uriKey(["whole"], bare))).toBe("/a?");
  });

  it("cuts to len bytes before anything else", () => {
    expect(text(uriKey(["len", "4"], r))).toBe("/a/b");
    expect(text(uriKey(["whole", "len", "9"], r))).toBe("/a/b/c?x=");
  });

  it("stops before the slash opening level depth + 1", () => {
    expect(text(uriKey(["depth", "1"], r))).toBe("/a");
    expect(text(uriKey(["depth", "2"], r))).toBe("/a/b");
    expect(text(uriKey(["depth", "5"], r))).toBe("/a/b/c");
    expect(text(uriKey(["whole", "len", "10", "depth", "2"], r))).toBe("/a/b");
  });

  it("reads path-only without changing an origin-form URI", () => {
    expect(readUriOptions(["path-only", "len", "3"])).toEqual({
      whole: false,
      len: 3,
      depth: 0,
      pathOnly: true,
    });
    expect(text(uriKey(["path-only", "whole"], r))).toBe("/a/b/c?x=1&y=2");
  });

  it("hashes the key with the hash type's function and avalanche", () => {
    const key = bytes("/a/b/c");
    expect(hashRequest("uri", [], { method: "map-based", function: "sdbm" }, r)).toBe(hashBytes("sdbm", key));
    expect(hashRequest("uri", [], { method: "consistent" }, r)).toBe(fullHash(hashBytes("sdbm", key)));
    expect(
      hashRequest("uri", [], { method: "consistent", function: "crc32", modifier: "avalanche" }, r),
    ).toBe(fullHash(hashBytes("crc32", key)));
  });
});

describe("url_param key", () => {
  const r = (query?: string): SimRequest => request({ path: "/p", query });

  it("takes the value up to the next '&'", () => {
    expect(text(urlParamKey(["userid"], r("a=1&userid=42&b=2")))).toBe("42");
    expect(text(urlParamKey(["userid", "check_post", "64"], r("userid=7")))).toBe("7");
  });

  it("matches whole names only, case-sensitively, first occurrence", () => {
    expect(urlParamKey(["userid"], r("xuserid=1"))).toBeUndefined();
    expect(urlParamKey(["userid"], r("UserId=1"))).toBeUndefined();
    expect(text(urlParamKey(["userid"], r("xuserid=1&userid=2&userid=3")))).toBe("2");
  });

  it("treats an empty value as a key", () => {
    expect(text(urlParamKey(["userid"], r("userid=&b=1")))).toBe("");
    expect(text(urlParamKey(["userid"], r("userid=")))).toBe("");
  });

  it("has no key without a query or the parameter", () => {
    expect(urlParamKey(["userid"], r())).toBeUndefined();
    expect(urlParamKey(["userid"], r("userid"))).toBeUndefined();
    expect(
      hashRequest("url_param", ["userid"], { method: "map-based", function: "sdbm" }, r("a=1")),
    ).toBeUndefined();
  });
});

describe("hdr key", () => {
  it("reads Host from the request's host, whatever the case of the name", () => {
    const r = request({ host: "www.example.com" });
    expect(text(headerKey(["host"], r))).toBe("www.example.com");
    expect(text(headerKey(["Host"], r))).toBe("www.example.com");
  });

  it("takes the first comma-separated element, trimmed, quotes respected", () => {
    const r = request({ headers: { "x-user": '  "a,b" , c', "x-list": " one ,two" } });
    expect(text(headerKey(["X-User"], r))).toBe('"a,b"');
    expect(text(headerKey(["x-list"], r))).toBe("one");
  });

  it("has no key when the header is missing or its first element empty", () => {
    const r = request({ headers: { "x-empty": "  ", "x-lead": ", b" } });
    expect(headerKey(["x-missing"], r)).toBeUndefined();
    expect(headerKey(["x-empty"], r)).toBeUndefined();
    expect(headerKey(["x-lead"], r)).toBeUndefined();
    expect(headerKey(["host"], r)).toBeUndefined();
  });

  it("keeps the label before the last dot with use_domain_only", () => {
    const key = (host: string): string | undefined =>
      text(headerKey(["host", "use_domain_only"], request({ host })));
    expect(key("www.example.com")).toBe("example");
    expect(key("example.com")).toBe("example");
    expect(key("a.b.example.co")).toBe("example");
    expect(key("www.example.com:8080")).toBe("example");
    expect(key("localhost")).toBe("localhost");
    expect(key("example.com.")).toBe("com");
    expect(key(".com")).toBe(".com");
    expect(key("www..com")).toBe("www.");
  });

  it("hashes the domain part", () => {
    const r = request({ host: "shop.example.org" });
    expect(
      hashRequest("hdr", ["host", "use_domain_only"], { method: "map-based", function: "djb2" }, r),
    ).toBe(hashBytes("djb2", bytes("example")));
  });
});

describe("hashRequest", () => {
  it("has no key for rdp-cookie on HTTP traffic", () => {
    expect(hashRequest("rdp-cookie", [], undefined, request())).toBeUndefined();
  });

  it("refuses algorithms it cannot evaluate", () => {
    expect(() => hashRequest("hash", ["req.hdr(x)"], undefined, request())).toThrow(RangeError);
    expect(() => hashRequest("roundrobin", [], undefined, request())).toThrow(RangeError);
  });
});
