import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../agent/atomic-file.js";
import { sortFindings } from "../check/check-config.js";
import { LbguardError } from "../errors.js";
import { parseConfig } from "../haproxy/parse/index.js";
import type { Config } from "../model/config.js";
import { checkPairConfigs, type PairConfigsCheck } from "../vrrp/check-pair-configs.js";
import { loadVrrpPair } from "../vrrp/pair.js";
import {
  DEFAULT_KEEPALIVED_DIR,
  keepalivedConfPath,
  nodePaths,
  renderCheckScript,
  renderKeepalivedConf,
  renderNotifyScript,
} from "../vrrp/render-keepalived.js";
import { checkVrrpPair } from "../vrrp/rules/check-vrrp-pair.js";
import { scriptSecurityProblems } from "../vrrp/script-security.js";
import { failOnOption, failsOn, type FailOn } from "./fail-on-option.js";
import { loadConfigFiles } from "./load-inputs.js";
import { packageVersion } from "./package-files.js";
import { renderText } from "./render/text.js";
import { useColor } from "./terminal.js";
import { COMMON_OPTIONS } from "./traffic-options.js";

export const VRRP_HELP = `Usage: lbguard vrrp check PAIR [--config HAPROXY_CFG] [options]
       lbguard vrrp render PAIR --node NAME [--dir DIR] [--json]

The redundant pair: load-balancer nodes sharing a virtual IP through keepalived (VRRP),
described by a pair file (YAML, see docs/vrrp.md).

check reads the pair file (every problem with file:line), runs the pair rules, against the
nodes' HAProxy configuration when --config names it (does a frontend serve the health check's
URL and the VIP?), and has 'keepalived -t' judge every node's rendered keepalived.conf. That
needs root; when the pair's interface does not exist here, keepalived is run in a private
network namespace that has one.

render prints NAME's keepalived.conf as the agent writes it (for the default directory
${DEFAULT_KEEPALIVED_DIR}), or with --dir writes keepalived.conf, the health script and the
notify script into DIR, each replaced whole, scripts with mode 0755: the files keepalived
needs for its first start, before the agent manages them.

Options:
  --config PATH        check: the nodes' haproxy.cfg (file or directory; repeatable)
  --fail-on LEVEL      check: exit 1 when a finding is at least LEVEL: error (default),
                       warning, info, or never
  --no-keepalived      check: do not run 'keepalived -t'
  --keepalived PATH    the keepalived binary (default: keepalived on PATH, or $LBGUARD_KEEPALIVED)
  --node NAME          render: the node, one of the pair's nodes
  --dir DIR            render: write the files into DIR (created if missing)
  --json               print the result as JSON
  --color, --no-color  force colours on or off
  -h, --help           show this help

Exit codes: 0 fine, 1 findings at or above --fail-on or keepalived refused a node's
configuration, 2 usage error or an unreadable or unusable pair file.
`;

/** `lbguard vrrp check|render PAIR`: returns the exit code. */
export async function vrrpCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string", multiple: true, default: [] },
      "fail-on": { type: "string", default: "error" },
      "no-keepalived": { type: "boolean", default: false },
      keepalived: { type: "string" },
      node: { type: "string" },
      dir: { type: "string" },
      json: { type: "boolean", default: false },
      ...COMMON_OPTIONS,
    },
  });
  if (values.help) {
    out(VRRP_HELP);
    return 0;
  }
  const [action, file, ...extra] = positionals;
  if (action !== "check" && action !== "render")
    throw new LbguardError("LBG_USAGE", { detail: "vrrp needs an action: check or render" });
  if (!file || extra.length > 0)
    throw new LbguardError("LBG_USAGE", { detail: `vrrp ${action} needs one PAIR file` });
  if (action === "render") {
    if (!values.node) throw new LbguardError("LBG_USAGE", { detail: "vrrp render needs --node NAME" });
    return render(file, values.node, values.dir, values.json, out, err);
  }
  return check(
    {
      file,
      configs: values.config,
      failOn: failOnOption(values["fail-on"]),
      runKeepalived: !values["no-keepalived"],
      ...(values.keepalived ? { keepalived: values.keepalived } : {}),
      json: values.json,
      color: useColor(values),
    },
    out,
    err,
  );
}

