import type { Directive, Word } from "../model/directive.js";
import type { Effective } from "../model/effective.js";
import type { Proxy } from "../model/proxy.js";
import type { SourceSpan } from "../model/span.js";
import { defineRule } from "./rule.js";

const SHORT_CHECKED = ["connect", "client", "server", "http-request"];

/**
 * A timeout whose value is almost surely a mistake: a few milliseconds where seconds were meant
 * (`timeout connect 5` is 5 ms), or a connect or request-header timeout so long that dead
 * servers and slow clients hold connections for minutes.
 */
export default defineRule({
  meta: {
    id: "implausible-timeout",
    severity: "warning",
    description: "A timeout is implausibly short (a missing unit) or dangerously long.",
    messages: {
      tooShort: "'timeout {name} {written}' is {ms} ms, far too short for any real client or server",
      connectTooLong:
        "'timeout connect {written}' lets a connection to a dead server hang for {seconds} s before a retry",
      httpRequestTooLong:
        "'timeout http-request {written}' lets a client take {seconds} s to send its headers, so slow clients can hold connections (slowloris)",
    },
    hints: {
      tooShort:
        "A number without a unit is in milliseconds; write the unit, e.g. 'timeout {name} {suggestion}'.",
      connectTooLong:
        "Use a few seconds, e.g. 'timeout connect 5s'; with retries and 'option redispatch' clients then move to a working server.",
      httpRequestTooLong: "Use a few seconds, e.g. 'timeout http-request 10s'.",
    },
    options: {
      minMs: { default: 100, description: "Timeouts below this many milliseconds are reported." },
      maxConnectMs: { default: 60_000, description: "'timeout connect' above this is reported." },
      maxHttpRequestMs: { default: 60_000, description: "'timeout http-request' above this is reported." },
    },
  },
  create(context) {
    const minMs = Number(context.options.minMs);
    const maxConnectMs = Number(context.options.maxConnectMs);
    const maxHttpRequestMs = Number(context.options.maxHttpRequestMs);
    const reported = new Set<string>();
    const defaultsLines = new Map<string, Directive>();

    const check = (section: Proxy) => {
      for (const name of SHORT_CHECKED) {
        const timeout = section.timeouts[name];
        if (!timeout?.span) continue;
        const ms = timeout.value;
        // 0 means "no timeout", which missing-timeouts reports.
        if (ms > 0 && ms < minMs) report(section, name, timeout, "tooShort");
        else if (name === "connect" && ms > maxConnectMs) report(section, name, timeout, "connectTooLong");
        else if (name === "http-request" && ms > maxHttpRequestMs && section.mode.value === "http")
          report(section, name, timeout, "httpRequestTooLong");
      }
    };

    function report(section: Proxy, name: string, timeout: Effective<number>, messageId: string) {
      const span = timeout.span as SourceSpan;
      const key = spanKey(span);
      if (reported.has(key)) return;
      reported.add(key);
      const line =
        timeout.origin === "defaults"
          ? defaultsLines.get(key)
          : section.directives.find((d) => spanKey(d.span) === key);
      const value: Word | undefined = line?.args[1];
      const written = value?.text ?? `${timeout.value}ms`;
      context.report({
        messageId,
        data: {
          name,
          written,
          ms: timeout.value,
          seconds: Math.round(timeout.value / 1000),
          suggestion: /^\d+$/.test(written) ? `${written}s` : name === "connect" ? "5s" : "30s",
        },
        span: value?.span ?? span,
      });
    }

    return {
      defaults(section) {
        for (const d of section.directives)
          if (d.keyword === "timeout") defaultsLines.set(spanKey(d.span), d);
        check(section);
      },
      frontend: check,
      backend: check,
    };
  },
});

function spanKey(span: SourceSpan): string {
  return `${span.file}:${span.line}:${span.column}`;
}
