import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ruleDocPath } from "../rules/rule.js";

/** The package root: src/cli and dist/cli are both two levels below it. */
export const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** lbguard's version, from package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, "utf8")) as { version: string }).version;
}

/** The doc page of a rule, or undefined when it has none. */
export function readRuleDoc(id: string): string | undefined {
  try {
    return readFileSync(`${PACKAGE_ROOT}${ruleDocPath(id)}`, "utf8");
  } catch {
    return undefined;
  }
}

/** The first sentence of a doc page's "Why it matters" section. */
export function whyItMatters(doc: string): string | undefined {
  const section = /## Why it matters\s*\n([\s\S]*?)(\n## |$)/.exec(doc)?.[1];
  if (!section) return undefined;
  const flat = section.replace(/\s+/g, " ").trim();
  const sentence = /^(.*?[.!?])(\s|$)/.exec(flat)?.[1] ?? flat;
  return sentence;
}
