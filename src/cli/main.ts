import { LbguardError } from "../errors.js";
import { agentCommand } from "./agent-command.js";
import { applyCommand } from "./apply-command.js";
import { checkCommand } from "./check-command.js";
import { drillCommand } from "./drill-command.js";
import { gateCommand } from "./gate-command.js";
import { labCommand } from "./lab-command.js";
import { loadtestCommand } from "./loadtest-command.js";
import { planCommand } from "./plan-command.js";
import { serverCommand } from "./server-command.js";
import { simulateCommand } from "./simulate-command.js";
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
  loadtest URL         send HTTP load at a constant rate and report statuses, latency and servers
  rules                list the rules 'check' applies
  explain RULE         show what a rule catches, why it matters and how to fix it
  lab up|down          run emulated servers and a real HAProxy on this machine
  drill run FILE...    rehearse a change on a lab: gate, forced apply, automatic rollback

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
  "drill",
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
      case "drill":
        return await drillCommand(rest, out, err);
      case "rules":
        return rulesCommand(rest, out);
      case "explain":
        return explainCommand(rest, out);
      case "lab":
        return await labCommand(rest, out, err);
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
      err(`lbguard: ${error.message}\n${error.hint}\n`);
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
