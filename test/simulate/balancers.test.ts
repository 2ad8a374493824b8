import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/haproxy/parse/index.js";
import type { Config } from "../../src/model/config.js";
import { createBalancer } from "../../src/simulate/balance/index.js";
import { play } from "../../src/simulate/engine.js";
import { predictPicks } from "../../src/simulate/pick-sequence.js";
import { buildPool } from "../../src/simulate/pool.js";
import type { SimRequest } from "../../src/simulate/types.js";

/**
 * Exact pick sequences of every balancing algorithm on small fixed pools, as a freshly started
 * HAProxy 2.6 makes them, and the servers each algorithm must never pick (down, disabled,
 * drained, full). Server `a` is declared first, then `b`, `c`, ...
 */

/** A config with one backend `be`: the given backend lines, then one `server NAME ADDR OPTIONS` per entry. */
function backend(lines: string[], servers: string[]): Config {
  const text = [
    "defaults",
    "    mode http",
    "    timeout connect 1s",
    "    timeout client 5s",
    "    timeout server 5s",
    "backend be",
    ...lines.map((line) => `    ${line}`),
    ...servers.map((line, i) => {
      const [name = "", ...options] = line.split(/\s+/);
      return `    ${["server", name, `10.0.1.${i + 1}:80`, ...options].join(" ")}`;
    }),
    "",
  ].join("\n");
  const { model, diagnostics } = parseConfig([{ path: "be.cfg", text }], { env: {} });
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return model;
}

function request(fields: Partial<SimRequest> = {}): SimRequest {
  return { client: "192.0.2.10", method: "GET", path: "/", headers: {}, ...fields };
}

function plain(count: number): SimRequest[] {
  return Array.from({ length: count }, () => request());
}

/** The picks of `count` plain sequential requests, as a string such as "abab". */
function sequence(config: Config, count: number, down: string[] = []): string {
  return predictPicks(config, "be", plain(count), { down })
    .map((name) => name ?? "-")
    .join("");
}

function countOf(picks: readonly (string | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const pick of picks) counts[pick ?? "-"] = (counts[pick ?? "-"] ?? 0) + 1;
  return counts;
}

/** Plays `count` plain requests with `concurrency` in flight and returns every pick by name. */
function playPicks(config: Config, count: number, concurrency: number, down: string[] = []) {
  const proxy = config.backends.find((b) => b.name === "be")!;
  const pool = buildPool(proxy, new Set(down));
  const { balancer } = createBalancer(pool, 1);
  const result = play(pool, balancer, count, () => request(), { concurrency, record: true });
  return { ...result, names: (result.picks ?? []).map((s) => s?.name) };
}

/** The largest number of times `name` appears among `width` consecutive picks. */
function mostInWindow(names: readonly (string | undefined)[], name: string, width: number): number {
  let most = 0;
  for (let i = 0; i + width <= names.length; i++) {
    most = Math.max(most, names.slice(i, i + width).filter((n) => n === name).length);
  }
  return most;
}

describe("roundrobin", () => {
  it("alternates between two servers of equal weight", () => {
    const config = backend(["balance roundrobin"], ["a weight 1", "b weight 1"]);
    expect(sequence(config, 8)).toBe("abababab");
  });

  it("gives weights 1,2 the sequence b b a, b b a, ...", () => {
    const config = backend(["balance roundrobin"], ["a weight 1", "b weight 2"]);
    expect(sequence(config, 12)).toBe("bbabbabbabba");
  });

  it("gives weights 3,1,1 the sequence a a b a c, repeated", () => {
    const config = backend(["balance roundrobin"], ["a weight 3", "b weight 1", "c weight 1"]);
    expect(sequence(config, 15)).toBe("aabacaabacaabac");
  });

  it("sends a weight-100 server 100 requests before its weight-1 peer gets one", () => {
    const config = backend(["balance roundrobin"], ["a weight 100", "b weight 1"]);
    const picks = sequence(config, 101);
    expect(picks.slice(0, 100)).toBe("a".repeat(100));
    expect(picks[100]).toBe("b");
  });

  it("keeps shares exactly proportional to weights over whole cycles", () => {
    const config = backend(["balance roundrobin"], ["a weight 3", "b weight 2", "c weight 5"]);
    expect(countOf(predictPicks(config, "be", plain(1000)))).toEqual({ a: 300, b: 200, c: 500 });
  });

  it("skips a server at its maxconn and keeps serving every request", () => {
    const config = backend(["balance roundrobin"], ["a weight 1 maxconn 1", "b weight 1", "c weight 1"]);
    const { names, unserved } = playPicks(config, 300, 3);
    expect(unserved).toBe(0);
    expect(names).not.toContain(undefined);
    // With 3 in flight, request k runs beside requests k-1 and k-2: a never holds two.
    expect(mostInWindow(names, "a", 3)).toBe(1);
    expect(names).toContain("a");
  });
});

