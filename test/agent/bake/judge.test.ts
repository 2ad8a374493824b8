import { describe, expect, it } from "vitest";
import { deltasBetween, isReset, lastWindow } from "../../../src/agent/bake/counters.js";
import { type BakeInput, type BakeVerdict, judgeBake } from "../../../src/agent/bake/judge.js";
import { type BakePolicy, DEFAULT_POLICY } from "../../../src/agent/bake/policy.js";
import type { StatSnapshot } from "../../../src/haproxy/runtime/stat-row.js";
import { FakeHaproxy, run, type ServerStep } from "./stat-fixtures.js";

// The change is applied at t = 0; the baseline runs from -2 s to 0 and the bake samples every
// 250 ms. 36 requests per step is 144 requests/s, the seeds' load.
const APPLIED_AT = 0;
const TWO_WEB = { www: { web: ["web-01", "web-02"] } };
const EVEN = { "web-01": { ok: 18 }, "web-02": { ok: 18 } };

/** The baseline of `lab`: `step` served every 250 ms from -2 s to the apply. */
function baselineOf(lab: FakeHaproxy, step: Record<string, ServerStep> = EVEN, backend = "web") {
  return run(lab, -2000, APPLIED_AT, () => lab.serve("www", backend, step));
}

/**
 * Reloads `lab` into `layout` just after the apply and samples it until `until`, calling `step`
 * before each sample. The first sample is the old worker's, taken at the apply.
 */
function bakeOf(
  lab: FakeHaproxy,
  layout: Record<string, Record<string, string[]>>,
  step: (at: number) => void,
  until = 5000,
): StatSnapshot[] {
  const first = lab.snapshot(APPLIED_AT);
  lab.reload(layout);
  return [first, ...run(lab, APPLIED_AT + 250, until, step)];
}

type Extra = Partial<Omit<BakeInput, "baseline" | "samples" | "policy">> & { policy?: Partial<BakePolicy> };

/** The verdict after `samples[0..=index]`, as the agent would have it then. */
function judgeAt(baseline: StatSnapshot[], samples: StatSnapshot[], index: number, extra: Extra = {}) {
  return judgeBake({
    appliedAt: APPLIED_AT,
    ...extra,
    baseline,
    samples: samples.slice(0, index + 1),
    policy: { ...DEFAULT_POLICY, ...extra.policy },
  });
}

/** Judges after every sample, as the agent does; the first verdict with a breach, and when. */
function firstBreach(baseline: StatSnapshot[], samples: StatSnapshot[], extra: Extra = {}) {
  for (let i = 1; i < samples.length; i++) {
    const verdict = judgeAt(baseline, samples, i, extra);
    if (verdict.breaches.length > 0) return { at: (samples[i] as StatSnapshot).at, verdict };
  }
  return undefined;
}

const kinds = (verdict: BakeVerdict) => verdict.breaches.map((b) => `${b.check} ${b.scope}`);

describe("counters", () => {
  it("reads a counter that went down as a new worker's count, never as a negative delta", () => {
    const lab = new FakeHaproxy(TWO_WEB).preload("web/web-01", 100_000).preload("www/FRONTEND", 100_000);
    const before = lab.snapshot(0);
    lab.reload(TWO_WEB).serve("www", "web", EVEN);
    const after = lab.snapshot(250);
    expect(isReset(before, after)).toBe(true);
    const deltas = deltasBetween(before, after);
    expect(deltas.get("www/FRONTEND")?.requestsTotal).toBe(36);
    expect(deltas.get("web/web-01")?.picked).toBe(18);
    for (const delta of deltas.values()) expect(delta.sessionsTotal).toBeGreaterThanOrEqual(0);
  });

  it("counts a small counter that overtook its old value after a reload in full", () => {
    const lab = new FakeHaproxy(TWO_WEB).preload("www/FRONTEND", 1000);
    lab.serve("www", "web", { "web-01": { c5xx: 2 } });
    const before = lab.snapshot(0);
    lab.reload(TWO_WEB).serve("www", "web", { "web-01": { c5xx: 5, ok: 10 } });
    const deltas = deltasBetween(before, lab.snapshot(250));
    expect(deltas.get("web/BACKEND")?.responses["5xx"]).toBe(5);
  });

  it("adds up a window across a reload in its middle", () => {
    const lab = new FakeHaproxy(TWO_WEB).preload("www/FRONTEND", 5000);
    const samples = bakeOf(lab, TWO_WEB, () => lab.serve("www", "web", EVEN), 1000);
    const window = lastWindow(samples, 1000);
    expect(window.ms).toBe(1000);
    expect(window.counters.get("www/FRONTEND")?.requestsTotal).toBe(4 * 36);
  });
});

