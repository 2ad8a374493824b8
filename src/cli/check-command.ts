import { parseArgs } from "node:util";
import { checkConfig, sortFindings } from "../check/check-config.js";
import { LbguardError } from "../errors.js";
import { runHaproxyCheck } from "../haproxy/runtime/haproxy-check.js";
import { RULES } from "../rules/index.js";
import { failOnOption, failsOn } from "./fail-on-option.js";
import { loadConfigFiles, loadInventory } from "./load-inputs.js";
import { packageVersion, readRuleDoc, whyItMatters } from "./package-files.js";
import { renderJson } from "./render/json.js";
import { renderSarif } from "./render/sarif.js";
import { renderText } from "./render/text.js";
import { suggestRule } from "./rule-lookup.js";
import { useColor } from "./terminal.js";
import { COMMON_OPTIONS } from "./traffic-options.js";

export const CHECK_HELP = `Usage: lbguard check [options] PATH...

Reads haproxy.cfg files (or directories, as 'haproxy -f' does: their *.cfg files in name order)
and reports every problem with file:line:column, why it matters and how to fix it.

Options:
  --inventory FILE     YAML list of servers (name, role web|db|other, address, capacity_rps,
                       health); a drill scenario file works too. Enables inventory rules.
  --format FORMAT      text (default), json or sarif (SARIF 2.1.0 for code scanning)
  --json               same as --format json
  --fail-on LEVEL      exit 1 when a finding is at least LEVEL: error (default), warning,
                       info, or never
  --disable RULE       leave a rule out (repeatable)
  --no-haproxy         do not run 'haproxy -c' alongside
  --haproxy PATH       the haproxy binary to run (default: haproxy on PATH, or $LBGUARD_HAPROXY)
  --color, --no-color  force colours on or off (default: on for a terminal, off with NO_COLOR)
  -h, --help           show this help

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or unreadable input.
`;

/** `lbguard check`: returns the exit code. */
export async function checkCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      inventory: { type: "string" },
      format: { type: "string", default: "text" },
      json: { type: "boolean", default: false },
      "fail-on": { type: "string", default: "error" },
      disable: { type: "string", multiple: true, default: [] },
      "no-haproxy": { type: "boolean", default: false },
      haproxy: { type: "string" },
      ...COMMON_OPTIONS,
    },
  });
  if (values.help) {
    out(CHECK_HELP);
    return 0;
  }
  const format = values.json ? "json" : values.format;
  if (!["text", "json", "sarif"].includes(format))
    throw new LbguardError("LBG_USAGE", { detail: `unknown --format '${format}' (use text, json or sarif)` });
  const failOn = failOnOption(values["fail-on"]);
  if (positionals.length === 0)
    throw new LbguardError("LBG_USAGE", {
      detail: "check needs at least one configuration file or directory",
    });
  for (const id of values.disable) {
    if (!RULES.some((r) => r.meta.id === id))
      throw new LbguardError("LBG_UNKNOWN_RULE", { rule: id, suggestion: suggestRule(id) });
  }

  const files = await loadConfigFiles(positionals);
  const loaded = values.inventory ? await loadInventory(values.inventory) : undefined;
  const inventory = loaded?.inventory;
  const paths = files.map((f) => f.path);
  const haproxyRun = values["no-haproxy"]
    ? undefined
    : runHaproxyCheck(paths, values.haproxy ?? process.env.LBGUARD_HAPROXY ?? "haproxy");

  const result = checkConfig(files, {
    env: process.env,
    disable: values.disable,
    ...(inventory ? { inventory } : {}),
  });
  const haproxy = haproxyRun ? await haproxyRun : undefined;
  const findings = sortFindings([...result.findings, ...(haproxy?.findings ?? [])], paths);

  let haproxyNote: string;
  if (!haproxy) haproxyNote = "haproxy -c: skipped (--no-haproxy)";
  else if (!haproxy.available) {
    haproxyNote =
      "haproxy -c: not run, haproxy is not installed (apt-get install haproxy, or pass --no-haproxy)";
    err(`lbguard: ${haproxyNote}\n`);
  } else
    haproxyNote = `haproxy -c (${haproxy.version ?? "haproxy"}): ${haproxy.exitCode === 1 ? "refuses this configuration" : "accepts this configuration"}`;

  const version = packageVersion();
  if (format === "json") {
    const ran = Boolean(haproxy?.available);
    const haproxyInfo: Parameters<typeof renderJson>[0]["haproxy"] = { ran };
    if (haproxy?.version) haproxyInfo.version = haproxy.version;
    if (haproxy?.exitCode !== undefined) haproxyInfo.exitCode = haproxy.exitCode;
    if (!ran) haproxyInfo.reason = haproxy ? "haproxy not installed" : "--no-haproxy";
    out(renderJson({ version, files: paths, findings, haproxy: haproxyInfo }));
  } else if (format === "sarif") {
    const docs = new Map<string, string>();
    for (const id of new Set(findings.map((f) => f.ruleId))) {
      const doc = readRuleDoc(id);
      if (doc) docs.set(id, doc);
    }
    out(renderSarif({ version, findings, rules: RULES.map((r) => r.meta), docs }));
  } else {
    const why = new Map<string, string>();
    for (const id of new Set(findings.map((f) => f.ruleId))) {
      const doc = readRuleDoc(id);
      const sentence = doc ? whyItMatters(doc) : undefined;
      if (sentence) why.set(id, sentence);
    }
    const sources = new Map(files.map((f) => [f.path, f.text]));
    if (loaded) sources.set(loaded.inventory.file, loaded.text);
    out(renderText({ findings, sources, why, color: useColor(values), haproxyNote }));
  }
  return failsOn(findings, failOn) ? 1 : 0;
}
