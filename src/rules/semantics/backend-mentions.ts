import type { Config } from "../../model/config.js";
import type { Directive } from "../../model/directive.js";

/** Backend names a configuration mentions other than in use_backend and default_backend. */
export interface BackendMentions {
  /**
   * Names used as stick tables (`table NAME`, `sc_http_req_rate(0,NAME)`), in fetches such as
   * `nbsrv(NAME)` or `srv_is_up(NAME/srv)`, in `track NAME/srv`, or as a map's default value in
   * `use_backend %[...,map(FILE,NAME)]`. Any word inside parentheses counts, so this may hold
   * words that are not backend names; it is meant to keep rules from calling a backend unused.
   */
  names: ReadonlySet<string>;
  /**
   * True when backends may be named in files lbguard does not read: an SPOE filter names its
   * agents' backend in its own configuration file.
   */
  external: boolean;
}

/** Words in parentheses, e.g. `0,st_rates` in `sc_http_req_rate(0,st_rates)`. */
const PARENTHESIZED = /\(([^()]*)\)/g;

function addParenthesized(text: string, names: Set<string>): void {
  if (!text.includes("(")) return;
  for (const m of text.matchAll(PARENTHESIZED)) {
    for (const piece of (m[1] as string).split(",")) {
      const name = piece.trim().split("/")[0];
      if (name) names.add(name);
    }
  }
}

function addDirective(d: Directive, names: Set<string>): void {
  // A server's own name (words[1]) is not a mention of a backend of that name.
  const from = d.keyword === "server" || d.keyword === "server-template" ? 2 : 0;
  for (let i = from; i < d.words.length; i++) {
    const word = d.words[i];
    if (!word) continue;
    addParenthesized(word.text, names);
    const previous = d.words[i - 1]?.text;
    if (previous === "table" || previous === "track") {
      const name = word.text.split("/")[0];
      if (name) names.add(name);
    }
  }
}

/** Collects the backend names a configuration mentions outside its routing rules. */
export function backendMentions(config: Config): BackendMentions {
  const names = new Set<string>();
  let external = false;
  for (const section of [...config.defaults, ...config.proxies]) {
    for (const d of section.directives) {
      addDirective(d, names);
      if (d.keyword === "filter" && d.args[0]?.text === "spoe") external = true;
    }
  }
  return { names, external };
}
