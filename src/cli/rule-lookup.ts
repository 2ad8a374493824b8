import { closestKeyword } from "../haproxy/parse/keywords.js";
import { RULES } from "../rules/index.js";

/** A "; did you mean 'x'?" suffix for a mistyped rule id, or "" when nothing is close. */
export function suggestRule(id: string): string {
  const close = closestKeyword(
    id,
    RULES.map((r) => r.meta.id),
  );
  return close ? `; did you mean '${close}'?` : "";
}
