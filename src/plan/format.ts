import type { Acl, AclTest, Condition, ConditionTerm } from "../model/condition.js";
import type { Address } from "../model/server.js";

/** A duration in milliseconds the way a configuration would write it: `500ms`, `5s`, `2m`, `1h`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0";
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A share (0..1) as a whole percentage, or with one decimal below 1%: `50%`, `0.4%`. */
export function formatShare(share: number): string {
  const percent = share * 100;
  if (percent > 0 && percent < 1) return `${Number(percent.toFixed(1))}%`;
  return `${Math.round(percent)}%`;
}

/** A request rate: whole numbers from 10 req/s up, one decimal below. */
export function formatRps(rps: number): string {
  return rps >= 10 || Number.isInteger(rps) ? String(Math.round(rps)) : rps.toFixed(1);
}

/** An address as written (`127.0.10.1:8080`, `unix@/run/x.sock`). */
export function formatAddress(address: Address): string {
  return address.text;
}

/** The words of an ACL test as a configuration would write them: `path_beg -i /api /v2`. */
export function formatTest(test: AclTest): string {
  const words = [test.expression];
  let file = 0;
  for (const flag of test.flags) {
    words.push(flag);
    if (flag === "-m" && test.matchMethod !== undefined) words.push(test.matchMethod);
    if (flag === "-f") words.push(test.patternFiles[file++] ?? "");
  }
  for (const p of test.patterns) words.push(p.raw);
  return words.join(" ");
}

function formatTerm(term: ConditionTerm): string {
  const body = term.kind === "named" ? term.name : `{ ${formatTest(term.test)} }`;
  return `${term.negated ? "!" : ""}${body}`;
}

/** A condition as written: `if is_api !is_static || { path_beg /v2 }`. */
export function formatCondition(condition: Condition | undefined): string {
  if (!condition) return "(always)";
  const branches = condition.alternatives.map((terms) => terms.map(formatTerm).join(" "));
  return `${condition.polarity} ${branches.join(" || ")}`;
}

/** The lines of one named ACL, joined: `path_beg /api | hdr(host) -i api.example.com`. */
export function formatAcl(lines: readonly Acl[] | undefined): string {
  if (!lines || lines.length === 0) return "(undefined)";
  return lines.map(formatTest).join(" | ");
}

/** `1 server` / `3 servers`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Names for a sentence, the first few then how many more: `www, api and 3 more`. */
export function listNames(names: readonly string[], max = 3): string {
  if (names.length <= max)
    return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}