describe("judgeBake on the seed outages", () => {
  it("catches servers moved to dead addresses (seed-000) in the first sample, then the servers going DOWN", () => {
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab);
    const samples = bakeOf(lab, TWO_WEB, (at) => {
      if (at < 1250) {
        lab.serve("www", "web", { "web-01": { c5xx: 18, econ: 72 }, "web-02": { c5xx: 18, econ: 72 } });
        return;
      }
      lab.status("web/web-01", "DOWN", "L4CON").status("web/web-02", "DOWN", "L4CON");
      lab.status("web/BACKEND", "DOWN").serve("www", "web", { "": { c5xx: 36 } });
    });
    const first = firstBreach(baseline, samples);
    expect(first?.at).toBe(250);
    expect(kinds(first!.verdict)).toEqual(
      expect.arrayContaining([
        "error-ratio frontend www",
        "error-ratio backend web",
        "connection-errors backend web",
      ]),
    );
    const backend = first!.verdict.breaches.find(
      (b) => b.check === "error-ratio" && b.scope === "backend web",
    );
    expect(backend).toMatchObject({ observed: 100, baseline: 0, threshold: 5, requests: 36, windowMs: 250 });
    expect(backend?.message).toBe(
      "backend web answered 5xx to 100.0% of 36 requests in the last 0.25 s (baseline 0.0%, limit 5.0%).",
    );

    const later = judgeAt(
      baseline,
      samples,
      samples.findIndex((s) => s.at === 1250),
    );
    expect(kinds(later)).toEqual(
      expect.arrayContaining([
        "server-down backend web",
        "server-down server web/web-01",
        "server-down server web/web-02",
      ]),
    );
  });

  it("catches most traffic routed to a server that answers 404 (seed-001) as a 4xx surge", () => {
    const layout = { www: { web: ["web-01", "web-02"], api: ["api-01"] } };
    const lab = new FakeHaproxy(layout);
    const baseline = run(lab, -2000, APPLIED_AT, () =>
      lab
        .serve("www", "web", { "web-01": { ok: 13 }, "web-02": { ok: 12 } })
        .serve("www", "api", { "api-01": { ok: 11 } }),
    );
    const samples = bakeOf(lab, layout, () => lab.serve("www", "api", { "api-01": { ok: 11, c4xx: 25 } }));
    const first = firstBreach(baseline, samples);
    expect(first?.at).toBe(250);
    expect(kinds(first!.verdict)).toEqual(["client-errors frontend www", "client-errors backend api"]);
    expect(first!.verdict.breaches[0]?.observed).toBeCloseTo((25 / 36) * 100, 5);
  });

  it("catches weights 100:1 overloading one server (seed-002) from its 503s, not from the shares it was told to expect", () => {
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab);
    const samples = bakeOf(lab, TWO_WEB, () =>
      lab.serve("www", "web", { "web-01": { ok: 26, c5xx: 9 }, "web-02": { ok: 1 } }),
    );
    const expectedShares = new Map([
      [
        "web",
        new Map([
          ["web-01", 100 / 101],
          ["web-02", 1 / 101],
        ]),
      ],
    ]);
    const first = firstBreach(baseline, samples, { expectedShares });
    expect(first?.at).toBe(250);
    expect(kinds(first!.verdict)).toEqual([
      "error-ratio frontend www",
      "error-ratio backend web",
      "error-ratio server web/web-01",
    ]);
    const late = judgeAt(baseline, samples, samples.length - 1, { expectedShares });
    expect(late.breaches.every((b) => b.check === "error-ratio")).toBe(true);
  });

  it("catches a database in the web pool (seed-003) though its TCP check keeps it UP", () => {
    const layout = { www: { web: ["web-01", "web-02", "db-01"] } };
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab);
    const samples = bakeOf(lab, layout, () =>
      lab.serve("www", "web", {
        "web-01": { ok: 12 },
        "web-02": { ok: 12 },
        "db-01": { c5xx: 12, eresp: 12 },
      }),
    );
    const first = firstBreach(baseline, samples);
    expect(first?.at).toBe(250);
    expect(kinds(first!.verdict)).toEqual([
      "error-ratio frontend www",
      "error-ratio backend web",
      "connection-errors backend web",
    ]);
    const late = judgeAt(baseline, samples, samples.length - 1);
    expect(kinds(late)).toContain("connection-errors server web/db-01");
    expect(late.breaches.some((b) => b.check === "server-down")).toBe(false);
  });

  it("catches a server moved to a dead port without health checks (seed-004)", () => {
    const layout = { www: { web: ["web-01", "web-02", "web-03"] } };
    const lab = new FakeHaproxy(layout);
    for (const s of layout.www.web) lab.status(`web/${s}`, "no check");
    const baseline = baselineOf(lab, { "web-01": { ok: 12 }, "web-02": { ok: 12 }, "web-03": { ok: 12 } });
    const samples = bakeOf(lab, layout, () => {
      for (const s of layout.www.web) lab.status(`web/${s}`, "no check");
      lab.serve("www", "web", {
        "web-01": { ok: 12 },
        "web-02": { ok: 12 },
        "web-03": { c5xx: 12, econ: 48 },
      });
    });
    const first = firstBreach(baseline, samples);
    expect(first?.at).toBe(250);
    const connection = first!.verdict.breaches.find((b) => b.check === "connection-errors");
    expect(connection).toMatchObject({ scope: "backend web", baseline: 0, threshold: 5, requests: 36 });
    expect(connection?.observed).toBeCloseTo((48 / 36) * 100, 5);
    expect(connection?.message).toContain(
      "133.3 failed connection attempts or response errors per 100 requests",
    );
  });

  it("catches a dead port from retries alone, before any request has waited out its 503 (seed-004)", () => {
    const layout = { www: { web: ["web-01", "web-02", "web-03"] } };
    const lab = new FakeHaproxy(layout);
    const baseline = baselineOf(lab, { "web-01": { ok: 12 }, "web-02": { ok: 12 }, "web-03": { ok: 12 } });
    const samples = bakeOf(lab, layout, () => {
      lab.serve("www", "web", { "web-01": { ok: 12 }, "web-02": { ok: 12 }, "web-03": { retries: 36 } });
    });
    const first = firstBreach(baseline, samples);
    // 24 answered requests per sample: the second sample reaches min_requests.
    expect(first?.at).toBe(500);
    expect(first!.verdict.breaches.find((b) => b.check === "connection-errors")).toMatchObject({
      scope: "backend web",
      requests: 48,
    });
  });
});

