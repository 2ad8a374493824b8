import type { Word } from "../../model/directive.js";
import type { Effective } from "../../model/effective.js";
import type { ServerSettings } from "../../model/server.js";
import { joinSpans, type SourceSpan } from "../../model/span.js";
import type { Diagnostics } from "./diagnostics.js";
import { closestKeyword, SERVER_OPTIONS } from "./keywords.js";
import { readCount, readCountInRange, readTime } from "./numbers.js";

/** Server settings as written on one line (server or default-server), before inheritance. */
export type ServerOptions = Partial<ServerSettings> & { options: Record<string, Effective<string | true>> };

/** Flags whose `no-` form turns an inherited setting off. */
const NEGATABLE: Record<string, keyof ServerSettings> = {
  "no-check": "check",
  "no-backup": "backup",
  "no-ssl": "ssl",
};

/**
 * Reads the option words of a `server` or `default-server` line, starting at `words[start]`.
 * Unknown keywords are reported (with a suggestion when one is close) and kept in `options`.
 */
export function readServerOptions(
  words: Word[],
  start: number,
  owner: string,
  diagnostics: Diagnostics,
): ServerOptions {
  const settings: ServerOptions = { options: {} };
  let i = start;
  while (i < words.length) {
    const word = words[i] as Word;
    const keyword = word.text;
    const arity = SERVER_OPTIONS.get(keyword);
    if (arity === undefined) {
      const suggestion = closestKeyword(keyword, SERVER_OPTIONS.keys());
      diagnostics.add(
        "error",
        "unknown-server-option",
        word.span,
        `'${owner}': unknown keyword '${keyword}'${suggestion ? `; did you mean '${suggestion}'?` : ""}`,
        suggestion
          ? `Replace '${keyword}' with '${suggestion}'; HAProxy 2.6 refuses the line as written.`
          : "HAProxy 2.6 refuses server options it does not know: correct or remove it.",
      );
      settings.options[keyword] = { value: true, origin: "section", span: word.span };
      i++;
      continue;
    }
    const value = arity > 0 ? words[i + 1] : undefined;
    if (arity > 0 && !value) {
      diagnostics.error(
        "missing-argument",
        word.span,
        `'${owner}': '${keyword}' expects a value`,
        `Write '${keyword} VALUE' or remove '${keyword}'.`,
      );
      i++;
      continue;
    }
    const span = value ? joinSpans(word.span, value.span) : word.span;
    const written: Effective<string | true> = { value: value ? value.text : true, origin: "section", span };
    settings.options[keyword] = written;
    applyTypedOption(settings, keyword, value, written, owner, diagnostics);
    i += 1 + arity;
  }
  return settings;
}

/** A typed server setting written on the line. */
function section<T>(value: T, span: SourceSpan): Effective<T> {
  return { value, origin: "section", span };
}

function reportBadNumber(
  diagnostics: Diagnostics,
  span: SourceSpan,
  owner: string,
  keyword: string,
  reason: string,
  hint: string,
): void {
  diagnostics.error("bad-number", span, `'${owner}': ${keyword}: ${reason}`, hint);
}

/**
 * Sets the typed setting `keyword` gives, if any. `written` is what went into `options`; flags
 * share it, as their typed value is the same `true` from the same words.
 */
function applyTypedOption(
  settings: ServerOptions,
  keyword: string,
  value: Word | undefined,
  written: Effective<string | true>,
  owner: string,
  diagnostics: Diagnostics,
): void {
  const span = written.span as SourceSpan;
  const valueSpan = value?.span ?? span;
  switch (keyword) {
    case "check":
    case "backup":
    case "disabled":
    case "ssl":
      settings[keyword] = written as Effective<true>;
      return;
    case "enabled":
      settings.disabled = section(false, span);
      return;
    case "weight": {
      const read = readCountInRange(value?.text ?? "", 0, 256);
      if (!read.ok)
        return reportBadNumber(
          diagnostics,
          valueSpan,
          owner,
          keyword,
          read.reason,
          "Server weights are whole numbers from 0 to 256; HAProxy reads anything else as 0 or refuses it.",
        );
      settings.weight = section(read.value, span);
      return;
    }
    case "inter":
    case "fastinter":
    case "downinter": {
      const read = readTime(value?.text ?? "");
      if (!read.ok)
        return reportBadNumber(
          diagnostics,
          valueSpan,
          owner,
          keyword,
          read.reason,
          "Write a duration such as 2s or 500ms.",
        );
      if (read.trailing) {
        diagnostics.warning(
          "timer-trailing-characters",
          valueSpan,
          `'${owner}': ${keyword}: HAProxy ignores '${read.trailing}' after the unit`,
          "Units are us, ms, s, m, h, d.",
        );
      }
      if (keyword === "inter") settings.inter = section(read.value, span);
      return;
    }
    case "fall":
    case "rise": {
      const read = readCountInRange(value?.text ?? "", 1, 2 ** 31 - 1);
      if (!read.ok)
        return reportBadNumber(
          diagnostics,
          valueSpan,
          owner,
          keyword,
          read.reason,
          `'${keyword}' counts consecutive checks; use a whole number of at least 1.`,
        );
      settings[keyword] = section(read.value, span);
      return;
    }
    case "maxconn": {
      const read = readCount(value?.text ?? "");
      if (!read.ok)
        return reportBadNumber(
          diagnostics,
          valueSpan,
          owner,
          keyword,
          `${read.reason}; HAProxy silently reads only its leading digits`,
          "Write the full number, e.g. 10000 rather than 10k.",
        );
      settings.maxconn = section(read.value, span);
      return;
    }
    case "port": {
      const read = readCountInRange(value?.text ?? "", 1, 65535);
      if (!read.ok)
        return reportBadNumber(
          diagnostics,
          valueSpan,
          owner,
          keyword,
          read.reason,
          "A check port is a number from 1 to 65535.",
        );
      settings.checkPort = section(read.value, span);
      return;
    }
    case "resolvers":
      settings.resolvers = section(value?.text ?? "", span);
      return;
    case "init-addr":
      settings.initAddr = section(value?.text ?? "", span);
      return;
    default: {
      const negated = NEGATABLE[keyword];
      if (negated) (settings as Record<string, unknown>)[negated] = section(false, span);
    }
  }
}
