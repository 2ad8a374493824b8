import { describe, expect, it } from "vitest";
import { silenceFor } from "../../src/monitor/silences.js";
import type { Silence } from "../../src/monitor/types.js";
import { at } from "./alert-fixtures.js";

const iso = (s: number) => new Date(at(s)).toISOString();

function silence(id: number, matchers: Record<string, string>, fields: Partial<Silence> = {}): Silence {
  return {
    id,
    matchers,
    comment: "replacing web-02's disk",
    createdBy: "alice",
    createdAt: iso(0),
    endsAt: iso(3600),
    ...fields,
  };
}

const ALERT = {
  cluster: "shop",
  rule: "server-down",
  severity: "warning" as const,
  labels: { node: "lb-1", backend: "web", server: "web-02" },
};

describe("silenceFor", () => {
  it("finds a silence whose every matcher equals the alert's rule, severity or label", () => {
    const match = silence(1, { rule: "server-down", server: "web-02", severity: "warning" });
    expect(silenceFor(ALERT, [match], at(60))).toBe(match);
    expect(silenceFor(ALERT, [silence(2, { server: "web-02", backend: "api" })], at(60))).toBeUndefined();
    expect(silenceFor(ALERT, [silence(3, { frontend: "www" })], at(60))).toBeUndefined();
  });

  it("matches the cluster when the silence names one, and every cluster when it does not", () => {
    expect(silenceFor(ALERT, [silence(1, { backend: "web" }, { cluster: "blog" })], at(60))).toBeUndefined();
    const shop = silence(2, { backend: "web" }, { cluster: "shop" });
    expect(silenceFor(ALERT, [shop], at(60))).toBe(shop);
    const everywhere = silence(3, { backend: "web" });
    expect(silenceFor(ALERT, [everywhere], at(60))).toBe(everywhere);
  });

  it("ignores silences past their end or ended early", () => {
    expect(silenceFor(ALERT, [silence(1, { backend: "web" }, { endsAt: iso(30) })], at(60))).toBeUndefined();
    expect(
      silenceFor(ALERT, [silence(2, { backend: "web" }, { expiredAt: iso(50) })], at(60)),
    ).toBeUndefined();
    const later = silence(3, { backend: "web" }, { expiredAt: iso(90) });
    expect(silenceFor(ALERT, [later], at(60))).toBe(later);
  });

  it("picks the silence that holds longest when several match", () => {
    const short = silence(1, { backend: "web" }, { endsAt: iso(600) });
    const long = silence(2, { server: "web-02" }, { endsAt: iso(7200) });
    expect(silenceFor(ALERT, [short, long], at(60))).toBe(long);
  });
});
