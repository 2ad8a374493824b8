import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import { RULES } from "../rules/index.js";
import { readRuleDoc } from "./package-files.js";
import { suggestRule } from "./rule-lookup.js";

export const RULES_HELP = `Usage: lbguard rules [--json]

Lists every rule with its default severity and what it catches.
Rules marked [inventory] run only with 'check --inventory FILE'.
`;

/** `lbguard rules`: lists the rules. */
export function rulesCommand(argv: string[], out: (s: string) => void): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    out(RULES_HELP);
    return 0;
  }
  if (values.json) {
    out(
      `${JSON.stringify(
        RULES.map((r) => ({
          id: r.meta.id,
          severity: r.meta.severity,
          description: r.meta.description,
          inventory: Boolean(r.meta.needsInventory),
        })),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const width = Math.max(...RULES.map((r) => r.meta.id.length));
  for (const rule of RULES) {
    const tag = rule.meta.needsInventory ? " [inventory]" : "";
    out(`${rule.meta.id.padEnd(width)}  ${rule.meta.severity.padEnd(7)}  ${rule.meta.description}${tag}\n`);
  }
  return 0;
}

export const EXPLAIN_HELP = `Usage: lbguard explain RULE

Prints a rule's documentation: what it catches, why it matters and how to fix it.
`;

/** `lbguard explain RULE`: prints the rule's doc page. */
export function explainCommand(argv: string[], out: (s: string) => void): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { help: { type: "boolean", short: "h", default: false } },
  });
  if (values.help) {
    out(EXPLAIN_HELP);
    return 0;
  }
  const id = positionals[0];
  if (!id) throw new LbguardError("LBG_USAGE", { detail: "explain needs a rule id (see 'lbguard rules')" });
  const doc = RULES.some((r) => r.meta.id === id) ? readRuleDoc(id) : undefined;
  if (!doc) throw new LbguardError("LBG_UNKNOWN_RULE", { rule: id, suggestion: suggestRule(id) });
  out(doc);
  return 0;
}
