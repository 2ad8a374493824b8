import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../src/haproxy/parse/index.js";
import type { SourceSpan } from "../../src/model/span.js";
import { runRules } from "../../src/rules/run-rules.js";

const SEED_CONFIG = `global
    maxconn 2048
    stats socket /run/haproxy/admin.sock mode 660 level admin expose-fd listeners

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend www
    bind :80
    acl is_api path_beg /api
    use_backend api if is_api || { hdr(host) -i api.example.com }
    default_backend web

backend web
    balance roundrobin
    option httpchk GET /health
    server web-01 10.0.0.1:80 check weight 10
    server web-02 10.0.0.2:80 check backup

backend api
    server api-01 10.0.0.5:80 check
`;

const TOKENS = [
  '"',
  "'",
  "\\",
  "#",
  "{",
  "}",
  "!",
  "||",
  "${X}",
  "$",
  ":",
  ",",
  " ",
  "\t",
  "\n",
  "\r",
  ".if 1",
  ".endif",
  "\uFEFF",
  "server",
  "backend b",
  "use_backend",
  "if",
  "(",
  ")",
];

/** Every span must lie inside the text it was read from. */
function spanInside(span: SourceSpan, lines: string[]): boolean {
  if (span.line < 1 || span.line > lines.length || span.endLine < span.line || span.endLine > lines.length)
    return false;
  if (span.column < 1 || span.column > (lines[span.line - 1] as string).length + 1) return false;
  return span.endColumn >= 1 && span.endColumn <= (lines[span.endLine - 1] as string).length + 1;
}

function collectSpans(value: unknown, out: SourceSpan[], seen = new Set<unknown>()): void {
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  const v = value as Record<string, unknown>;
  if (typeof v.line === "number" && typeof v.column === "number" && typeof v.file === "string")
    out.push(v as unknown as SourceSpan);
  for (const child of Object.values(v)) collectSpans(child, out, seen);
}

function check(text: string): void {
  const { model, diagnostics } = parseConfig([{ path: "p.cfg", text }], { env: { X: "1 2" } });
  const findings = runRules(model);
  const lines = text.split("\n");
  const spans: SourceSpan[] = [];
  collectSpans(model, spans);
  collectSpans(diagnostics, spans);
  collectSpans(findings, spans);
  for (const span of spans) expect(spanInside(span, lines), JSON.stringify(span)).toBe(true);
}

describe("parser properties", () => {
  it("never throws and keeps every span inside the input, on random text", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...TOKENS, "a", "1", "/"), maxLength: 300 }), check),
      { numRuns: 400 },
    );
  });

  it("never throws and keeps every span inside the input, on mutated real configurations", () => {
    const mutation = fc.record({
      at: fc.nat({ max: SEED_CONFIG.length }),
      remove: fc.nat({ max: 20 }),
      insert: fc.string({ unit: fc.constantFrom(...TOKENS, "x", "9"), maxLength: 12 }),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => {
        let text = SEED_CONFIG;
        for (const m of mutations) {
          const at = Math.min(m.at, text.length);
          text = text.slice(0, at) + m.insert + text.slice(at + m.remove);
        }
        check(text);
      }),
      { numRuns: 400 },
    );
  });
});
