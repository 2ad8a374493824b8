import type { Acl } from "../../model/condition.js";
import type { Directive, Word } from "../../model/directive.js";
import type { Effective } from "../../model/effective.js";
import type {
  Balance,
  Bind,
  HashType,
  HttpCheck,
  ProxyKind,
  ProxyMode,
  Route,
  StatsSettings,
} from "../../model/proxy.js";
import type { Located, SourceSpan } from "../../model/span.js";
import { joinSpans } from "../../model/span.js";
import { readAclTest, readCondition } from "./acl-line.js";
import { readBind } from "./bind-line.js";
import { Diagnostics } from "./diagnostics.js";
import {
  closestKeyword,
  PROXY_KEYWORDS,
  PROXY_OPTIONS,
  REMOVED_OPTIONS,
  REMOVED_PROXY_KEYWORDS,
  TIMEOUT_NAMES,
} from "./keywords.js";
import { readCount, readTime } from "./numbers.js";
import { readServerOptions, type ServerOptions } from "./server-line.js";

/** Settings written in one section, before defaults are applied. */
export interface OwnSettings {
  mode?: Effective<ProxyMode>;
  balance?: Effective<Balance>;
  hashType?: Effective<HashType>;
  hashBalanceFactor?: Effective<number>;
  options: Record<string, Effective<boolean>>;
  optionArgs: Record<string, Word[]>;
  httpCheck?: Effective<HttpCheck>;
  timeouts: Record<string, Effective<number>>;
  retries?: Effective<number>;
  maxconn?: Effective<number>;
  fullconn?: Effective<number>;
  defaultBackend?: Effective<string>;
  defaultServer: ServerOptions;
  stats: StatsSettings;
}

/** A server line as read, before `default-server` is applied. */
export interface ServerLine {
  name: Word;
  addressWord?: Word;
  options: ServerOptions;
  directive: Directive;
}

/** A proxy section as written; inheritance turns it into a model `Proxy`. */
export interface ProxyDraft {
  kind: ProxyKind;
  name: string;
  nameSpan: SourceSpan;
  headerSpan: SourceSpan;
  /** The span of the section's last line so far; `sectionSpan` joins it to the header's. */
  lastLineSpan?: SourceSpan;
  /** Some line of the section is a `stats` line. */
  hasStatsLine: boolean;
  from?: Located<string>;
  binds: Bind[];
  acls: Acl[];
  routes: Route[];
  servers: ServerLine[];
  httpCheckRules: Directive[];
  directives: Directive[];
  unknown: Directive[];
  own: OwnSettings;
}

const BALANCE_ALGORITHMS = new Set([
  "roundrobin",
  "static-rr",
  "leastconn",
  "first",
  "source",
  "uri",
  "url_param",
  "hdr",
  "random",
  "rdp-cookie",
  "hash",
]);

const MODES = new Set(["http", "tcp", "log"]);

/** What a keyword is allowed in: frontend side (F), backend side (B). Others go anywhere. */
const FRONTEND_ONLY = new Set(["bind", "use_backend", "default_backend", "monitor-uri", "capture"]);
const BACKEND_ONLY = new Set([
  "server",
  "balance",
  "hash-type",
  "hash-balance-factor",
  "server-template",
  "default-server",
  "use-server",
]);

/** Creates an empty draft for the section whose header is `header`. */
export function newProxyDraft(
  kind: ProxyKind,
  name: string,
  nameSpan: SourceSpan,
  header: Directive,
): ProxyDraft {
  return {
    kind,
    name,
    nameSpan,
    headerSpan: header.span,
    hasStatsLine: false,
    binds: [],
    acls: [],
    routes: [],
    servers: [],
    httpCheckRules: [],
    directives: [],
    unknown: [],
    own: emptyOwnSettings(),
  };
}

/**
 * Nothing written yet. Built from small literals: V8 creates one deeply nested literal (as the
 * draft with these inside was) several times slower, which shows with thousands of sections.
 */
function emptyOwnSettings(): OwnSettings {
  const defaultServer: ServerOptions = { options: {} };
  const stats: StatsSettings = { auth: [], httpRequestAuth: [] };
  return { options: {}, optionArgs: {}, timeouts: {}, defaultServer, stats };
}

