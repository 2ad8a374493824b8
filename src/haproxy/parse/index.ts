import type { Config, OtherSection, Resolvers, Userlist } from "../../model/config.js";
import type { Diagnostic } from "../../model/diagnostic.js";
import type { Directive, Word } from "../../model/directive.js";
import { isBackend, isFrontend, type Proxy, type ProxyKind, type ProxySettings } from "../../model/proxy.js";
import type { SourceSpan } from "../../model/span.js";
import { Diagnostics } from "./diagnostics.js";
import { emptyGlobal, readGlobalLine } from "./global-section.js";
import { finishProxy, resolveSettings } from "./inherit.js";
import { closestKeyword, SECTION_KEYWORDS } from "./keywords.js";
import type { Environment } from "./lex-line.js";
import { newProxyDraft, type ProxyDraft, readProxyLine } from "./proxy-section.js";
import { readStatements, type SourceFile, type Statement } from "./read-statements.js";
import { readOtherLine, readResolversLine, readUserlistLine } from "./small-sections.js";

export type { SourceFile } from "./read-statements.js";

export interface ParseOptions {
  /** Variables `"${NAME}"` reads; the CLI passes the process environment. Default: none. */
  env?: Environment;
}

export interface ParseResult {
  model: Config;
  diagnostics: Diagnostic[];
}

const PROXY_KINDS = new Set<string>(["defaults", "frontend", "backend", "listen"]);

type Current =
  | { kind: "none" }
  | { kind: "refused" }
  | { kind: "global" }
  | { kind: "proxy"; draft: ProxyDraft }
  | { kind: "userlist"; section: Userlist }
  | { kind: "resolvers"; section: Resolvers }
  | { kind: "other"; section: OtherSection };

/**
 * Reads HAProxy configuration files, in the order given (the order HAProxy would read them),
 * into one model. Never throws on bad input: whatever could not be read is reported in
 * `diagnostics` with its file, line and column, and the model holds everything else.
 */
export function parseConfig(files: SourceFile[], options: ParseOptions = {}): ParseResult {
  // Lines are read, and each proxy section assembled, as soon as they are complete: a large
  // file's objects are still in the processor's caches then. Each stage reports into a list of
  // its own, and the lists are joined in stage order, as if the stages had run one by one.
  const lexing = new Diagnostics();
  const reading = new Diagnostics();
  const assembler = new Assembler();
  const global = emptyGlobal();
  const userlists: Userlist[] = [];
  const resolvers: Resolvers[] = [];
  const others: OtherSection[] = [];

  let current: Current = { kind: "none" };
  let fileIndex = -1;
  readStatements(files, options.env ?? {}, lexing, (statement) => {
    // A section never continues into the next file.
    if (statement.fileIndex !== fileIndex) {
      fileIndex = statement.fileIndex;
      assembler.close(current);
      current = { kind: "none" };
    }
    if (
      SECTION_KEYWORDS.has(statement.keyword) &&
      !statement.negated &&
      statement.words.length > 0 &&
      statement.words[0]?.text === statement.keyword
    ) {
      assembler.close(current);
      current = openSection(statement, reading);
      if (current.kind === "userlist") userlists.push(current.section);
      if (current.kind === "resolvers") resolvers.push(current.section);
      if (current.kind === "other") others.push(current.section);
      if (current.kind === "global") global.span ??= statement.span;
      return;
    }
    readLine(current, statement, global, reading);
  });
  assembler.close(current);

  const model = assembler.result(files);
  return {
    model: { ...model, global, userlists, resolvers, others },
    diagnostics: [...lexing.list, ...reading.list, ...assembler.diagnostics.list],
  };
}

function readLine(current: Current, d: Directive, global: Config["global"], diagnostics: Diagnostics): void {
  switch (current.kind) {
    case "none": {
      const suggestion = closestKeyword(d.keyword, SECTION_KEYWORDS);
      diagnostics.error(
        "out-of-section",
        d.words[0]?.span ?? d.span,
        `'${d.keyword}' appears before any section header`,
        suggestion
          ? `Did you mean the section header '${suggestion}'? Otherwise move the line into a section.`
          : "Move the line under a 'global', 'defaults', 'frontend', 'backend' or 'listen' header (sections never continue from one file into the next).",
      );
      return;
    }
    case "refused":
      return;
    case "global":
      return readGlobalLine(global, d, diagnostics);
    case "proxy":
      return readProxyLine(current.draft, d, diagnostics);
    case "userlist":
      return readUserlistLine(current.section, d);
    case "resolvers":
      return readResolversLine(current.section, d, diagnostics);
    case "other":
      return readOtherLine(current.section, d);
  }
}

