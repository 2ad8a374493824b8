import type { Acl, AclTest, ConditionTerm } from "../../model/condition.js";

/**
 * A key that two condition terms share exactly when they test the same thing the same way: the
 * ACL name for a named ACL, the written test for an anonymous one, with a leading `!` when the
 * term is negated (after `flip`, which negates it once more). Different keys prove nothing.
 */
export function termKey(term: ConditionTerm, flip = false): string {
  const negated = term.negated !== flip;
  const body =
    term.kind === "named"
      ? term.name
      : `{${[
          term.test.expression,
          ...term.test.flags,
          term.test.matchMethod ?? "",
          ...term.test.patternFiles,
          "--",
          ...term.test.patterns.map((p) => p.text),
        ].join("\u0001")}}`;
  return `${negated ? "!" : ""}${body}`;
}

/** The key of the negated term. */
export function negateKey(key: string): string {
  return key.startsWith("!") ? key.slice(1) : `!${key}`;
}

/** Fetches whose result can differ between two evaluations for the same request. */
export function volatileTest(test: AclTest): boolean {
  const f = test.fetch;
  return (
    f === "rand" ||
    f === "wait_end" ||
    f.endsWith("date") ||
    f.startsWith("lua.") ||
    /(inc|clr)_gpc/.test(f) ||
    test.converters.some((c) => /^(sc_)?(inc|clr)_gpc|^lua\./.test(c))
  );
}

/** Whether each named ACL is volatile, per name map (see aclsByName). */
const VOLATILE = new WeakMap<ReadonlyMap<string, readonly Acl[]>, Map<string, boolean>>();

/**
 * True when the term gives the same answer every time it is evaluated for one request, so two
 * lines testing it agree (not so for `rand`, counters a condition increments, or Lua).
 */
export function deterministicTerm(term: ConditionTerm, acls: ReadonlyMap<string, readonly Acl[]>): boolean {
  if (term.kind === "inline") return !volatileTest(term.test);
  if (term.name === "WAIT_END") return false;
  // Memoised per ACL name: a generated blocklist may repeat one name on thousands of lines.
  let byName = VOLATILE.get(acls);
  if (!byName) {
    byName = new Map();
    VOLATILE.set(acls, byName);
  }
  let volatile = byName.get(term.name);
  if (volatile === undefined) {
    volatile = (acls.get(term.name) ?? []).some(volatileTest);
    byName.set(term.name, volatile);
  }
  return !volatile;
}