describe("static-rr", () => {
  it("gives weights 1,2 the sequence a b b, repeated", () => {
    const config = backend(["balance static-rr"], ["a weight 1", "b weight 2"]);
    expect(sequence(config, 9)).toBe("abbabbabb");
  });

  it("gives weights 3,1,1 the sequence a a b a c, repeated", () => {
    const config = backend(["balance static-rr"], ["a weight 3", "b weight 1", "c weight 1"]);
    expect(sequence(config, 15)).toBe("aabacaabacaabac");
  });
});

describe("first", () => {
  it("sends everything to the first server when none has a maxconn", () => {
    const config = backend(["balance first"], ["a", "b", "c"]);
    expect(sequence(config, 6)).toBe("aaaaaa");
  });

  it("picks the lowest id, not the first line, when ids are explicit", () => {
    const config = backend(["balance first"], ["a id 3", "b id 1", "c id 2"]);
    expect(sequence(config, 6)).toBe("bbbbbb");
  });

  it("numbers servers without an id around the explicit ones", () => {
    // b takes id 1; a gets the next free number, 2; c has 3.
    const config = backend(["balance first"], ["a", "b id 1", "c id 3"]);
    expect(sequence(config, 4)).toBe("bbbb");
  });

  it("ignores weights", () => {
    const config = backend(["balance first"], ["a weight 1", "b weight 100"]);
    expect(sequence(config, 6)).toBe("aaaaaa");
  });

  it("moves to the second server when the first is at its maxconn", () => {
    const config = backend(["balance first"], ["a maxconn 2", "b maxconn 2"]);
    const { names, unserved } = playPicks(config, 30, 3);
    expect(unserved).toBe(0);
    expect(names.slice(0, 3)).toEqual(["a", "a", "b"]);
    expect(mostInWindow(names, "a", 3)).toBe(2);
    expect(countOf(names)).toEqual({ a: 20, b: 10 });
  });
});

describe("leastconn", () => {
  it("rotates over the servers whatever their weights when requests never overlap", () => {
    const config = backend(["balance leastconn"], ["a weight 1", "b weight 2", "c weight 5"]);
    expect(sequence(config, 9)).toBe("abcabcabc");
  });

  it("gives heavier servers more requests when requests overlap", () => {
    const config = backend(["balance leastconn"], ["a weight 1", "b weight 3"]);
    const { names, unserved } = playPicks(config, 4000, 8);
    expect(unserved).toBe(0);
    const counts = countOf(names);
    // A real HAProxy 2.6 with 8 requests in flight gave a 25.1%, b 74.9% over 1500 requests.
    expect(Math.abs(counts["a"]! / 4000 - 0.25)).toBeLessThan(0.03);
    expect(Math.abs(counts["b"]! / 4000 - 0.75)).toBeLessThan(0.03);
  });

  it("skips a server at its maxconn", () => {
    const config = backend(["balance leastconn"], ["a maxconn 1", "b", "c"]);
    const { names, unserved } = playPicks(config, 300, 4);
    expect(unserved).toBe(0);
    expect(mostInWindow(names, "a", 4)).toBe(1);
  });
});