function openSection(header: Statement, diagnostics: Diagnostics): Current {
  const kind = header.keyword;
  const keywordSpan = (header.words[0] as Word).span;
  const nameWord = header.args[0];
  const rest = header.args.slice(1);
  if (kind === "global") return { kind: "global" };
  if (PROXY_KINDS.has(kind)) {
    if (!nameWord && kind !== "defaults") {
      diagnostics.error("missing-name", header.span, `'${kind}' needs a name`, `Write '${kind} NAME'.`);
      return { kind: "refused" };
    }
    const draft = newProxyDraft(
      kind as ProxyKind,
      nameWord?.text ?? "",
      nameWord?.span ?? keywordSpan,
      header,
    );
    if (rest.length > 0) {
      if (rest[0]?.text === "from" && rest[1] && rest.length === 2) {
        draft.from = { value: rest[1].text, span: rest[1].span };
      } else {
        diagnostics.error(
          "address-on-section-line",
          (rest[0] as Word).span,
          `'${kind} ${nameWord?.text ?? ""} ${rest.map((w) => w.text).join(" ")}': HAProxy 2.6 no longer takes a listening address on the section line and refuses the whole section`,
          `Remove the address from the header and add 'bind ${rest[0]?.text}' as the section's first line.`,
        );
        return { kind: "refused" };
      }
    }
    return { kind: "proxy", draft };
  }
  const span = header.span;
  const name = nameWord?.text ?? "";
  if (kind === "userlist")
    return { kind: "userlist", section: { name, users: [], groups: [], span, directives: [] } };
  if (kind === "resolvers")
    return { kind: "resolvers", section: { name, nameservers: [], span, directives: [] } };
  return { kind: "other", section: { kind, name, span, directives: [] } };
}

/**
 * Applies defaults inheritance and checks cross-section references HAProxy resolves at start-up,
 * one proxy section at a time, in the order they are declared.
 */
class Assembler {
  readonly diagnostics = new Diagnostics();
  private readonly defaults: Proxy[] = [];
  private readonly proxies: Proxy[] = [];
  private readonly named = new Map<string, { settings: ProxySettings; span: SourceSpan }[]>();
  private last: { settings: ProxySettings; name: string } | undefined;
  private readonly seen: SeenNames = { frontend: new Map(), listen: new Map(), backend: new Map() };

  /** Assembles the section `current` when it is a proxy section: none of its lines is left. */
  close(current: Current): void {
    if (current.kind === "proxy") this.add(current.draft);
  }

  private add(draft: ProxyDraft): void {
    const diagnostics = this.diagnostics;
    let base: { settings: ProxySettings; name: string } | undefined;
    if (draft.from) {
      const candidates = this.named.get(draft.from.value) ?? [];
      if (candidates.length === 0) {
        diagnostics.error(
          "unknown-defaults",
          draft.from.span,
          `defaults section '${draft.from.value}' not found for ${draft.kind} '${draft.name}'`,
          "Name a defaults section declared earlier in the configuration.",
        );
      } else if (candidates.length > 1) {
        diagnostics.error(
          "ambiguous-defaults",
          draft.from.span,
          `more than one defaults section is named '${draft.from.value}'`,
          "Give each defaults section a distinct name.",
        );
      } else {
        base = { settings: (candidates[0] as { settings: ProxySettings }).settings, name: draft.from.value };
      }
    } else if (draft.kind !== "defaults") {
      base = this.last;
    }
    const settings = resolveSettings(draft.own, base?.settings, base?.name ?? "", draft.hasStatsLine);
    const proxy = finishProxy(draft, settings, base?.name, diagnostics);
    if (draft.kind === "defaults") {
      this.defaults.push(proxy);
      this.last = { settings, name: draft.name };
      if (draft.name)
        this.named.set(draft.name, [
          ...(this.named.get(draft.name) ?? []),
          { settings, span: draft.nameSpan },
        ]);
      return;
    }
    checkDuplicateName(draft, this.seen, diagnostics);
    this.proxies.push(proxy);
  }

  result(files: SourceFile[]): Omit<Config, "global" | "userlists" | "resolvers" | "others"> {
    const proxies = this.proxies;
    return {
      files: files.map((f) => f.path),
      defaults: this.defaults,
      proxies,
      frontends: proxies.filter(isFrontend),
      backends: proxies.filter(isBackend),
    };
  }
}

/** Proxies declared so far by name, one map per side a name can be taken on. */
type SeenNames = Record<"frontend" | "listen" | "backend", Map<string, ProxyDraft>>;

/** HAProxy refuses two proxies of one name unless one is only a frontend and the other only a backend. */
function checkDuplicateName(draft: ProxyDraft, seen: SeenNames, diagnostics: Diagnostics): void {
  const sides = sidesOf(draft.kind);
  for (const side of sides) {
    const earlier = seen[side].get(draft.name);
    if (earlier) {
      diagnostics.error(
        "duplicate-name",
        draft.nameSpan,
        `${draft.kind} '${draft.name}' has the same name as the ${earlier.kind} declared at ${earlier.nameSpan.file}:${earlier.nameSpan.line}`,
        "Rename one of them, or merge them if a script appended the same section twice.",
      );
      return;
    }
  }
  for (const side of sides) seen[side].set(draft.name, draft);
}

const LISTEN_SIDES = ["frontend", "listen"] as const;
const FRONTEND_SIDES = ["frontend"] as const;
const BACKEND_SIDES = ["backend"] as const;

function sidesOf(kind: ProxyKind): readonly (keyof SeenNames)[] {
  if (kind === "listen") return LISTEN_SIDES;
  if (kind === "frontend") return FRONTEND_SIDES;
  return BACKEND_SIDES;
}
