import { LbguardError } from "../errors.js";
import { tokenCommand, userCommand, whoamiCommand } from "./account-command.js";
import { agentCommand } from "./agent-command.js";
import { alertsCommand } from "./alerts-command.js";
import { backupCommand } from "./backup-command.js";
import { serveCommand } from "./serve-command.js";
import { applyCommand } from "./apply-command.js";
import { auditCommand } from "./audit-command.js";
import { checkCommand } from "./check-command.js";
import { clusterCommand } from "./cluster-command.js";
import { demoCommand } from "./demo-command.js";
import { drillCommand } from "./drill-command.js";
import { gateCommand } from "./gate-command.js";
import { incidentCommand } from "./incident-command.js";
import { diffCommand, historyCommand } from "./history-command.js";
import { labCommand } from "./lab-command.js";
import { loadtestCommand } from "./loadtest-command.js";
import { nodesCommand } from "./nodes-command.js";
import { planCommand } from "./plan-command.js";
import { postmortemCommand } from "./postmortem-command.js";
import { proposeCommand, submitCommand } from "./propose-command.js";
import { escapeControl } from "./render/terminal-safe.js";
import { decideCommand, reviewCommand } from "./review-command.js";
import { rollbackCommand, rolloutCommand } from "./rollout-command.js";
import { serverCommand } from "./server-command.js";
import { silenceCommand } from "./silence-command.js";
import { simulateCommand } from "./simulate-command.js";
import { vrrpCommand } from "./vrrp-command.js";
import { packageVersion } from "./package-files.js";
import { explainCommand, rulesCommand } from "./rules-command.js";

const HELP = `lbguard: makes load-balancer changes safe.

Usage: lbguard COMMAND [options]

Commands:
  check PATH...        find what in an haproxy.cfg could cost availability or security
  simulate CONFIG      predict how HAProxy spreads traffic over frontends, backends and servers
  plan BEFORE AFTER    show what a change does, with each server's traffic before and after
  gate BEFORE AFTER    pass or block a change before it is applied
  apply CANDIDATE      put a config live: gate, probes, reload, bake, automatic rollback
  server ACTION B/S    drain, disable, enable or re-weight a server, gated and watched
  agent                finish interrupted applies, then watch this node's servers
                       (--server URL --token T: managed by the control plane, with drift reports)
  loadtest URL         send HTTP load at a constant rate and report statuses, latency and servers
  rules                list the rules 'check' applies
  explain RULE         show what a rule catches, why it matters and how to fix it
  lab up|down          run emulated servers and a real HAProxy on this machine
  drill run FILE...    rehearse a change on a lab: gate, forced apply, automatic rollback
  vrrp check|render PAIR   the keepalived pair sharing a VIP: check a pair file (rules,
                       keepalived -t), render a node's keepalived.conf and scripts
  demo                 run a lab cluster to try lbguard on: control plane and dashboard, two
                       HAProxy nodes with agents, emulated servers, steady traffic

Control plane (talks to 'lbguard serve'; see docs/control-plane.md):
  serve                run the control plane: web dashboard at /, REST API, store (SQLite or
                       PostgreSQL), agents' long poll
  backup create FILE   copy the control-plane store to a checksummed file
  backup restore FILE  load a backup into an empty store (or one emptied with --replace)
  cluster create|show|policy   register a cluster, show it, set its approval and drift policy
  propose FILE -m MSG  propose a new haproxy.cfg (or --runtime drain|... B/S); the server gates it
  submit CHANGE        send a draft change to review
  review CHANGE        show a change: diff, findings, plan, reviews
  approve CHANGE       approve a change (-m COMMENT, --override REASON for blocked ones)
  reject CHANGE        reject a change (-m COMMENT)
  rollout CHANGE       roll an approved change out, canary first (--wait follows it)
  rollback --to V      put a former version back on every node
  history              the cluster's changes (--versions: its versions)
  diff V1 V2           the unified diff between two versions
  audit [verify]       the event log; verify checks its hash chain
  nodes [add NAME]     the cluster's nodes and their health and drift; add one
  incident list|show|open|note|resolve   incidents: opened by hand, on automatic rollbacks
                       and on critical alerts; notes and resolution
  postmortem INCIDENT  the incident's postmortem as markdown, drafted from the store (--edit FILE)
  alerts [show ID]     firing and pending alerts with their suspected changes; one in full
  silence add|list|expire   hold back alert notifications (--match K=V --for 2h -m WHY)
  token create|list|revoke, user create|list, whoami
                       API tokens and users

Options:
  -h, --help           show help (also 'lbguard COMMAND --help')
  -v, --version        show the version

Run 'lbguard COMMAND --help' for the options of a command.
`;

