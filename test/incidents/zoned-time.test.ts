import { describe, expect, it } from "vitest";
import { formatSeconds, zonedTime } from "../../src/incidents/zoned-time.js";

describe("zonedTime", () => {
  it("reads an instant in a zone to the millisecond, naming the zone as it was then", () => {
    expect(zonedTime("2026-07-01T12:00:00.005Z", "America/New_York")).toEqual({
      date: "2026-07-01",
      time: "08:00:00",
      timeMs: "08:00:00.005",
      zone: "EDT",
    });
    expect(zonedTime("2026-07-01T23:30:00.000Z", "Asia/Kolkata")).toMatchObject({
      date: "2026-07-02",
      time: "05:00:00",
      zone: "UTC+5:30",
    });
    expect(zonedTime("2026-07-01T00:00:00.000Z", "UTC").zone).toBe("UTC");
  });
});

describe("formatSeconds", () => {
  it("writes seconds, minutes and hours the way the seeds read", () => {
    expect([0, 21.4, 60, 117, 3600, 5430, 7199.9].map(formatSeconds)).toEqual([
      "0 s",
      "21 s",
      "1 min",
      "1 min 57 s",
      "1 h",
      "1 h 31 min",
      "2 h",
    ]);
  });
});
