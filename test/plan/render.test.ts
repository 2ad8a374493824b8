import { describe, expect, it } from "vitest";
import { renderPlanJson } from "../../src/cli/render/plan-json.js";
import { renderPlanText } from "../../src/cli/render/plan-text.js";
import { backend, DEFAULTS, lines, plan, prediction, server } from "./plan-helpers.js";

/** The plan for people (ten seconds to read) and for tools (the Plan as JSON). */

const WWW = ["frontend www", "    bind 127.0.0.1:18080", "    default_backend web", ""];
const BEFORE = lines(
  ...DEFAULTS,
  ...WWW,
  "backend web",
  "    server web-01 127.0.10.1:8080 weight 10 check",
  "    server web-02 127.0.10.2:8080 weight 10 check",
);
const AFTER = lines(
  ...DEFAULTS,
  ...WWW,
  "backend web",
  "    server web-01 127.0.10.1:8080 weight 100 check",
  "    server web-02 127.0.10.2:8080 weight 1 check",
  "    server web-03 127.0.10.4:8080 weight 1 check",
);
const PREDICTED = {
  before: prediction([
    backend("web", [
      server("web-01", 80, 0.5, { capacityRps: 120 }),
      server("web-02", 80, 0.5, { capacityRps: 120 }),
    ]),
  ]),
  after: prediction([
    backend("web", [
      server("web-01", 156.9, 0.98, { capacityRps: 120 }),
      server("web-02", 1.6, 0.01, { capacityRps: 120 }),
      server("web-03", 1.6, 0.01, { capacityRps: 120 }),
    ]),
  ]),
};

describe("renderPlanText", () => {
  const text = renderPlanText({ plan: plan(BEFORE, AFTER, PREDICTED), color: false });

  it("reads top to bottom: header, section, one line per change, reasons, traffic table", () => {
    expect(text).toBe(
      [
        "Plan: 1 high, 1 medium, 1 low — 3 changes, overall risk high",
        "",
        "backend web",
        "  ~ server web-01: weight 10 -> 100  after.cfg:12  high",
        "      low     web-01 weight 10 -> 100",
        "      high    web-01 at 157 req/s, over its capacity of 120 (131%)",
        "      medium  web-01 share 50% -> 98%",
        "  ~ server web-02: weight 10 -> 1  after.cfg:13  medium",
        "      low     web-02 weight 10 -> 1",
        "      medium  web-02 share 50% -> 1%",
        "  + server web-03 127.0.10.4:8080 added  after.cfg:14  low",
        "      low     web-03 takes 1% of web's requests",
        "    traffic:",
        "      server  share before -> after  rps before -> after  capacity",
        "      web-01  50% -> 98%             80 -> 157            120 (131%)",
        "      web-02  50% -> 1%              80 -> 1.6            120 (1%)",
        "      web-03  - -> 1%                - -> 1.6             120 (1%)",
        "",
        "Traffic prediction assumed:",
        "  hand-built prediction",
        "",
      ].join("\n"),
    );
  });

  it("says so when nothing changed", () => {
    expect(renderPlanText({ plan: plan(BEFORE, BEFORE), color: false })).toBe("Plan: no changes.\n");
  });

  it("colours markers and risks only when asked", () => {
    expect(text).not.toContain("\u001b[");
    const coloured = renderPlanText({ plan: plan(BEFORE, AFTER, PREDICTED), color: true });
    expect(coloured).toContain("\u001b[31mhigh\u001b[0m");
    expect(coloured).toContain("\u001b[32m+\u001b[0m");
  });
});

describe("renderPlanJson", () => {
  it("is the Plan with the tool, version and files", () => {
    const p = plan(BEFORE, AFTER, PREDICTED);
    const doc = JSON.parse(
      renderPlanJson({ version: "1.2.3", before: ["before.cfg"], after: ["after.cfg"], plan: p }),
    );
    expect(doc).toEqual({
      tool: "lbguard",
      version: "1.2.3",
      before: { files: ["before.cfg"] },
      after: { files: ["after.cfg"] },
      overall: "high",
      counts: { high: 1, medium: 1, low: 1 },
      changes: p.changes,
      traffic: p.traffic,
      assumptions: ["hand-built prediction"],
    });
  });
});
