import { describe, expect, it } from "vitest";
import { concerns, encodeAnnouncement } from "../../src/control/desired-signal.js";

describe("desired-state announcements", () => {
  it("concern only the named nodes of the named cluster", () => {
    const payload = encodeAnnouncement({ cluster: "web", nodes: ["lb-1"] });
    expect(concerns(payload, "web", "lb-1")).toBe(true);
    expect(concerns(payload, "web", "lb-2")).toBe(false);
    expect(concerns(payload, "api", "lb-1")).toBe(false);
  });

  it("concern every node of the cluster when no node is named", () => {
    const payload = encodeAnnouncement({ cluster: "web" });
    expect(concerns(payload, "web", "lb-9")).toBe(true);
    expect(concerns(payload, "db", "lb-9")).toBe(false);
  });

  it("fall back to the whole cluster when the list would not fit in a PostgreSQL NOTIFY", () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => `lb-${String(i).padStart(4, "0")}`);
    const payload = encodeAnnouncement({ cluster: "web", nodes });
    expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    expect(concerns(payload, "web", "lb-0999")).toBe(true);
    expect(concerns(payload, "web", "not-in-the-list")).toBe(true);
  });

  it("wake everyone on a payload they cannot read, rather than miss a change", () => {
    expect(concerns("rollout", "web", "lb-1")).toBe(true);
  });
});
