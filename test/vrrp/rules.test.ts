import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readVrrpPair } from "../../src/vrrp/pair.js";
import { checkVrrpPair } from "../../src/vrrp/rules/check-vrrp-pair.js";
import { VRRP_RULES } from "../../src/vrrp/rules/index.js";
import { cfg, parse, ROOT } from "../helpers.js";
import { samplePair, SAMPLE_PAIR_YAML } from "./pair-fixtures.js";

const { pair, source } = readVrrpPair(SAMPLE_PAIR_YAML, "pair.yaml");

/** A configuration with a health frontend and a client frontend, each given its bind lines. */
function config(healthBinds: string[], clientBinds: string[], extra: string[] = []) {
  return parse(
    cfg(
      "defaults",
      "    mode http",
      "    timeout connect 5s",
      "    timeout client 30s",
      "    timeout server 30s",
      "frontend health",
      ...healthBinds.map((b) => `    ${b}`),
      "    monitor-uri /healthz",
      ...extra,
      "frontend www",
      ...clientBinds.map((b) => `    ${b}`),
      "    default_backend web",
      "backend web",
      "    server web-01 10.0.0.1:8080 check",
      "    server web-02 10.0.0.2:8080 check",
    ),
    "haproxy.cfg",
  ).model;
}

/** `ruleId messageId file:line:column severity` of each finding. */
function summary(findings: ReturnType<typeof checkVrrpPair>): string[] {
  return findings.map(
    (f) => `${f.ruleId} ${f.messageId} ${f.span.file}:${f.span.line}:${f.span.column} ${f.severity}`,
  );
}

describe("checkVrrpPair", () => {
  it("is silent on a pair whose configuration serves the check and the VIP", () => {
    expect(checkVrrpPair(pair, config(["bind 127.0.0.1:8404"], ["bind *:80"]), source)).toEqual([]);
    expect(checkVrrpPair(pair, config(["bind :8400-8410"], ["bind :::80"]), source)).toEqual([]);
    expect(checkVrrpPair(pair, undefined, source)).toEqual([]);
  });

  it("warns about a single node, at its name", () => {
    const one = readVrrpPair(
      SAMPLE_PAIR_YAML.replace("  - { name: lb-2, priority: 100 }\n", ""),
      "pair.yaml",
    );
    const findings = checkVrrpPair(one.pair, undefined, one.source);
    expect(summary(findings)).toEqual(["vrrp/single-node singleNode pair.yaml:10:13 warning"]);
    expect(findings[0]!.data).toEqual({ node: "lb-1", vip: "198.51.100.100/24" });
    expect(findings[0]!.hint).toContain("second load-balancer node");
  });

  it("finds two nodes with one priority in a pair built in code", () => {
    const findings = checkVrrpPair(
      samplePair({
        nodes: [
          { name: "lb-1", priority: 100 },
          { name: "lb-2", priority: 100 },
        ],
      }),
    );
    expect(summary(findings)).toEqual(["vrrp/duplicate-priority duplicatePriority pair:1:1 error"]);
    expect(findings[0]!.data).toEqual({ node: "lb-2", priority: 100, other: "lb-1" });
  });

  it("finds a check URL no frontend listens on", () => {
    const findings = checkVrrpPair(pair, config(["bind 10.0.0.9:8404"], ["bind *:80"]), source);
    expect(summary(findings)).toEqual(["vrrp/check-url-not-served otherAddress pair.yaml:8:8 error"]);
    expect(findings[0]!.related?.[0]?.span).toMatchObject({ file: "haproxy.cfg", line: 7 });
    expect(summary(checkVrrpPair(pair, config([], ["bind *:80"]), source))).toEqual([
      "vrrp/check-url-not-served notServed pair.yaml:8:8 error",
    ]);
    const hint = checkVrrpPair(pair, config([], ["bind *:80"]), source)[0]!.hint;
    expect(hint).toContain("monitor-uri /healthz");
    expect(hint).toContain("bind 127.0.0.1:8404");
  });

  it("does not count a disabled frontend or a bind tied to another interface as serving the check", () => {
    expect(
      summary(checkVrrpPair(pair, config(["bind 127.0.0.1:8404"], ["bind *:80"], ["    disabled"]), source)),
    ).toEqual(["vrrp/check-url-not-served notServed pair.yaml:8:8 error"]);
    expect(
      summary(checkVrrpPair(pair, config(["bind *:8404 interface eth0"], ["bind *:80"]), source)),
    ).toEqual(["vrrp/check-url-not-served otherAddress pair.yaml:8:8 error"]);
  });

  it("finds a VIP no frontend listens on", () => {
    const findings = checkVrrpPair(pair, config(["bind 127.0.0.1:8404"], ["bind 10.0.0.250:80"]), source);
    expect(summary(findings)).toEqual(["vrrp/vip-not-served vipNotServed pair.yaml:1:6 error"]);
  });

  it("warns about a frontend bound to the VIP itself, unless transparent", () => {
    const findings = checkVrrpPair(
      pair,
      config(["bind 127.0.0.1:8404"], ["bind 198.51.100.100:443"]),
      source,
    );
    expect(summary(findings)).toEqual(["vrrp/frontend-binds-vip bindsVip haproxy.cfg:10:10 warning"]);
    expect(findings[0]!.hint).toContain("*:443");
    expect(findings[0]!.hint).toContain("net.ipv4.ip_nonlocal_bind=1");
    expect(
      checkVrrpPair(pair, config(["bind 127.0.0.1:8404"], ["bind 198.51.100.100:443 transparent"]), source),
    ).toEqual([]);
  });

  it("fills every placeholder of every message and hint", () => {
    const all = [
      ...checkVrrpPair(pair, config([], ["bind 198.51.100.100:80"]), source),
      ...checkVrrpPair(pair, config(["bind 10.0.0.9:8404"], ["bind 10.0.0.250:80"]), source),
      ...checkVrrpPair(samplePair({ nodes: [{ name: "lb-1", priority: 1 }] })),
      ...checkVrrpPair(
        samplePair({
          nodes: [
            { name: "a", priority: 1 },
            { name: "b", priority: 1 },
          ],
        }),
      ),
    ];
    expect(new Set(all.map((f) => `${f.ruleId}/${f.messageId}`)).size).toBe(6);
    for (const f of all) {
      expect(f.message).not.toMatch(/\{\w+\}/);
      expect(f.hint).not.toMatch(/\{\w+\}/);
    }
  });
});

describe("pair rule registry", () => {
  it("is sorted by id and holds every rule file of src/vrrp/rules", () => {
    const ids = VRRP_RULES.map((r) => r.meta.id);
    expect(ids).toEqual([...ids].sort());
    const helpers = ["index.ts", "vrrp-rule.ts", "check-vrrp-pair.ts", "listeners.ts"];
    const files = readdirSync(join(ROOT, "src", "vrrp", "rules"))
      .filter((f) => f.endsWith(".ts") && !helpers.includes(f))
      .map((f) => `vrrp/${f.replace(/\.ts$/, "")}`);
    expect(files.sort()).toEqual([...ids].sort());
  });

  it("documents every rule in docs/vrrp.md with a hint per message", () => {
    const doc = readFileSync(join(ROOT, "docs", "vrrp.md"), "utf8");
    for (const rule of VRRP_RULES) {
      expect(doc, rule.meta.id).toContain(`### ${rule.meta.id}\n`);
      expect(Object.keys(rule.meta.hints).sort()).toEqual(Object.keys(rule.meta.messages).sort());
    }
  });
});