interface CheckArgs {
  file: string;
  configs: string[];
  failOn: FailOn;
  runKeepalived: boolean;
  keepalived?: string;
  json: boolean;
  color: boolean;
}

async function check(args: CheckArgs, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const { pair, source, text } = await loadVrrpPair(args.file);
  const configFiles = args.configs.length > 0 ? await loadConfigFiles(args.configs) : [];
  const config: Config | undefined =
    configFiles.length > 0 ? parseConfig(configFiles, { env: process.env }).model : undefined;
  const findings = sortFindings(checkVrrpPair(pair, config, source), [
    args.file,
    ...configFiles.map((f) => f.path),
  ]);
  const keepalived: PairConfigsCheck = args.runKeepalived
    ? await checkPairConfigs(pair, args.keepalived ? { keepalived: args.keepalived } : {})
    : { ran: false, reason: "--no-keepalived", nodes: [] };
  const refused = keepalived.nodes.filter((n) => !n.ok);
  const note = keepalivedNote(keepalived);
  if (!keepalived.ran && args.runKeepalived) err(`lbguard: ${note}\n`);

  if (args.json) {
    out(
      `${JSON.stringify(
        {
          tool: "lbguard",
          version: packageVersion(),
          pair: args.file,
          configs: configFiles.map((f) => f.path),
          findings,
          keepalived: {
            ran: keepalived.ran,
            ...(keepalived.reason ? { reason: keepalived.reason } : {}),
            nodes: keepalived.nodes.map(({ node, ok, problems }) => ({ node, ok, problems })),
          },
        },
        null,
        2,
      )}\n`,
    );
  } else {
    for (const node of refused) {
      out(`keepalived -t refuses the keepalived.conf rendered for ${node.node}:\n`);
      const lines = node.conf.split("\n");
      for (const p of node.problems) {
        out(`  ${p.line !== undefined ? `line ${p.line}: ` : ""}${p.message}\n`);
        if (p.line !== undefined && lines[p.line - 1] !== undefined)
          out(`    ${p.line} | ${lines[p.line - 1]}\n`);
      }
      out("\n");
    }
    const sources = new Map([
      [args.file, text],
      ...configFiles.map((f) => [f.path, f.text] as [string, string]),
    ]);
    out(renderText({ findings, sources, why: new Map(), color: args.color, haproxyNote: note }));
  }
  return failsOn(findings, args.failOn) || refused.length > 0 ? 1 : 0;
}

/** One line on what keepalived -t said, node by node, or why it did not run. */
function keepalivedNote(result: PairConfigsCheck): string {
  if (!result.ran) return `keepalived -t: not run (${result.reason ?? "unknown reason"})`;
  return `keepalived -t: ${result.nodes.map((n) => `${n.node} ${n.ok ? "accepted" : "REFUSED"}`).join(", ")}`;
}

async function render(
  file: string,
  node: string,
  dir: string | undefined,
  json: boolean,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { pair } = await loadVrrpPair(file);
  if (dir === undefined) {
    const conf = renderKeepalivedConf(pair, node, nodePaths(DEFAULT_KEEPALIVED_DIR));
    out(json ? `${JSON.stringify({ node, conf }, null, 2)}\n` : conf);
    return 0;
  }
  const paths = nodePaths(dir);
  const conf = renderKeepalivedConf(pair, node, paths);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const written = [
    { path: paths.checkScript, text: renderCheckScript(pair, paths.maintenanceFile), mode: 0o755 },
    { path: paths.notifyScript, text: renderNotifyScript(paths.stateFile), mode: 0o755 },
    // The configuration last: keepalived never reads one naming scripts not yet written.
    { path: keepalivedConfPath(dir), text: conf, mode: 0o644 },
  ];
  for (const f of written) writeFileAtomic(f.path, f.text, f.mode);
  const insecure = scriptSecurityProblems(paths.checkScript);
  for (const problem of insecure)
    err(`lbguard: warning: keepalived will refuse to run ${paths.checkScript} as root: ${problem}\n`);
  if (json)
    out(
      `${JSON.stringify({ node, dir: dirname(paths.checkScript), files: written.map((f) => f.path), scriptSecurity: insecure }, null, 2)}\n`,
    );
  else out(`Wrote ${written.map((f) => f.path).join(", ")}\n`);
  return 0;
}