describe("judgeBake on healthy changes", () => {
  it("never breaches when a correct change adds a third server (safe-add-server), ramp included", () => {
    const after = { www: { web: ["web-01", "web-02", "web-03"] } };
    const lab = new FakeHaproxy(TWO_WEB).preload("www/FRONTEND", 50_000).preload("web/web-01", 25_000);
    const baseline = baselineOf(lab);
    const samples = bakeOf(
      lab,
      after,
      (at) => {
        const each = at === 250 ? 4 : at === 500 ? 8 : 12;
        lab.serve("www", "web", { "web-01": { ok: each }, "web-02": { ok: each }, "web-03": { ok: each } });
      },
      20_000,
    );
    const third = new Map([
      [
        "web",
        new Map([
          ["web-01", 1 / 3],
          ["web-02", 1 / 3],
          ["web-03", 1 / 3],
        ]),
      ],
    ]);
    expect(firstBreach(baseline, samples, { expectedShares: third })).toBeUndefined();
    const verdict = judgeAt(baseline, samples, samples.length - 1, { expectedShares: third });
    const web = verdict.observed.backends.find((b) => b.name === "web");
    expect(
      web?.servers.map((s) => [
        s.name,
        Number(s.sharePct.toFixed(1)),
        Number(s.expectedSharePct?.toFixed(1)),
      ]),
    ).toEqual([
      ["web-01", 33.3, 33.3],
      ["web-02", 33.3, 33.3],
      ["web-03", 33.3, 33.3],
    ]);
    expect(verdict.observed.frontends[0]).toMatchObject({ name: "www", rps: 144, pct5xx: 0, pct4xx: 0 });
  });

  it("judges no ratio over fewer requests than min_requests (1 error in 3 is not a breach)", () => {
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab, { "web-01": { ok: 1 } });
    const samples = bakeOf(lab, TWO_WEB, (at) =>
      lab.serve("www", "web", at % 1000 === 0 ? { "web-02": { c5xx: 1 } } : { "web-01": { ok: 1 } }),
    );
    expect(firstBreach(baseline, samples)).toBeUndefined();
  });

  it("judges a backend with errors before the apply against its baseline, not against zero", () => {
    // 11.1% of 5xx before the apply on both servers.
    const erring = { "web-01": { ok: 16, c5xx: 2 }, "web-02": { ok: 16, c5xx: 2 } };
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab, erring);
    const alike = bakeOf(lab, TWO_WEB, (at) => {
      const a = at % 500 === 0 ? 3 : 2;
      lab.serve("www", "web", { "web-01": { ok: 18 - a, c5xx: a }, "web-02": { ok: 13 + a, c5xx: 5 - a } });
    });
    expect(firstBreach(baseline, alike)).toBeUndefined();

    const worse = new FakeHaproxy(TWO_WEB);
    const samples = bakeOf(worse, TWO_WEB, () =>
      worse.serve("www", "web", { "web-01": { ok: 14, c5xx: 4 }, "web-02": { ok: 14, c5xx: 4 } }),
    );
    const backend = firstBreach(baselineOf(new FakeHaproxy(TWO_WEB), erring), samples)?.verdict.breaches.find(
      (b) => b.scope === "backend web",
    );
    expect(backend?.baseline).toBeCloseTo((4 / 36) * 100, 5);
    expect(backend?.threshold).toBeCloseTo((4 / 36) * 100 + 5, 5);
    expect(backend?.observed).toBeCloseTo((8 / 36) * 100, 5);
  });
});

