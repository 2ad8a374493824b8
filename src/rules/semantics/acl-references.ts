import type { Word } from "../../model/directive.js";
import type { Proxy } from "../../model/proxy.js";
import type { SourceSpan } from "../../model/span.js";

/**
 * ACLs HAProxy 2.6 provides without an `acl` line (src/acl.c `default_acl_list`, manual section
 * 7.4 "Pre-defined ACLs"). Names are case-sensitive.
 */
export const PREDEFINED_ACLS: ReadonlySet<string> = new Set([
  "TRUE",
  "FALSE",
  "LOCALHOST",
  "HTTP",
  "HTTP_1.0",
  "HTTP_1.1",
  "HTTP_2.0",
  "METH_CONNECT",
  "METH_DELETE",
  "METH_GET",
  "METH_HEAD",
  "METH_OPTIONS",
  "METH_POST",
  "METH_PUT",
  "METH_TRACE",
  "HTTP_URL_ABS",
  "HTTP_URL_SLASH",
  "HTTP_URL_STAR",
  "HTTP_CONTENT",
  "RDP_COOKIE",
  "REQ_CONTENT",
  "WAIT_END",
]);

/**
 * Keywords whose lines take an `if`/`unless` condition and which the model keeps only as raw
 * directives. `use_backend` is absent: its conditions are modelled as routes.
 */
export const CONDITIONAL_KEYWORDS: ReadonlySet<string> = new Set([
  "http-request",
  "http-response",
  "http-after-response",
  "tcp-request",
  "tcp-response",
  "redirect",
  "use-server",
  "force-persist",
  "ignore-persist",
  "stick",
  "monitor",
  "stats",
]);

/** One place a condition names an ACL. */
export interface AclReference {
  name: string;
  /** The name itself, without a leading `!`. */
  span: SourceSpan;
  /** The keyword of the line that holds the condition (`use_backend`, `http-request`, ...). */
  keyword: string;
}

/**
 * Names of the ACLs a condition written as raw words refers to. The condition starts at the
 * first `if` or `unless` word after the keyword; `{ ... }` anonymous ACLs, `!`, `||` and `or`
 * are skipped.
 */
export function conditionNamesInWords(words: readonly Word[]): { name: string; span: SourceSpan }[] {
  const start = words.findIndex((w, i) => i > 0 && (w.text === "if" || w.text === "unless"));
  if (start < 0) return [];
  const out: { name: string; span: SourceSpan }[] = [];
  let depth = 0;
  for (const word of words.slice(start + 1)) {
    // HAProxy strips any number of leading '!' before looking at a word, so '!{' opens a block.
    const name = word.text.replace(/^!+/, "");
    if (name === "{") {
      depth++;
      continue;
    }
    if (name === "}") {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (depth > 0 || name === "" || name === "||" || name.toLowerCase() === "or") continue;
    out.push({ name, span: nameSpan(word.span, word.raw, name) });
  }
  return out;
}

/**
 * Narrows a span that ends with `name` (maybe after `!` or quotes) to the name itself, when the
 * name was written plainly on one line.
 */
export function nameSpan(span: SourceSpan, raw: string | undefined, name: string): SourceSpan {
  const plain = raw === undefined || raw.endsWith(name);
  if (!plain || span.line !== span.endLine || span.endColumn - span.column < name.length) return span;
  return { ...span, column: span.endColumn - name.length };
}

/**
 * Every named ACL reference in a proxy's conditions, in line order: use_backend routes from the
 * model, and the raw lines whose keyword is in `keywords` (default: CONDITIONAL_KEYWORDS). With
 * `"all"`, every line but `acl` is read, use_backend included, so a name may appear twice.
 */
export function aclReferences(
  proxy: Proxy,
  keywords: ReadonlySet<string> | "all" = CONDITIONAL_KEYWORDS,
): AclReference[] {
  const out: AclReference[] = [];
  for (const route of proxy.routes) {
    for (const terms of route.condition?.alternatives ?? []) {
      for (const term of terms) {
        // HAProxy reads 'or' case-insensitively; the model takes 'OR' for a name.
        if (term.kind === "named" && term.name.toLowerCase() !== "or")
          out.push({
            name: term.name,
            span: nameSpan(term.span, undefined, term.name),
            keyword: "use_backend",
          });
      }
    }
  }
  for (const d of proxy.directives) {
    if (d.keyword === "acl") continue;
    // In "all" mode use_backend lines are read again, so a route the parser refused still counts.
    if (keywords !== "all" && !keywords.has(d.keyword)) continue;
    for (const ref of conditionNamesInWords(d.words)) out.push({ ...ref, keyword: d.keyword });
  }
  return out.sort((a, b) => a.span.line - b.span.line || a.span.column - b.span.column);
}
