import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/haproxy/parse/index.js";
import type { Config } from "../../src/model/config.js";
import type { Diagnostic } from "../../src/model/diagnostic.js";
import type { Effective } from "../../src/model/effective.js";
import { ROOT } from "../helpers.js";

/**
 * Golden tests: each file in golden/ holds a configuration, a line `----`, and the expected
 * model projection and diagnostics. LBGUARD_UPDATE_GOLDEN=1 rewrites the expectations (review
 * the diff before committing).
 */
const DIR = join(ROOT, "test", "parse", "golden");
const SEPARATOR = "\n----\n";

function origin(e: Effective<unknown> | undefined): string {
  if (!e) return "-";
  const value = typeof e.value === "object" ? JSON.stringify(e.value) : String(e.value);
  const where =
    e.origin === "builtin" ? "builtin" : `${e.origin}${e.via ? `(${e.via})` : ""}@${e.span?.line}`;
  return `${value} [${where}]`;
}

/** A readable projection of the model: what a reviewer checks in a golden file. */
function project(model: Config, diagnostics: Diagnostic[]): string {
  const out: string[] = [];
  for (const p of [...model.defaults, ...model.proxies]) {
    out.push(
      `${p.kind} ${p.name || "(anonymous)"} @${p.headerSpan.line}${p.inheritsFrom !== undefined ? ` from=${p.inheritsFrom || "(anonymous)"}` : ""}`,
    );
    out.push(`  mode ${origin(p.mode)}`);
    if (p.kind !== "frontend") out.push(`  balance ${origin(p.balance)}`);
    for (const [name, t] of Object.entries(p.timeouts)) out.push(`  timeout ${name} ${origin(t)}`);
    for (const [name, o] of Object.entries(p.options)) out.push(`  option ${name} ${origin(o)}`);
    if (p.httpCheck) out.push(`  httpchk ${origin(p.httpCheck)}`);
    if (p.defaultBackend) out.push(`  default_backend ${origin(p.defaultBackend)}`);
    for (const b of p.binds)
      out.push(
        `  bind ${b.addresses.map((a) => `${a.host}:${a.port}`).join(",")}${b.ssl ? " ssl" : ""} @${b.span.line}:${b.span.column}`,
      );
    for (const a of p.acls)
      out.push(
        `  acl ${a.name} fetch=${a.fetch} patterns=${a.patterns.map((x) => x.text).join("|")} @${a.span.line}`,
      );
    for (const r of p.routes) {
      const cond = r.condition
        ? ` ${r.condition.polarity} ${r.condition.alternatives.map((alt) => alt.map((t) => `${t.negated ? "!" : ""}${t.kind === "named" ? t.name : `{${t.test.expression} ${t.test.patterns.map((x) => x.text).join(" ")}}`}`).join(" ")).join(" || ")}`
        : "";
      out.push(`  use_backend ${r.backend}${cond} @${r.span.line}`);
    }
    for (const s of p.servers) {
      const st = s.settings;
      out.push(
        `  server ${s.name} ${s.address.host}:${s.address.port ?? "-"} @${s.span.line}:${s.nameSpan.column}`,
      );
      out.push(
        `    check ${origin(st.check)} weight ${origin(st.weight)} inter ${origin(st.inter)} backup ${origin(st.backup)} disabled ${origin(st.disabled)}`,
      );
    }
  }
  for (const d of diagnostics)
    out.push(`${d.severity} ${d.code} ${d.span.file}:${d.span.line}:${d.span.column}-${d.span.endColumn}`);
  return `${out.join("\n")}\n`;
}

const files = readdirSync(DIR).filter((f) => f.endsWith(".golden"));

describe("parser golden files", () => {
  it("has golden files", () => {
    expect(files.length).toBeGreaterThan(3);
  });
  for (const file of files) {
    it(file, () => {
      const path = join(DIR, file);
      const content = readFileSync(path, "utf8");
      const at = content.indexOf(SEPARATOR);
      const input = at < 0 ? content : content.slice(0, at + 1);
      const { model, diagnostics } = parseConfig([{ path: "in.cfg", text: input }], {
        env: { PORT: "8080", HOSTS: "a b" },
      });
      const actual = project(model, diagnostics);
      if (process.env.LBGUARD_UPDATE_GOLDEN) {
        writeFileSync(path, `${input}----\n${actual}`);
        return;
      }
      expect(at, `${file} has no '----' separator`).toBeGreaterThan(0);
      expect(actual).toBe(content.slice(at + SEPARATOR.length));
    });
  }
});