describe("random", () => {
  const servers = ["a weight 1", "b weight 3"];

  it("draws the same sequence from the same seed", () => {
    const config = backend(["balance random"], servers);
    const first = predictPicks(config, "be", plain(200), { seed: 42 });
    const again = predictPicks(config, "be", plain(200), { seed: 42 });
    expect(again).toEqual(first);
    const other = predictPicks(config, "be", plain(200), { seed: 43 });
    expect(other).not.toEqual(first);
  });

  it("shares requests close to the weights over many requests", () => {
    const config = backend(["balance random"], servers);
    const counts = countOf(predictPicks(config, "be", plain(20_000), { seed: 7 }));
    expect(counts["-"]).toBeUndefined();
    expect(Math.abs(counts["a"]! / 20_000 - 0.25)).toBeLessThan(0.05);
    expect(Math.abs(counts["b"]! / 20_000 - 0.75)).toBeLessThan(0.05);
  });
});

describe("hashing", () => {
  const clients = Array.from({ length: 200 }, (_, i) => `10.${i % 7}.${(i * 37) % 256}.${1 + (i % 250)}`);

  for (const hashType of ["map-based", "consistent"]) {
    it(`source (${hashType}): a client always lands on the same server, and clients spread`, () => {
      const config = backend(
        ["balance source", `hash-type ${hashType}`],
        ["a weight 1", "b weight 1", "c weight 1"],
      );
      // Every client three times, interleaved, so that state between picks would show.
      const requests = [...clients, ...clients, ...clients].map((client) => request({ client }));
      const picks = predictPicks(config, "be", requests);
      expect(picks).not.toContain(undefined);
      const byClient = new Map<string, Set<string | undefined>>();
      requests.forEach((r, i) => {
        const seen = byClient.get(r.client) ?? new Set();
        seen.add(picks[i]);
        byClient.set(r.client, seen);
      });
      for (const [client, seen] of byClient) expect([client, seen.size]).toEqual([client, 1]);
      const counts = countOf(picks.slice(0, clients.length));
      for (const server of ["a", "b", "c"]) expect(counts[server] ?? 0).toBeGreaterThan(30);
    });
  }

  it("uri: a path always lands on the same server, and paths spread", () => {
    const config = backend(["balance uri"], ["a", "b", "c"]);
    const paths = Array.from({ length: 120 }, (_, i) => `/item/${i}/detail`);
    const requests = [...paths, ...paths].map((path, i) => request({ path, client: `192.0.2.${i % 200}` }));
    const picks = predictPicks(config, "be", requests);
    expect(picks.slice(0, paths.length)).toEqual(picks.slice(paths.length));
    expect(picks).not.toContain(undefined);
    expect(new Set(picks).size).toBe(3);
  });

  it("url_param: the same value lands on the same server; a request without it is still served", () => {
    const config = backend(["balance url_param uid"], ["a", "b", "c"]);
    const withParam = Array.from({ length: 60 }, (_, i) => request({ path: "/p", query: `uid=${i}` }));
    const picks = predictPicks(config, "be", [...withParam, ...withParam]);
    expect(picks.slice(0, 60)).toEqual(picks.slice(60));
    expect(new Set(picks).size).toBe(3);

    const without = predictPicks(config, "be", [
      request({ path: "/p" }),
      request({ path: "/p", query: "other=1" }),
      request({ path: "/p" }),
      request({ path: "/p" }),
    ]);
    expect(without).not.toContain(undefined);
    // Without the parameter HAProxy walks the servers in turn instead of hashing.
    expect(new Set(without).size).toBeGreaterThan(1);
  });

  it("hdr(host): the same Host lands on the same server; a request without one is still served", () => {
    const config = backend(["balance hdr(host)"], ["a", "b", "c"]);
    const hosts = Array.from({ length: 60 }, (_, i) => `site${i}.example.com`);
    const requests = [...hosts, ...hosts].map((host) => request({ host }));
    const picks = predictPicks(config, "be", requests);
    expect(picks.slice(0, 60)).toEqual(picks.slice(60));
    expect(new Set(picks).size).toBe(3);
    expect(predictPicks(config, "be", plain(4))).not.toContain(undefined);
  });
});

