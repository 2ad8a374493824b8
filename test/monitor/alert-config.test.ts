import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LbguardError } from "../../src/errors.js";
import {
  DEFAULT_ALERT_RULES,
  parseAlertConfig,
  parseDuration,
  readAlertConfig,
} from "../../src/monitor/alert-config.js";
import type { AlertRule } from "../../src/monitor/types.js";

const FILE = "/etc/lbguard/alerts.yaml";

function lines(...text: string[]): string {
  return `${text.join("\n")}\n`;
}

/** The LbguardError a bad file throws. */
function failure(text: string): LbguardError {
  try {
    parseAlertConfig(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(LbguardError);
    return error as LbguardError;
  }
  throw new Error("the file was accepted");
}

const byName = (rules: AlertRule[], name: string) => rules.find((r) => r.name === name);

describe("parseAlertConfig", () => {
  it("gives the shipped rules and no receivers for an empty file", () => {
    expect(parseAlertConfig("", FILE)).toEqual({ rules: DEFAULT_ALERT_RULES, receivers: [] });
    expect(parseAlertConfig("rules:\nreceivers: []\n", FILE).rules).toEqual(DEFAULT_ALERT_RULES);
  });

  it("lays overrides over the shipped rule of the same name, keeping its other parameters", () => {
    const config = parseAlertConfig(
      lines(
        "rules:",
        "  - name: error-ratio",
        "    for: 10s",
        "    params: { minPct: 2, windowS: 1m }",
        "  - name: config-applied",
        "    enabled: false",
      ),
      FILE,
    );
    const shipped = byName([...DEFAULT_ALERT_RULES], "error-ratio") as AlertRule;
    expect(byName(config.rules, "error-ratio")).toEqual({
      ...shipped,
      forS: 10,
      params: { ...shipped.params, minPct: 2, windowS: 60 },
      source: { file: FILE, line: 2 },
    });
    expect(byName(config.rules, "config-applied")?.enabled).toBe(false);
    expect(config.rules.map((r) => r.name)).toEqual(DEFAULT_ALERT_RULES.map((r) => r.name));
    expect(DEFAULT_ALERT_RULES.find((r) => r.name === "error-ratio")?.params.minPct).toBe(5);
  });

  it("adds a rule of a new name after the shipped ones, with its kind's defaults", () => {
    const config = parseAlertConfig(
      lines(
        "rules:",
        "  - name: checkout-latency",
        "    kind: latency-p95",
        "    severity: critical",
        "    params: { maxMs: 300 }",
      ),
      FILE,
    );
    expect(config.rules.at(-1)).toEqual({
      name: "checkout-latency",
      kind: "latency-p95",
      severity: "critical",
      forS: 60,
      params: { windowS: 60, maxMs: 300, minSamples: 3 },
      enabled: true,
      source: { file: FILE, line: 2 },
    });
    expect(config.rules).toHaveLength(DEFAULT_ALERT_RULES.length + 1);
  });

  it("reads receivers with their defaults", () => {
    const config = parseAlertConfig(
      lines(
        "receivers:",
        "  - name: ops",
        "    url: https://hooks.example/T000/B000",
        "    format: slack",
        "    min_severity: critical",
        "  - name: log",
        "    url: http://127.0.0.1:9000/alerts",
      ),
      FILE,
    );
    expect(config.receivers).toEqual([
      { name: "ops", url: "https://hooks.example/T000/B000", format: "slack", minSeverity: "critical" },
      { name: "log", url: "http://127.0.0.1:9000/alerts", format: "generic", minSeverity: "warning" },
    ]);
  });

  it.each([
    [
      "an unknown kind",
      ["rules:", "  - name: slow", "    kind: latency-p99"],
      3,
      "unknown rule kind 'latency-p99'",
    ],
    ["a new rule without a kind", ["rules:", "  - name: slow"], 2, "needs 'kind:'"],
    [
      "a shipped name with another kind",
      ["rules:", "  - name: imbalance", "    kind: drift"],
      3,
      "shipped imbalance rule",
    ],
    [
      "an unknown parameter",
      ["rules:", "  - name: imbalance", "    params:", "      maxPoint: 10"],
      4,
      "has no parameter 'maxPoint'; its parameters are windowS, maxPoints, minPicks",
    ],
    [
      "a parameter on a kind without any",
      ["rules:", "  - name: drift", "    params: { x: 1 }"],
      3,
      "takes no",
    ],
    ["a bad duration", ["rules:", "  - name: drift", "    for: soon"], 3, "'for' must be a duration"],
    ["a bad window", ["rules:", "  - name: imbalance", "    params: { windowS: -3 }"], 3, "'windowS'"],
    ["a zero window", ["rules:", "  - name: imbalance", "    params: { windowS: 0s }"], 3, "longer than 0"],
    [
      "a fraction above 1",
      ["rules:", "  - name: request-rate-collapse", "    params: { fraction: 3 }"],
      3,
      "'fraction' must be at most 1",
    ],
    ["a bad severity", ["rules:", "  - name: drift", "    severity: page"], 3, "'severity' must be one of"],
    ["a non-boolean enabled", ["rules:", "  - name: drift", "    enabled: no way"], 3, "true or false"],
    [
      "a rule given twice",
      ["rules:", "  - name: drift", "    for: 1m", "  - name: drift", "    for: 2m"],
      4,
      "also written at line 2",
    ],
    [
      "a name that is not kebab-case",
      ["rules:", "  - name: Slow_Backend", "    kind: latency-p95"],
      2,
      "kebab-case",
    ],
    ["an unknown rule field", ["rules:", "  - name: drift", "    labels: {}"], 3, "unknown field 'labels'"],
    ["an unknown top-level field", ["rule:", "  - name: drift"], 1, "unknown field 'rule'"],
    ["rules that are not a list", ["rules:", "  name: drift"], 2, "must be a list"],
    [
      "a receiver with a bad URL",
      ["receivers:", "  - name: ops", "    url: hooks.example/x"],
      3,
      "'url' must be an http or https URL",
    ],
    ["a receiver without a URL", ["receivers:", "  - name: ops"], 2, "needs 'url:'"],
    [
      "a receiver with a bad format",
      ["receivers:", "  - name: ops", "    url: https://a.example/", "    format: teams"],
      4,
      "'format' must be generic or slack",
    ],
    [
      "a receiver with a bad severity",
      ["receivers:", "  - name: ops", "    url: https://a.example/", "    min_severity: high"],
      4,
      "'min_severity'",
    ],
    [
      "a receiver given twice",
      [
        "receivers:",
        "  - name: ops",
        "    url: https://a.example/",
        "  - name: ops",
        "    url: https://b.example/",
      ],
      4,
      "written twice",
    ],
    ["text that is not YAML", ["rules: [", "  - name: drift"], 3, "not valid YAML"],
  ])("refuses %s, naming file and line", (_what, text, line, message) => {
    const error = failure(lines(...text));
    expect(error.code).toBe("LBG_BAD_ALERT_RULES");
    expect(error.message).toContain(`${FILE}:${line}:`);
    expect(error.message).toContain(message);
  });

  it("lists every problem of a file at once, in line order", () => {
    const error = failure(
      lines(
        "rules:",
        "  - name: drift",
        "    for: soon",
        "  - name: slow",
        "    kind: nope",
        "    severity: page",
      ),
    );
    const positions = [...error.message.matchAll(/alerts\.yaml:(\d+):/g)].map((m) => Number(m[1]));
    expect(positions).toEqual([3, 5, 6]);
  });
});

describe("parseDuration", () => {
  it("reads seconds, minutes, hours and bare numbers of seconds", () => {
    expect([parseDuration("10s"), parseDuration("2m"), parseDuration("1h"), parseDuration(45)]).toEqual([
      10, 120, 3600, 45,
    ]);
    expect(parseDuration("1.5m")).toBe(90);
    expect(parseDuration("90")).toBe(90);
  });

  it("refuses anything else", () => {
    for (const bad of ["soon", "-5s", "10 days", "", true, null, -1])
      expect(parseDuration(bad), String(bad)).toBeUndefined();
  });
});

describe("readAlertConfig", () => {
  it("reads a file, and says LBG_UNREADABLE_INPUT for one that is missing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lbguard-alerts-"));
    try {
      const path = join(dir, "alerts.yaml");
      writeFileSync(path, lines("rules:", "  - name: drift", "    severity: critical"));
      const config = await readAlertConfig(path);
      expect(byName(config.rules, "drift")).toMatchObject({
        severity: "critical",
        source: { file: path, line: 2 },
      });
      await expect(readAlertConfig(join(dir, "missing.yaml"))).rejects.toMatchObject({
        code: "LBG_UNREADABLE_INPUT",
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
