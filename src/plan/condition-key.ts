import type { Acl, AclTest, Condition, ConditionTerm } from "../model/condition.js";

/**
 * ACL keywords that are a sample fetch with a match method in their name: `path_beg` is
 * `path -m beg`, `hdr_dom(host)` is `hdr(host) -m dom`. Normalising them lets a rewrite from one
 * spelling to the other compare equal.
 */
const MATCH_SUFFIX = /^(.+)_(beg|end|sub|reg|dir|dom|len|str|found)$/;

/** Flags that do not change what a test matches once patterns are compared. */
const IGNORED_FLAGS = new Set(["-m", "-f", "-i"]);

const TEST_KEYS = new WeakMap<AclTest, string>();

/**
 * A key two ACL tests share when they match the same requests for reasons lbguard can see: same
 * fetch, arguments, converters and match method, and the same set of patterns (order and
 * repetition do not matter, case does not with `-i`). Different keys do not prove a different
 * match, only a different definition.
 */
export function testKey(test: AclTest): string {
  let key = TEST_KEYS.get(test);
  if (key !== undefined) return key;
  let fetch = test.fetch;
  let method = test.matchMethod;
  const suffix = method === undefined ? MATCH_SUFFIX.exec(fetch) : null;
  if (suffix) {
    fetch = suffix[1] as string;
    method = suffix[2];
  }
  const fold = test.flags.includes("-i");
  const patterns = [...new Set(test.patterns.map((p) => (fold ? p.text.toLowerCase() : p.text)))].sort();
  // Control characters cannot appear in a configuration word, so they separate safely.
  key = [
    fetch,
    test.fetchArgs.join("\u0002"),
    test.converters.join("\u0002"),
    method ?? "",
    fold ? "i" : "",
    test.flags
      .filter((f) => !IGNORED_FLAGS.has(f))
      .sort()
      .join("\u0002"),
    [...test.patternFiles].sort().join("\u0002"),
    patterns.join("\u0002"),
  ].join("\u0003");
  TEST_KEYS.set(test, key);
  return key;
}

/** The key of a named ACL: the set of its lines' keys (its lines are ORed). */
export function aclKey(lines: readonly Acl[]): string {
  return [...new Set(lines.map(testKey))].sort().join("|");
}

function termKey(term: ConditionTerm, acls: ReadonlyMap<string, readonly Acl[]>, negate: boolean): string {
  const negated = term.negated !== negate;
  let body: string;
  if (term.kind === "inline") body = `(${testKey(term.test)})`;
  else {
    const lines = acls.get(term.name);
    // A predefined or undefined ACL is known only by its name.
    body = lines ? `(${aclKey(lines)})` : `@${term.name}`;
  }
  return `${negated ? "!" : ""}${body}`;
}

/**
 * A key two conditions share when they select the same requests by the same tests: named ACLs
 * are replaced by their definitions (so renaming one changes nothing, and changing its patterns
 * changes every condition that uses it), terms of a branch and branches are compared as sets,
 * and `unless X` equals `if !X`. Unconditional rules have the key `always`.
 */
export function conditionKey(
  condition: Condition | undefined,
  acls: ReadonlyMap<string, readonly Acl[]>,
): string {
  if (!condition) return "always";
  let polarity = condition.polarity;
  let negate = false;
  const only = condition.alternatives.length === 1 ? condition.alternatives[0] : undefined;
  if (polarity === "unless" && only?.length === 1) {
    polarity = "if";
    negate = true;
  }
  const branches = condition.alternatives.map((terms) =>
    [...new Set(terms.map((t) => termKey(t, acls, negate)))].sort().join("&"),
  );
  return `${polarity}:${[...new Set(branches)].sort().join("||")}`;
}

/** Names of the ACLs a condition uses, in order, each once. */
export function aclNames(condition: Condition | undefined): string[] {
  const names = new Set<string>();
  for (const terms of condition?.alternatives ?? [])
    for (const term of terms) if (term.kind === "named") names.add(term.name);
  return [...names];
}