/** Keywords of rule lines that may end with an `if`/`unless` condition. */
const RULE_LINE_KEYWORDS = new Set([
  "http-request",
  "http-response",
  "http-after-response",
  "tcp-request",
  "tcp-response",
  "redirect",
  "use-server",
  "stats",
  "force-persist",
  "ignore-persist",
  "monitor",
]);

/**
 * Reads the condition of a rule line once, so that nothing downstream re-reads its words. Its
 * syntax errors are left to `haproxy -c`, which names them better for these many line kinds.
 */
function attachCondition(d: Directive): void {
  const start = d.args.findIndex((w) => w.text === "if" || w.text === "unless");
  if (start < 0) return;
  const condition = readCondition(d.args, new Diagnostics(), start);
  if (condition) d.condition = condition;
}

/** From the section's header to its last line (the header alone when it has no lines). */
export function sectionSpan(draft: ProxyDraft): SourceSpan {
  return draft.lastLineSpan ? joinSpans(draft.headerSpan, draft.lastLineSpan) : draft.headerSpan;
}

/** A value written in the section itself. */
function written<T>(value: T, span: SourceSpan): Effective<T> {
  return { value, origin: "section", span };
}

/** Reads one line of a frontend, backend, listen or defaults section into `draft`. */
export function readProxyLine(draft: ProxyDraft, d: Directive, diagnostics: Diagnostics): void {
  draft.directives.push(d);
  if (RULE_LINE_KEYWORDS.has(d.keyword)) attachCondition(d);
  // The section's span is joined once at the end, not once per line.
  draft.lastLineSpan = d.span;
  if (d.keyword === "stats") draft.hasStatsLine = true;
  const own = draft.own;
  const args = d.args;

  const removed = REMOVED_PROXY_KEYWORDS.get(d.keyword);
  if (removed) {
    diagnostics.error(
      "removed-keyword",
      d.words[0]?.span ?? d.span,
      `'${d.keyword}' is no longer supported: HAProxy 2.6 refuses it`,
      `Replace it with ${removed}.`,
    );
    return;
  }
  if (draft.kind === "backend" && FRONTEND_ONLY.has(d.keyword)) {
    diagnostics.warning(
      "keyword-ignored",
      d.span,
      `'${d.keyword}' is ignored in a backend section`,
      "Move it to the frontend (or listen section) that receives the traffic.",
    );
  }
  if (draft.kind === "frontend" && BACKEND_ONLY.has(d.keyword)) {
    diagnostics.warning(
      "keyword-ignored",
      d.span,
      `'${d.keyword}' is ignored in a frontend section`,
      "Move it to the backend (or listen section) that holds the servers.",
    );
  }

  switch (d.keyword) {
    case "mode": {
      const m = args[0];
      if (!m || !MODES.has(m.text)) {
        diagnostics.error(
          "bad-value",
          m?.span ?? d.span,
          `'mode' expects http, tcp or log${m ? ` (got '${m.text}')` : ""}`,
          "Write 'mode http' or 'mode tcp'.",
        );
        return;
      }
      own.mode = written(m.text as ProxyMode, d.span);
      return;
    }
    case "balance":
      return readBalance(draft, d, diagnostics);
    case "hash-type": {
      const method = args[0]?.text;
      if (method !== "map-based" && method !== "consistent") {
        diagnostics.error(
          "bad-value",
          args[0]?.span ?? d.span,
          "'hash-type' only supports 'consistent' and 'map-based'",
          "Write 'hash-type consistent' to keep most clients on their server when servers change.",
        );
        return;
      }
      const hashType: HashType = { method };
      const hashFunction = args[1];
      if (hashFunction) hashType.function = hashFunction.text;
      if (args[2]) hashType.modifier = (args[2] as Word).text;
      own.hashType = written(hashType, d.span);
      return;
    }
    case "hash-balance-factor": {
      const read = readCount(args[0]?.text ?? "");
      if (!read.ok || (read.value > 0 && read.value <= 100)) {
        diagnostics.error(
          "bad-value",
          args[0]?.span ?? d.span,
          "'hash-balance-factor' must be 0 or greater than 100",
          "A factor of 125 to 150 lets no server take more than 125-150% of the average load.",
        );
        return;
      }
      own.hashBalanceFactor = written(read.value, d.span);
      return;
    }
    case "option":
      return readOption(draft, d, diagnostics);
    case "http-check":
      draft.httpCheckRules.push(d);
      if (args[0]?.text === "send") readHttpCheckSend(draft, d);
      return;
    case "timeout":
      return readTimeout(draft, d, diagnostics);
    case "retries":
    case "maxconn":
    case "fullconn": {
      const read = readCount(args[0]?.text ?? "");
      if (!read.ok) {
        diagnostics.error(
          "bad-number",
          args[0]?.span ?? d.span,
          `'${d.keyword}': ${read.reason}; HAProxy silently reads only the leading digits (none reads as 0)`,
          `Write '${d.keyword}' followed by a plain whole number.`,
        );
        return;
      }
      own[d.keyword] = written(read.value, d.span);
      return;
    }
    case "default_backend": {
      const name = args[0];
      if (!name) {
        diagnostics.error(
          "missing-argument",
          d.span,
          "'default_backend' expects a backend name",
          "Write 'default_backend NAME'.",
        );
        return;
      }
      own.defaultBackend = written(name.text, name.span);
      return;
    }
    case "use_backend":
      return readRoute(draft, d, diagnostics);
    case "acl": {
      const name = args[0];
      if (!name || args.length < 2) {
        diagnostics.error(
          "missing-argument",
          d.span,
          "'acl' expects a name and a test",
          "Write 'acl NAME FETCH [flags] [patterns]', e.g. 'acl is_api path_beg /api'.",
        );
        return;
      }
      // The test becomes the ACL (keys in the order a spread of it gave, the span replaced in place).
      const acl = readAclTest(args, 1) as Acl;
      acl.name = name.text;
      acl.nameSpan = name.span;
      acl.span = d.span;
      draft.acls.push(acl);
      return;
    }
    case "bind": {
      const bind = readBind(d, diagnostics);
      if (bind) draft.binds.push(bind);
      return;
    }
    case "server": {
      const name = args[0];
      const addressWord = args[1];
      if (!name || !addressWord) {
        diagnostics.error(
          "missing-argument",
          d.span,
          "'server' expects a name and an address",
          "Write 'server NAME ADDRESS:PORT [options]'.",
        );
        return;
      }
      const options = readServerOptions(d.args, 2, `server ${draft.name}/${name.text}`, diagnostics);
      draft.servers.push({ name, addressWord, options, directive: d });
      return;
    }
    case "server-template":
      return readServerTemplate(draft, d, diagnostics);
    case "default-server": {
      const options = readServerOptions(
        d.args,
        0,
        `default-server in ${draft.name || "defaults"}`,
        diagnostics,
      );
      mergeServerOptions(own.defaultServer, options);
      return;
    }
    case "stats":
      return readStats(own.stats, d);
    default:
      if (!PROXY_KEYWORDS.has(d.keyword)) reportUnknown(draft, d, diagnostics);
  }
}