describe("judgeBake on the front-end rate", () => {
  it("lets the new worker ramp up during the grace period", () => {
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab);
    const ramp: Record<number, number> = { 250: 0, 500: 2, 750: 6, 1000: 12 };
    const samples = bakeOf(lab, TWO_WEB, (at) => {
      const each = ramp[at] ?? 18;
      lab.serve("www", "web", { "web-01": { ok: each }, "web-02": { ok: each } });
    });
    expect(firstBreach(baseline, samples)).toBeUndefined();
  });

  it("reports a collapse (a moved listener) once the grace period is over", () => {
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab);
    const samples = bakeOf(lab, TWO_WEB, () => undefined);
    const first = firstBreach(baseline, samples);
    expect(first?.at).toBe(DEFAULT_POLICY.graceMs);
    expect(first?.verdict.breaches).toEqual([
      expect.objectContaining({
        check: "rate-collapse",
        scope: "frontend www",
        observed: 0,
        baseline: 144,
        threshold: 72,
      }),
    ]);
    expect(first?.verdict.breaches[0]?.message).toBe(
      "frontend www received 0.0 requests/s in the last 1 s, down from 144.0 requests/s before the apply (limit 72.0 requests/s).",
    );
  });

  it("does not judge the rate of a frontend quieter than rate_collapse_min_rps", () => {
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab, { "web-01": { ok: 1 } });
    expect(
      firstBreach(
        baseline,
        bakeOf(lab, TWO_WEB, () => undefined),
      ),
    ).toBeUndefined();
  });
});

