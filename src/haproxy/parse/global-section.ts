import type { Global, StatsSocket } from "../../model/config.js";
import type { Directive, Word } from "../../model/directive.js";
import type { Located } from "../../model/span.js";
import { readAddress } from "./address.js";
import type { Diagnostics } from "./diagnostics.js";
import { closestKeyword, GLOBAL_KEYWORDS, REMOVED_GLOBAL_KEYWORDS } from "./keywords.js";
import { readCount } from "./numbers.js";

/** An empty global section, as HAProxy has when the file declares none. */
export function emptyGlobal(): Global {
  return {
    statsSockets: [],
    sslDefaultBindOptions: [],
    sslDefaultServerOptions: [],
    directives: [],
    unknown: [],
  };
}

const STATS_SOCKET_LEVELS = new Set(["user", "operator", "admin"]);

/** Reads one line of the global section into `global`. */
export function readGlobalLine(global: Global, d: Directive, diagnostics: Diagnostics): void {
  global.directives.push(d);
  const first = d.args[0];
  const text = <T>(value: T): Located<T> => ({ value, span: d.span });
  const count = (): number | undefined => {
    const read = readCount(first?.text ?? "");
    if (read.ok) return read.value;
    diagnostics.error(
      "bad-number",
      first?.span ?? d.span,
      `'${d.keyword}': ${read.reason}; HAProxy silently reads only the leading digits`,
      `Write '${d.keyword}' followed by a plain whole number.`,
    );
    return undefined;
  };

  switch (d.keyword) {
    case "maxconn":
    case "nbthread": {
      const value = count();
      if (value !== undefined) global[d.keyword] = text(value);
      return;
    }
    case "nbproc": {
      const value = count();
      if (value !== undefined) global.nbproc = text(value);
      diagnostics.error(
        "removed-keyword",
        d.words[0]?.span ?? d.span,
        "'nbproc' is not supported any more since HAProxy 2.5, whatever its value",
        "Remove it; HAProxy uses threads on multi-core machines by itself ('nbthread' tunes how many).",
      );
      return;
    }
    case "master-worker":
      global.masterWorker = text(!d.negated);
      return;
    case "stats":
      if (first?.text === "socket") readStatsSocket(global, d, diagnostics);
      return;
    case "server-state-file":
      if (first) global.serverStateFile = text(first.text);
      return;
    case "server-state-base":
      if (first) global.serverStateBase = text(first.text);
      return;
    case "ssl-default-bind-ciphers":
      if (first) global.sslDefaultBindCiphers = text(first.text);
      return;
    case "ssl-default-bind-ciphersuites":
      if (first) global.sslDefaultBindCiphersuites = text(first.text);
      return;
    case "ssl-default-bind-options":
      global.sslDefaultBindOptions.push(...d.args);
      return;
    case "ssl-default-server-ciphers":
      if (first) global.sslDefaultServerCiphers = text(first.text);
      return;
    case "ssl-default-server-options":
      global.sslDefaultServerOptions.push(...d.args);
      return;
    case "tune.ssl.default-dh-param": {
      const value = count();
      if (value !== undefined) global.tuneSslDefaultDhParam = text(value);
      return;
    }
  }
  const removed = REMOVED_GLOBAL_KEYWORDS.get(d.keyword);
  if (removed) {
    diagnostics.error(
      "removed-keyword",
      d.span,
      `'${d.keyword}' is not supported in the global section any more`,
      `Remove it; use ${removed}.`,
    );
    return;
  }
  if (GLOBAL_KEYWORDS.has(d.keyword)) return;
  global.unknown.push(d);
  const suggestion = closestKeyword(d.keyword, GLOBAL_KEYWORDS);
  diagnostics.add(
    "error",
    "unknown-keyword",
    d.words[0]?.span ?? d.span,
    `unknown keyword '${d.keyword}' in 'global' section${suggestion ? `; did you mean '${suggestion}'?` : ""}`,
    suggestion
      ? `Replace it with '${suggestion}'; HAProxy 2.6 refuses the file as written.`
      : "HAProxy 2.6 refuses keywords it does not know: correct or remove the line (lbguard keeps it in the model).",
  );
}

/** `stats socket ADDRESS [level L] [mode M] [expose-fd listeners] ...` */
function readStatsSocket(global: Global, d: Directive, diagnostics: Diagnostics): void {
  const addressWord = d.args[1];
  if (!addressWord) {
    diagnostics.error(
      "missing-argument",
      d.span,
      "'stats socket' expects an address or a path",
      "Write 'stats socket /run/haproxy/admin.sock mode 660 level admin'.",
    );
    return;
  }
  const read = readAddress(addressWord.text, addressWord.span);
  if (!read.ok) {
    diagnostics.error(
      "bad-address",
      addressWord.span,
      `'stats socket ${addressWord.text}': ${read.reason}`,
      "Use a Unix socket path or ipv4@ADDRESS:PORT.",
    );
    return;
  }
  const options: Record<string, Word[]> = {};
  const rest = d.args.slice(2);
  for (let i = 0; i < rest.length; i++) {
    const key = (rest[i] as Word).text;
    const value = rest[i + 1];
    options[key] = value ? [value] : [];
    if (
      value &&
      [
        "level",
        "mode",
        "expose-fd",
        "user",
        "group",
        "uid",
        "gid",
        "maxconn",
        "name",
        "process",
        "thread",
        "severity-output",
      ].includes(key)
    )
      i++;
  }
  const exposeFd = options["expose-fd"];
  if (exposeFd && exposeFd.length === 0) {
    diagnostics.error(
      "missing-argument",
      d.span,
      "'stats socket': 'expose-fd' expects the kind of descriptors to pass ('listeners')",
      "Write 'expose-fd listeners' on the same line; HAProxy words cannot continue on the next line.",
    );
  }
  const level = options.level?.[0]?.text ?? "operator";
  if (!STATS_SOCKET_LEVELS.has(level)) {
    diagnostics.error(
      "bad-value",
      options.level?.[0]?.span ?? d.span,
      `'stats socket': level must be user, operator or admin (got '${level}')`,
      "Write 'level admin' for a socket lbguard can drive.",
    );
  }
  const socket: StatsSocket = {
    address: read.address,
    level,
    exposeFdListeners: options["expose-fd"]?.[0]?.text === "listeners",
    options,
    span: d.span,
  };
  const mode = options.mode?.[0]?.text;
  if (mode !== undefined) socket.mode = mode;
  global.statsSockets.push(socket);
}