function readBalance(draft: ProxyDraft, d: Directive, diagnostics: Diagnostics): void {
  const first = d.args[0];
  const m = first ? /^([a-z_-]+)(?:\((.*)\))?$/.exec(first.text) : null;
  if (!first || !m || !BALANCE_ALGORITHMS.has(m[1] as string)) {
    diagnostics.error(
      "bad-value",
      first?.span ?? d.span,
      `'balance' does not know the algorithm '${first?.text ?? ""}'`,
      "Use roundrobin, static-rr, leastconn, first, source, uri, url_param, hdr(NAME), random, rdp-cookie or hash.",
    );
    return;
  }
  const algorithm = m[1] as string;
  const args: string[] = m[2] !== undefined ? [m[2]] : [];
  for (const w of d.args.slice(1)) args.push(w.text);
  if (algorithm === "url_param" && args.length === 0) {
    diagnostics.error(
      "missing-argument",
      first.span,
      "'balance url_param' requires a URL parameter name",
      "Write 'balance url_param NAME'.",
    );
    return;
  }
  if (algorithm === "random" && m[2] !== undefined && !/^\d+$/.test(m[2])) {
    diagnostics.error(
      "bad-number",
      first.span,
      `'balance random(${m[2]})': the number of draws must be a whole number`,
      "Write 'balance random' or 'balance random(2)'.",
    );
    return;
  }
  draft.own.balance = { value: { algorithm, args }, origin: "section", span: d.span };
}