describe("servers that take no traffic", () => {
  const algorithms = [
    "roundrobin",
    "static-rr",
    "leastconn",
    "first",
    "random",
    "source",
    "uri",
    "url_param uid",
    "hdr(host)",
  ];
  const servers = ["a", "b disabled", "c weight 0", "d", "e"];

  for (const algorithm of algorithms) {
    it(`${algorithm} never picks a down, disabled or weight-0 server`, () => {
      const config = backend([`balance ${algorithm}`], servers);
      const requests = Array.from({ length: 300 }, (_, i) =>
        request({
          client: `10.1.${i % 256}.${1 + (i % 200)}`,
          path: `/x/${i}`,
          query: `uid=${i}`,
          host: `h${i}.example`,
        }),
      );
      const picks = predictPicks(config, "be", requests, { down: ["be/a"] });
      expect(picks).not.toContain(undefined);
      expect(new Set(picks)).toEqual(algorithm === "first" ? new Set(["d"]) : new Set(["d", "e"]));
    });
  }

  it("answers nothing (503) when no server is usable", () => {
    const config = backend(["balance roundrobin"], ["a", "b disabled"]);
    expect(predictPicks(config, "be", plain(3), { down: ["be/a"] })).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("backups", () => {
  const servers = ["a", "b", "c backup weight 1", "d backup weight 3"];

  for (const algorithm of ["roundrobin", "static-rr", "leastconn", "first", "random", "source"]) {
    it(`${algorithm}: backups wait while an active server is up`, () => {
      const config = backend([`balance ${algorithm}`], servers);
      const picks = predictPicks(config, "be", plain(20), { down: ["be/a"] });
      expect(new Set(picks)).toEqual(new Set(["b"]));
    });

    it(`${algorithm}: the first usable backup takes everything when every active server is down`, () => {
      const config = backend([`balance ${algorithm}`], servers);
      const down = ["be/a", "be/b"];
      expect(new Set(predictPicks(config, "be", plain(40), { down }))).toEqual(new Set(["c"]));
      const cDown = [...down, "be/c"];
      expect(new Set(predictPicks(config, "be", plain(40), { down: cDown }))).toEqual(new Set(["d"]));
    });
  }

  describe("when the first backup's weight leaves room for another in HAProxy's weight table", () => {
    // Reduced weights 1,1,2,2: with every active server down the table is two slots long (the
    // first backup's weight) and HAProxy fills it from every usable backup: c, d.
    const wide = ["a", "b", "c backup weight 2", "d backup weight 2"];
    const down = ["be/a", "be/b"];
    const keyed = Array.from({ length: 40 }, (_, i) =>
      request({
        client: `10.2.${i}.${7 + i}`,
        path: `/p${i}`,
        query: `uid=${i}`,
        headers: { "x-user": `u${i}` },
      }),
    );

    it("static-rr walks the whole table, so the second backup shares the load", () => {
      const config = backend(["balance static-rr"], wide);
      expect(sequence(config, 8, down)).toBe("cdcdcdcd");
    });

    it("url_param hashes over the whole table, so the second backup shares the load", () => {
      const config = backend(["balance url_param uid"], wide);
      expect(new Set(predictPicks(config, "be", keyed, { down }))).toEqual(new Set(["c", "d"]));
    });

    // HAProxy 2.6 (get_server_sh, get_server_uri, get_server_hdr) does not hash when only one
    // server is in use (lbprm.tot_used == 1, which is the case on the first backup alone) and
    // takes slot 0: the first backup. Checked against haproxy 2.6.12: 40 of 40 requests to c.
    for (const algorithm of ["source", "uri", "hdr(x-user)"]) {
      it(`${algorithm} (map-based) does not hash: the first backup takes everything`, () => {
        const config = backend([`balance ${algorithm}`], wide);
        expect(new Set(predictPicks(config, "be", keyed, { down }))).toEqual(new Set(["c"]));
      });
    }
  });

  it("option allbackups shares the load over every usable backup by weight", () => {
    const config = backend(["balance roundrobin", "option allbackups"], servers);
    const picks = predictPicks(config, "be", plain(400), { down: ["be/a", "be/b"] });
    expect(countOf(picks)).toEqual({ c: 100, d: 300 });
  });

  it("reports the pool as running on backups", () => {
    const config = backend(["balance roundrobin"], servers);
    const pool = buildPool(config.backends[0]!, new Set(["be/a", "be/b"]));
    expect(pool.onBackups).toBe(true);
    expect(pool.inService.map((s) => s.name)).toEqual(["c"]);
    expect(pool.servers.map((s) => s.state)).toEqual(["down", "down", "backup", "standby"]);
  });
});
