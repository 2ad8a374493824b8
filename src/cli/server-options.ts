import type { ParseArgsConfig } from "node:util";
import { ApiClient } from "../client/api-client.js";
import { LbguardError } from "../errors.js";
import { useColor } from "./terminal.js";
import { COMMON_OPTIONS } from "./traffic-options.js";

/** Where the control plane answers when neither --server nor $LBGUARD_SERVER says otherwise. */
export const DEFAULT_SERVER = "http://127.0.0.1:8700";

/** Options every command that talks to the control plane takes, for util.parseArgs. */
export const SERVER_OPTIONS = {
  ...COMMON_OPTIONS,
  server: { type: "string" },
  token: { type: "string" },
  cluster: { type: "string" },
  json: { type: "boolean", default: false },
} as const satisfies ParseArgsConfig["options"];

/** Their help text. */
export const SERVER_HELP = `Control-plane options:
  --server URL         the lbguard server (default $LBGUARD_SERVER, or ${DEFAULT_SERVER})
  --token T            your API token (default $LBGUARD_TOKEN)
  --cluster NAME       the cluster (default $LBGUARD_CLUSTER; without either, the server's
                       only cluster)
  --json               print the server's answer as JSON (errors too: { "error": { code, ... } })
  --color, --no-color  force colours on or off
  -h, --help           show this help`;

/** Values of SERVER_OPTIONS as parsed. */
export interface ServerOptionValues {
  server?: string | undefined;
  token?: string | undefined;
  cluster?: string | undefined;
  json?: boolean | undefined;
  color?: boolean | undefined;
  "no-color"?: boolean | undefined;
}

/** A conversation with the control plane, set up from the command line and the environment. */
export interface Control {
  client: ApiClient;
  /** The server's URL as the user gave it, for command lines printed for others to run. */
  server: string;
  json: boolean;
  color: boolean;
  /** The cluster --cluster or $LBGUARD_CLUSTER names, or else the server's only cluster. */
  cluster(): Promise<string>;
  /** The cluster --cluster or $LBGUARD_CLUSTER names, if any (for filters that may be left out). */
  namedCluster: string | undefined;
  /** Prints `value` as JSON with --json, otherwise the text `render` makes of it. */
  print<T>(value: T, render: (value: T) => string): void;
}

/** Opens the control plane the options and the environment name; nothing is sent yet. */
export function openControl(
  values: ServerOptionValues,
  out: (s: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Control {
  const server = values.server ?? env.LBGUARD_SERVER ?? DEFAULT_SERVER;
  const token = values.token ?? env.LBGUARD_TOKEN;
  const client = new ApiClient({ server, ...(token ? { token } : {}) });
  const namedCluster = values.cluster ?? (env.LBGUARD_CLUSTER || undefined);
  const json = values.json ?? false;
  let cluster: Promise<string> | undefined;
  return {
    client,
    server,
    json,
    color: useColor(values),
    namedCluster,
    cluster: () => (cluster ??= namedCluster ? Promise.resolve(namedCluster) : onlyCluster(client)),
    print: (value, render) => out(json ? `${JSON.stringify(value, null, 2)}\n` : render(value)),
  };
}

async function onlyCluster(client: ApiClient): Promise<string> {
  const clusters = await client.clusters();
  if (clusters.length === 1) return clusters[0]!.name;
  throw new LbguardError("LBG_USAGE", {
    detail:
      clusters.length === 0
        ? "the server has no cluster yet; create one with 'lbguard cluster create NAME --config FILE'"
        : `name the cluster with --cluster or LBGUARD_CLUSTER; the server has ${clusters.map((c) => c.name).join(", ")}`,
  });
}

/**
 * A version, change or rollout id (or another count, from `min`) typed on the command line, or
 * LBG_USAGE naming `what`.
 */
export function idArgument(what: string, text: string | undefined, min = 1): number {
  const id = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(id) || id < min) {
    throw new LbguardError("LBG_USAGE", {
      detail:
        text === undefined
          ? `${what} is missing`
          : `${what} must be a whole number from ${min}, not '${text}'`,
    });
  }
  return id;
}

/**
 * The one id `command` takes, typed `7` or `#7` as lists show it; LBG_USAGE when there is not
 * exactly one argument, or it is not a whole number from 1 (naming `what`).
 */
export function oneIdArgument(command: string, what: string, positionals: string[]): number {
  if (positionals.length !== 1) throw new LbguardError("LBG_USAGE", { detail: `${command} needs one ID` });
  return idArgument(what, positionals[0]!.replace(/^#/, ""));
}

/** LBG_USAGE when a command that takes no argument was given one. */
export function noArguments(command: string, positionals: string[]): void {
  if (positionals.length > 0) {
    throw new LbguardError("LBG_USAGE", { detail: `${command} takes no argument, not '${positionals[0]}'` });
  }
}

/** The text of a required option, or LBG_USAGE saying it is missing. */
export function required(name: string, value: string | undefined): string {
  if (value === undefined || value === "")
    throw new LbguardError("LBG_USAGE", { detail: `--${name} is required` });
  return value;
}

/** A command's actions by name, each given the arguments after the name. */
export type Actions = Record<string, (argv: string[]) => Promise<number>>;

/**
 * Runs the action `argv[0]` names. `lbguard GROUP --help` prints `help`; without an action name,
 * `fallback` (when the group has a default action) gets all of `argv`.
 */
export async function runAction(
  group: string,
  argv: string[],
  actions: Actions,
  help: string,
  out: (s: string) => void,
  fallback?: (argv: string[]) => Promise<number>,
): Promise<number> {
  const [name, ...rest] = argv;
  const action = name !== undefined && Object.hasOwn(actions, name) ? actions[name] : undefined;
  if (action) return action(rest);
  if (fallback && (name === undefined || name.startsWith("-"))) return fallback(argv);
  if (name === "-h" || name === "--help") {
    out(help);
    return 0;
  }
  const names = Object.keys(actions);
  const choices = [names.slice(0, -1).join(", "), names.at(-1)].filter(Boolean).join(" or ");
  throw new LbguardError("LBG_USAGE", {
    detail: `${group} needs an action: ${choices}${name === undefined ? "" : `, not '${name}'`}`,
  });
}