function readOption(draft: ProxyDraft, d: Directive, diagnostics: Diagnostics): void {
  const nameWord = d.args[0];
  if (!nameWord) {
    diagnostics.error(
      "missing-argument",
      d.span,
      "'option' expects an option name",
      "Write 'option NAME', e.g. 'option httpchk'.",
    );
    return;
  }
  const name = nameWord.text;
  const removed = REMOVED_OPTIONS.get(name);
  if (removed) {
    diagnostics.error(
      "removed-keyword",
      nameWord.span,
      `'option ${name}' is not supported by HAProxy 2.6`,
      `Remove it; use ${removed}.`,
    );
    return;
  }
  if (!PROXY_OPTIONS.has(name)) {
    const suggestion = closestKeyword(name, PROXY_OPTIONS);
    diagnostics.error(
      "unknown-option",
      nameWord.span,
      `unknown option '${name}'${suggestion ? `; did you mean '${suggestion}'?` : ""}`,
      suggestion
        ? `Replace it with 'option ${suggestion}'.`
        : "Check the option name against the HAProxy 2.6 manual; HAProxy refuses unknown options.",
    );
    draft.unknown.push(d);
    return;
  }
  draft.own.options[name] = { value: !d.negated, origin: "section", span: d.span };
  draft.own.optionArgs[name] = d.args.slice(1);
  if (name === "httpchk" && !d.negated) {
    const rest = d.args.slice(1).map((w) => w.text);
    const check: HttpCheck =
      rest.length === 0
        ? { method: "OPTIONS", uri: "/" }
        : rest.length === 1
          ? { method: "OPTIONS", uri: rest[0] as string }
          : { method: rest[0] as string, uri: rest[1] as string };
    if (rest.length >= 3) check.version = rest.slice(2).join(" ");
    draft.own.httpCheck = { value: check, origin: "section", span: d.span };
  }
}

/** `http-check send meth GET uri /health ver HTTP/1.1` overrides the request of `option httpchk`. */
function readHttpCheckSend(draft: ProxyDraft, d: Directive): void {
  const current = draft.own.httpCheck?.value ?? { method: "OPTIONS", uri: "/" };
  const next: HttpCheck = { ...current };
  for (let i = 1; i < d.args.length - 1; i++) {
    const key = (d.args[i] as Word).text;
    const value = (d.args[i + 1] as Word).text;
    if (key === "meth") next.method = value;
    if (key === "uri") next.uri = value;
    if (key === "ver") next.version = value;
  }
  draft.own.httpCheck = { value: next, origin: "section", span: d.span };
}

function readTimeout(draft: ProxyDraft, d: Directive, diagnostics: Diagnostics): void {
  const [nameWord, valueWord] = d.args;
  if (!nameWord || !TIMEOUT_NAMES.has(nameWord.text)) {
    diagnostics.error(
      "bad-value",
      nameWord?.span ?? d.span,
      `'timeout' does not know '${nameWord?.text ?? ""}'`,
      `Use one of: ${[...TIMEOUT_NAMES].join(", ")}.`,
    );
    return;
  }
  if (!valueWord) {
    diagnostics.error(
      "missing-argument",
      nameWord.span,
      `'timeout ${nameWord.text}' expects a duration`,
      "Write a duration such as 5s or 30s.",
    );
    return;
  }
  const read = readTime(valueWord.text);
  if (!read.ok) {
    diagnostics.error(
      "bad-number",
      valueWord.span,
      `'timeout ${nameWord.text}': ${read.reason}`,
      "Write a duration with a unit among us, ms, s, m, h, d (a bare number means milliseconds).",
    );
    return;
  }
  if (read.trailing) {
    diagnostics.warning(
      "timer-trailing-characters",
      valueWord.span,
      `'timeout ${nameWord.text} ${valueWord.text}': HAProxy ignores '${read.trailing}' after the unit and warns that a later version will refuse it`,
      `Write '${valueWord.text.slice(0, valueWord.text.length - read.trailing.length)}' (units are us, ms, s, m, h, d).`,
    );
  }
  draft.own.timeouts[nameWord.text] = { value: read.value, origin: "section", span: d.span };
}

