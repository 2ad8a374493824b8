import { parseArgs } from "node:util";
import { recoverNode } from "../agent/recover.js";
import { LbguardError } from "../errors.js";
import { watchNode } from "../agent/node-watch.js";
import { asCatalogError, NODE_HELP, NODE_OPTIONS, openNode } from "./node-options.js";
import { describeEvent } from "./render/event-text.js";

export const AGENT_HELP = `Usage: lbguard agent [options]

The lbguard agent of one HAProxy node. On start it finishes or undoes any apply a killed
process left unfinished (the journal in DATA/apply.json), so the node ends on a configuration
that passed haproxy -c. Then it watches HAProxy's stats every second and records each server
that changes state (UP, DOWN, MAINT, DRAIN) in DATA/events.jsonl, until SIGINT or SIGTERM.
'lbguard apply' and 'lbguard server' run beside it; the node's lock keeps two applies (and a
recovery) from interleaving.

Options:
  --once                 recover, then exit
  --interval MS          how often to read the stats (default 1000)
  -h, --help             show this help

${NODE_HELP}

Exit codes: 0 stopped cleanly, 1 HAProxy unreachable or recovery failed, 2 usage error.
`;

/** `lbguard agent`. */
export async function agentCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...NODE_OPTIONS, once: { type: "boolean", default: false }, interval: { type: "string" } },
  });
  if (values.help) {
    out(AGENT_HELP);
    return 0;
  }
  const intervalMs = Number(values.interval ?? 1000);
  if (!(intervalMs >= 100 && intervalMs <= 60_000)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `--interval must be 100 to 60000 ms, not '${values.interval}'`,
    });
  }
  const { node, ctx, actor } = await openNode(values);
  ctx.events.onAppend((event) => err(`${describeEvent(event)}\n`));
  try {
    const recovered = await recoverNode(node, ctx);
    if (!recovered) err("no interrupted apply to finish\n");
    if (values.once) return 0;
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    ctx.events.append({
      type: "agent.started",
      actor,
      evidence: { pid: process.pid, config: node.configPath },
    });
    await watchNode(node, ctx, { intervalMs, signal: stop.signal });
    ctx.events.append({ type: "agent.stopped", actor, evidence: { pid: process.pid } });
    return 0;
  } catch (error) {
    throw asCatalogError(error);
  }
}