describe("judgeBake on server states and shares", () => {
  it("ignores an exempt server put into MAINT on purpose, shares included", () => {
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab);
    const samples = bakeOf(lab, TWO_WEB, () => {
      lab.status("web/web-02", "MAINT");
      lab.serve("www", "web", { "web-01": { ok: 36 } });
    });
    const expectedShares = new Map([
      [
        "web",
        new Map([
          ["web-01", 0.5],
          ["web-02", 0.5],
        ]),
      ],
    ]);
    expect(
      firstBreach(baseline, samples, { exempt: new Set(["web/web-02"]), expectedShares }),
    ).toBeUndefined();
    const unexpected = firstBreach(baseline, samples, { expectedShares });
    expect(unexpected?.at).toBe(250);
    expect(kinds(unexpected!.verdict)).toEqual(["server-down server web/web-02"]);
    expect(unexpected?.verdict.breaches[0]?.message).toBe(
      "server web/web-02 is MAINT; it was UP before the apply.",
    );
  });

  it("does not report a server that was already DOWN before the apply", () => {
    const lab = new FakeHaproxy(TWO_WEB).status("web/web-02", "DOWN", "L4CON");
    const baseline = baselineOf(lab, { "web-01": { ok: 36 } });
    const samples = bakeOf(lab, TWO_WEB, () => {
      lab.status("web/web-02", "DOWN", "L4CON").serve("www", "web", { "web-01": { ok: 36 } });
    });
    expect(firstBreach(baseline, samples)).toBeUndefined();
  });

  it("reports a backend left with no server at once, even with server_down off", () => {
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab);
    const samples = bakeOf(lab, TWO_WEB, () => {
      lab.status("web/web-01", "MAINT").status("web/web-02", "MAINT").status("web/BACKEND", "DOWN");
    });
    const first = firstBreach(baseline, samples, { policy: { serverDown: false } });
    expect(first?.at).toBe(250);
    expect(first?.verdict.breaches).toEqual([
      expect.objectContaining({
        check: "server-down",
        scope: "backend web",
        observed: 0,
        baseline: 2,
        threshold: 1,
      }),
    ]);
  });

  it("gives a server new in the change the grace period to pass its first checks", () => {
    const after = { www: { web: ["web-01", "web-02", "web-03"] } };
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab);
    const samples = bakeOf(lab, after, () => {
      lab.status("web/web-03", "DOWN", "L4CON").serve("www", "web", EVEN);
    });
    const first = firstBreach(baseline, samples);
    expect(first?.at).toBe(DEFAULT_POLICY.graceMs);
    expect(first?.verdict.breaches.map((b) => b.message)).toEqual([
      "server web/web-03 is DOWN (L4CON); it is new in this change.",
    ]);
  });

  it("reports shares far from the prediction once the backend has made enough picks", () => {
    const lab = new FakeHaproxy(TWO_WEB);
    const baseline = baselineOf(lab);
    const samples = bakeOf(lab, TWO_WEB, () =>
      lab.serve("www", "web", { "web-01": { ok: 34 }, "web-02": { ok: 2 } }),
    );
    const expectedShares = new Map([
      [
        "web",
        new Map([
          ["web-01", 0.5],
          ["web-02", 0.5],
        ]),
      ],
    ]);
    const first = firstBreach(baseline, samples, { expectedShares });
    expect(first?.at).toBe(750);
    expect(kinds(first!.verdict)).toEqual(["share-drift server web/web-01", "share-drift server web/web-02"]);
    expect(first?.verdict.breaches[0]).toMatchObject({
      baseline: 50,
      threshold: 25,
      requests: 108,
      windowMs: 750,
    });
    expect(first?.verdict.breaches[0]?.observed).toBeCloseTo((34 / 36) * 100, 5);
  });
});