function readRoute(draft: ProxyDraft, d: Directive, diagnostics: Diagnostics): void {
  const target = d.args[0];
  if (!target) {
    diagnostics.error(
      "missing-argument",
      d.span,
      "'use_backend' expects a backend name",
      "Write 'use_backend NAME if CONDITION'.",
    );
    return;
  }
  const route: Route = {
    backend: target.text,
    backendSpan: target.span,
    dynamic: target.text.includes("%["),
    span: d.span,
  };
  const keyword = d.args[1];
  if (keyword) {
    if (keyword.text !== "if" && keyword.text !== "unless") {
      diagnostics.error(
        "bad-value",
        keyword.span,
        `'use_backend' expects 'if' or 'unless' after the backend name, not '${keyword.text}'`,
        "Write 'use_backend NAME if CONDITION'.",
      );
      return;
    }
    const condition = readCondition(d.args, diagnostics, 1);
    if (!condition) return;
    route.condition = condition;
  }
  draft.routes.push(route);
}

/** `server-template PREFIX NUM|RANGE FQDN:PORT [options]` declares NUM servers named PREFIX1..N. */
function readServerTemplate(draft: ProxyDraft, d: Directive, diagnostics: Diagnostics): void {
  const [prefix, count, addressWord] = d.args;
  const range = count ? /^(\d+)(?:-(\d+))?$/.exec(count.text) : null;
  if (!prefix || !range || !addressWord) {
    diagnostics.error(
      "missing-argument",
      d.span,
      "'server-template' expects a prefix, a count and an address",
      "Write 'server-template web 1-5 app.example.internal:80 check'.",
    );
    return;
  }
  const first = range[2] === undefined ? 1 : Number(range[1]);
  const last = range[2] === undefined ? Number(range[1]) : Number(range[2]);
  const options = readServerOptions(d.args, 3, `server-template ${draft.name}/${prefix.text}`, diagnostics);
  for (let n = first; n <= last && n - first < 10_000; n++) {
    draft.servers.push({
      name: { text: `${prefix.text}${n}`, raw: prefix.raw, span: prefix.span },
      addressWord,
      options,
      directive: d,
    });
  }
}

function readStats(stats: StatsSettings, d: Directive): void {
  const sub = d.args[0]?.text;
  const value = d.args[1];
  const here = <T>(v: T): Effective<T> => ({ value: v, origin: "section", span: d.span });
  switch (sub) {
    case "enable":
      stats.enabled = here(true);
      return;
    case "uri":
      stats.enabled = here(true);
      stats.uri = here(value?.text ?? "/");
      return;
    case "auth":
      stats.enabled = here(true);
      stats.auth.push({ value: value?.text ?? "", span: d.span });
      return;
    case "admin":
      stats.admin = {
        value: d.args
          .slice(1)
          .map((w) => w.text)
          .join(" "),
        span: d.span,
      };
      return;
    case "realm":
      stats.realm = here(value?.text ?? "");
      return;
    case "hide-version":
      stats.hideVersion = here(true);
      return;
    case "http-request":
      if (d.args.some((w) => w.text === "auth"))
        stats.httpRequestAuth.push({ value: d.args.map((w) => w.text).join(" "), span: d.span });
      return;
  }
}

function reportUnknown(draft: ProxyDraft, d: Directive, diagnostics: Diagnostics): void {
  draft.unknown.push(d);
  const suggestion = closestKeyword(d.keyword, PROXY_KEYWORDS);
  diagnostics.add(
    "error",
    "unknown-keyword",
    d.words[0]?.span ?? d.span,
    `unknown keyword '${d.keyword}' in '${draft.kind}' section${suggestion ? `; did you mean '${suggestion}'?` : ""}`,
    suggestion
      ? `Replace it with '${suggestion}'; HAProxy 2.6 refuses the file as written.`
      : "HAProxy 2.6 refuses keywords it does not know: correct or remove the line (lbguard keeps it in the model).",
  );
}

/** Applies `next` on top of `base`, as a later `default-server` line does. */
export function mergeServerOptions(base: ServerOptions, next: ServerOptions): void {
  const { options, ...typed } = next;
  Object.assign(base, typed);
  Object.assign(base.options, options);
}
