import type { Word } from "../../model/directive.js";
import type { Effective } from "../../model/effective.js";
import type { ServerSettings } from "../../model/server.js";
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
    const span = value
      ? { ...word.span, endLine: value.span.endLine, endColumn: value.span.endColumn }
      : word.span;
    settings.options[keyword] = { value: value ? value.text : true, origin: "section", span };
    applyTypedOption(settings, keyword, value, span, owner, diagnostics);
    i += 1 + arity;
  }
  return settings;
}

function applyTypedOption(
  settings: ServerOptions,
  keyword: string,
  value: Word | undefined,
  span: Word["span"],
  owner: string,
  diagnostics: Diagnostics,
): void {
  const set = <K extends keyof ServerSettings>(
    key: K,
    v: ServerSettings[K] extends Effective<infer T> | undefined ? T : never,
  ) => {
    (settings as Record<string, unknown>)[key] = { value: v, origin: "section", span };
  };
  const bad = (reason: string, hint: string) =>
    diagnostics.error("bad-number", value?.span ?? span, `'${owner}': ${keyword}: ${reason}`, hint);

  switch (keyword) {
    case "check":
    case "backup":
    case "disabled":
    case "ssl":
      set(keyword, true);
      return;
    case "enabled":
      set("disabled", false);
      return;
    case "weight": {
      const read = readCountInRange(value?.text ?? "", 0, 256);
      if (!read.ok)
        return bad(
          read.reason,
          "Server weights are whole numbers from 0 to 256; HAProxy reads anything else as 0 or refuses it.",
        );
      set("weight", read.value);
      return;
    }
    case "inter":
    case "fastinter":
    case "downinter": {
      const read = readTime(value?.text ?? "");
      if (!read.ok) return bad(read.reason, "Write a duration such as 2s or 500ms.");
      if (read.trailing) {
        diagnostics.warning(
          "timer-trailing-characters",
          value?.span ?? span,
          `'${owner}': ${keyword}: HAProxy ignores '${read.trailing}' after the unit`,
          "Units are us, ms, s, m, h, d.",
        );
      }
      if (keyword === "inter") set("inter", read.value);
      return;
    }
    case "fall":
    case "rise": {
      const read = readCountInRange(value?.text ?? "", 1, 2 ** 31 - 1);
      if (!read.ok)
        return bad(read.reason, `'${keyword}' counts consecutive checks; use a whole number of at least 1.`);
      set(keyword, read.value);
      return;
    }
    case "maxconn": {
      const read = readCount(value?.text ?? "");
      if (!read.ok)
        return bad(
          `${read.reason}; HAProxy silently reads only its leading digits`,
          "Write the full number, e.g. 10000 rather than 10k.",
        );
      set("maxconn", read.value);
      return;
    }
    case "port": {
      const read = readCountInRange(value?.text ?? "", 1, 65535);
      if (!read.ok) return bad(read.reason, "A check port is a number from 1 to 65535.");
      set("checkPort", read.value);
      return;
    }
    case "resolvers":
      set("resolvers", value?.text ?? "");
      return;
    case "init-addr":
      set("initAddr", value?.text ?? "");
      return;
    default: {
      const negated = NEGATABLE[keyword];
      if (negated) (settings as Record<string, unknown>)[negated] = { value: false, origin: "section", span };
    }
  }
}
