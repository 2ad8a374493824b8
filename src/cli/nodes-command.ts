import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import { agentCommandLine, renderNodeAdded, renderNodes } from "./render/cluster-text.js";
import { noArguments, openControl, runAction, SERVER_HELP, SERVER_OPTIONS } from "./server-options.js";

export const NODES_HELP = `Usage: lbguard nodes [options]
       lbguard nodes add NAME [options]

nodes      the cluster's load-balancer nodes: desired and applied version, the first 12 hex
           digits of the running haproxy.cfg's sha256, health (HAProxy up or down, servers up,
           request rate), the VRRP state when agents report one (MASTER, BACKUP, FAULT; VIP
           when the node holds it), when the agent last reported (UTC) and drift (file,
           runtime, keepalived), each drift's diff below; a warning when the cluster has a
           single node
nodes add  adds a node (admin) and prints its agent token, shown only this once, with the
           command to run on the node: lbguard agent --server URL --token TOKEN

${SERVER_HELP}

Exit codes: 0 done, 1 refused by the server, 2 usage error.
`;

/** `lbguard nodes` and `lbguard nodes add NAME`. */
export async function nodesCommand(argv: string[], out: (s: string) => void): Promise<number> {
  return runAction("nodes", argv, { add }, NODES_HELP, out, list);

  async function list(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVER_OPTIONS });
    if (values.help) return help();
    noArguments("nodes", positionals);
    const control = openControl(values, out);
    const nodes = await control.client.nodes(await control.cluster());
    control.print(nodes, (n) => renderNodes(n, control.color));
    return 0;
  }

  async function add(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVER_OPTIONS });
    if (values.help) return help();
    if (positionals.length !== 1) throw new LbguardError("LBG_USAGE", { detail: "nodes add needs one NAME" });
    const control = openControl(values, out);
    const added = await control.client.createNode(await control.cluster(), positionals[0]!);
    control.print({ ...added, command: agentCommandLine(control.server, added.token.token) }, () =>
      renderNodeAdded(added, control.server, control.color),
    );
    return 0;
  }

  function help(): number {
    out(NODES_HELP);
    return 0;
  }
}