const COMMANDS = new Set([
  "check",
  "simulate",
  "plan",
  "gate",
  "loadtest",
  "apply",
  "server",
  "agent",
  "lab",
  "demo",
  "drill",
  "vrrp",
  "cluster",
  "propose",
  "submit",
  "review",
  "approve",
  "reject",
  "rollout",
  "rollback",
  "history",
  "diff",
  "audit",
  "nodes",
  "token",
  "user",
  "whoami",
  "incident",
  "postmortem",
  "alerts",
  "silence",
  "serve",
  "backup",
]);

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(
  argv: string[],
  out: (s: string) => void = (s) => void process.stdout.write(s),
  err: (s: string) => void = (s) => void process.stderr.write(s),
): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "check":
        return await checkCommand(rest, out, err);
      case "simulate":
        return await simulateCommand(rest, out, err);
      case "plan":
        return await planCommand(rest, out, err);
      case "gate":
        return await gateCommand(rest, out, err);
      case "loadtest":
        return await loadtestCommand(rest, out, err);
      case "apply":
        return await applyCommand(rest, out, err);
      case "server":
        return await serverCommand(rest, out, err);
      case "agent":
        return await agentCommand(rest, out, err);
      case "serve":
        return await serveCommand(rest, out, err);
      case "backup":
        return await backupCommand(rest, out, err);
      case "drill":
        return await drillCommand(rest, out, err);
      case "rules":
        return rulesCommand(rest, out);
      case "explain":
        return explainCommand(rest, out);
      case "lab":
        return await labCommand(rest, out, err);
      case "vrrp":
        return await vrrpCommand(rest, out, err);
      case "demo":
        return await demoCommand(rest, out, err);
      case "cluster":
        return await clusterCommand(rest, out);
      case "propose":
        return await proposeCommand(rest, out);
      case "submit":
        return await submitCommand(rest, out);
      case "review":
        return await reviewCommand(rest, out);
      case "approve":
      case "reject":
        return await decideCommand(command, rest, out);
      case "rollout":
        return await rolloutCommand(rest, out);
      case "rollback":
        return await rollbackCommand(rest, out);
      case "history":
        return await historyCommand(rest, out);
      case "diff":
        return await diffCommand(rest, out);
      case "audit":
        return await auditCommand(rest, out);
      case "nodes":
        return await nodesCommand(rest, out);
      case "token":
        return await tokenCommand(rest, out);
      case "user":
        return await userCommand(rest, out);
      case "alerts":
        return await alertsCommand(rest, out);
      case "silence":
        return await silenceCommand(rest, out);
      case "incident":
        return await incidentCommand(rest, out);
      case "postmortem":
        return await postmortemCommand(rest, out);
      case "whoami":
        return await whoamiCommand(rest, out);
      case "-v":
      case "--version":
        out(`${packageVersion()}\n`);
        return 0;
      case undefined:
      case "-h":
      case "--help":
      case "help":
        out(HELP);
        return command === undefined ? 2 : 0;
      default:
        throw new LbguardError("LBG_USAGE", { detail: `unknown command '${command}'` });
    }
  } catch (error) {
    if (error instanceof LbguardError) {
      // Tools asking for --json read the code from stdout; people read stderr either way.
      if (wantsJson(rest))
        out(
          `${JSON.stringify({ error: { code: error.code, message: error.message, hint: error.hint } }, null, 2)}\n`,
        );
      // The message may quote a server's answer: keep its control characters from the terminal.
      err(`lbguard: ${escapeControl(error.message, { multiline: true })}\n${error.hint}\n`);
      return error.exitCode;
    }
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS")) {
      err(
        `lbguard: ${error.message}\n${command && COMMANDS.has(command) ? `Run 'lbguard ${command} --help' for usage.` : "Run 'lbguard --help' for usage."}\n`,
      );
      return 2;
    }
    throw error;
  }
}

/** Whether the command line asks for JSON output (`--json` before any `--`). */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}
