import { parseArgs } from "node:util";
import { DEFAULT_CLUSTER_POLICY, type ClusterPolicy } from "../control/api-types.js";
import { LbguardError } from "../errors.js";
import { RISKS, type Risk } from "../plan/index.js";
import { loadInventory, readText } from "./load-inputs.js";
import { policyText, renderCluster } from "./render/cluster-text.js";
import { escapeControl } from "./render/terminal-safe.js";
import { secondsOption } from "./seconds-option.js";
import {
  noArguments,
  openControl,
  required,
  runAction,
  SERVER_HELP,
  SERVER_OPTIONS,
} from "./server-options.js";

export const CLUSTER_HELP = `Usage: lbguard cluster create NAME --config FILE [options]
       lbguard cluster show [options]
       lbguard cluster policy [--approvals LIST] [--drift MODE] [--bake SECONDS] [options]

create   registers a cluster (admin); FILE, the haproxy.cfg its nodes run now, becomes
         version 1. Add its nodes next with 'lbguard nodes add NAME'.
show     the cluster's current version, policy and nodes.
policy   changes the cluster's policy (admin); what is left out keeps its value.

Options:
  --config FILE          (create) the haproxy.cfg the nodes run now
  --inventory FILE       (create) servers with role and capacity_rps, for the server's gate
  --rps N                (create) requests per second the gate predicts with (default 100)
  --approvals LIST       approvals a change needs by its plan's risk, e.g. 'high=3' or
                         'low=1,medium=1,high=2' (the default); risks left out keep theirs
  --drift report|restore when a node runs something else than what was approved: only report
                         it (default), or put the approved version back
  --bake SECONDS         each node's bake window (default: the agent's policy)

${SERVER_HELP}

Exit codes: 0 done, 1 refused by the server, 2 usage error or unreadable file.
`;

const POLICY_OPTIONS = {
  approvals: { type: "string" },
  drift: { type: "string" },
  bake: { type: "string" },
} as const;

/** `lbguard cluster create|show|policy`. */
export async function clusterCommand(argv: string[], out: (s: string) => void): Promise<number> {
  return runAction("cluster", argv, { create, show, policy }, CLUSTER_HELP, out);

  async function create(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...SERVER_OPTIONS,
        ...POLICY_OPTIONS,
        config: { type: "string" },
        inventory: { type: "string" },
        rps: { type: "string" },
      },
    });
    if (values.help) return help();
    if (positionals.length !== 1)
      throw new LbguardError("LBG_USAGE", { detail: "cluster create needs one NAME" });
    const [config, inventory] = await Promise.all([
      readText(required("config", values.config)),
      values.inventory ? loadInventory(values.inventory) : undefined,
    ]);
    const policy = policyOptions(values);
    const control = openControl(values, out);
    const cluster = await control.client.createCluster({
      name: positionals[0]!,
      config,
      ...(inventory ? { inventory: inventory.text } : {}),
      ...(values.rps !== undefined ? { rps: rpsOption(values.rps) } : {}),
      ...(policy ? { policy: policyBody(policy, DEFAULT_CLUSTER_POLICY) } : {}),
    });
    control.print(cluster, (c) => renderCluster(c, control.color));
    return 0;
  }

  async function show(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVER_OPTIONS });
    if (values.help) return help();
    noArguments("cluster show", positionals);
    const control = openControl(values, out);
    const cluster = await control.client.cluster(await control.cluster());
    control.print(cluster, (c) => renderCluster(c, control.color));
    return 0;
  }

  async function policy(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...SERVER_OPTIONS, ...POLICY_OPTIONS },
    });
    if (values.help) return help();
    noArguments("cluster policy", positionals);
    const changes = policyOptions(values);
    if (!changes) {
      throw new LbguardError("LBG_USAGE", { detail: "cluster policy needs --approvals, --drift or --bake" });
    }
    const control = openControl(values, out);
    const name = await control.cluster();
    const current = changes.approvals ? (await control.client.cluster(name)).policy : DEFAULT_CLUSTER_POLICY;
    const cluster = await control.client.setPolicy(name, policyBody(changes, current));
    control.print(
      cluster,
      (c) => `cluster ${escapeControl(c.name)} policy: ${escapeControl(policyText(c.policy))}\n`,
    );
    return 0;
  }

  function help(): number {
    out(CLUSTER_HELP);
    return 0;
  }
}

/** What the policy options say; approvals only for the risks they name. */
export type PolicyOptions = Omit<Partial<ClusterPolicy>, "approvals"> & {
  approvals?: Partial<Record<Risk, number>>;
};

/** The policy the options set, or undefined when no policy option was given. */
export function policyOptions(values: {
  approvals?: string | undefined;
  drift?: string | undefined;
  bake?: string | undefined;
}): PolicyOptions | undefined {
  const policy: PolicyOptions = {};
  if (values.approvals !== undefined) policy.approvals = approvalsOption(values.approvals);
  if (values.drift !== undefined) {
    if (values.drift !== "report" && values.drift !== "restore") {
      throw new LbguardError("LBG_USAGE", {
        detail: `--drift must be report or restore, not '${values.drift}'`,
      });
    }
    policy.drift = values.drift;
  }
  const bakeS = secondsOption("bake", values.bake);
  if (bakeS !== undefined) policy.bakeS = bakeS;
  return Object.keys(policy).length > 0 ? policy : undefined;
}

/** The policy to send: the API takes approvals whole, so risks not named keep `base`'s. */
export function policyBody(options: PolicyOptions, base: ClusterPolicy): Partial<ClusterPolicy> {
  const { approvals, ...rest } = options;
  return approvals ? { ...rest, approvals: { ...base.approvals, ...approvals } } : rest;
}

/** `low=1,medium=1,high=2` (any subset, any order) as approvals by risk. */
export function approvalsOption(text: string): Partial<Record<Risk, number>> {
  const approvals: Partial<Record<Risk, number>> = {};
  for (const item of text.split(",")) {
    const match = /^\s*(\w+)\s*=\s*(\d+)\s*$/.exec(item);
    const risk = match?.[1] as Risk | undefined;
    if (!match || !risk || !RISKS.includes(risk) || Number(match[2]) > 100) {
      throw new LbguardError("LBG_USAGE", {
        detail: `--approvals takes RISK=N items such as 'low=1,medium=1,high=2' (N from 0 to 100), not '${item}'`,
      });
    }
    approvals[risk] = Number(match[2]);
  }
  return approvals;
}

function rpsOption(text: string): number {
  const rps = Number(text);
  if (!(rps > 0 && Number.isFinite(rps))) {
    throw new LbguardError("LBG_USAGE", { detail: `--rps must be a positive number, not '${text}'` });
  }
  return rps;
}
