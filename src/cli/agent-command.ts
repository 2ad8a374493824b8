import { parseArgs } from "node:util";
import { connectKeepalived, DEFAULT_KEEPALIVED_PID } from "../agent/keepalived-node.js";
import { recoverKeepalived } from "../agent/managed/keepalived-apply.js";
import { recoverNode } from "../agent/recover.js";
import { runManagedAgent } from "../agent/managed/managed-agent.js";
import { isAuthFailure } from "../agent/managed/managed-run.js";
import { ApiClient } from "../client/api-client.js";
import { LbguardError } from "../errors.js";
import { watchNode } from "../agent/node-watch.js";
import { asCatalogError, NODE_HELP, NODE_OPTIONS, openNode } from "./node-options.js";
import { describeEvent } from "./render/event-text.js";

export const AGENT_HELP = `Usage: lbguard agent [options]
       lbguard agent --server URL --token TOKEN [options]

The lbguard agent of one HAProxy node. On start it finishes or undoes any apply a killed
process left unfinished (the journal in DATA/apply.json), so the node ends on a configuration
that passed haproxy -c.

Local mode (no --server): it then watches HAProxy's stats every second and records each server
that changes state (UP, DOWN, MAINT, DRAIN) in DATA/events.jsonl, until SIGINT or SIGTERM.
'lbguard apply' and 'lbguard server' run beside it; the node's lock keeps two applies (and a
recovery) from interleaving.

Managed mode (--server): it takes its orders from an lbguard control plane ('lbguard serve').
It long-polls the version and runtime operations approved for this node, applies each new one
once (the control plane gated it; the bake and the automatic rollback still apply) and reports
the outcome. Every interval it compares the live haproxy.cfg with the approved version and the
servers' runtime weights and states with the approved ones, and reports drift at once (with a
unified diff), the node's health every 5 s, its events, and its stats (a sample every
--stats-interval and one right before each reload, sent about once a second). Under the
cluster's 'restore' drift policy it puts the approved file or server state back. When the
control plane cannot be reached, HAProxy keeps running as it is and the agent retries (1 s,
doubling to 15 s), keeping the last 900 stats samples. Its progress is kept in
DATA/managed.json.

On a node of a redundant pair (--keepalived-dir), a version's pair file is rendered into
this node's keepalived.conf and scripts, checked with keepalived -t, written, and loaded
with SIGHUP; keepalived must still run a second later, or the previous files go back. The
VRRP state and whether the node holds the VIP are reported within a second of a change.
It hands the VIP over when the control plane asks (a maintenance flag fails the health
check), and a backup canary bakes only once it holds the VIP. See docs/agent.md.

Options:
  --server URL           the control plane, e.g. https://lbguard.example:8700
                         (default $LBGUARD_SERVER; unset: local mode)
  --token TOKEN          this node's agent token (default $LBGUARD_TOKEN)
  --once                 recover, then exit
  --interval MS          how often to read the stats or look for drift (default 1000)
  --stats-interval SECONDS
                         managed mode: how often to sample the stats for the control
                         plane (default 1)
  --keepalived-dir DIR   managed mode, a node of a redundant pair: where keepalived.conf,
                         its health and notify scripts, the VRRP state file and the
                         maintenance flag live (keepalived runs with -f DIR/keepalived.conf).
                         Without it, versions are applied without their pair file.
  --keepalived-pid FILE  keepalived's pid file, signalled (SIGHUP) after a new
                         keepalived.conf (default ${DEFAULT_KEEPALIVED_PID}; needs
                         --keepalived-dir)
  -h, --help             show this help

${NODE_HELP}

Exit codes: 0 stopped cleanly, 1 HAProxy unreachable, recovery failed or the control plane
refused the token, 2 usage error.
`;

/** `lbguard agent`. */
export async function agentCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...NODE_OPTIONS,
      once: { type: "boolean", default: false },
      interval: { type: "string" },
      "stats-interval": { type: "string" },
      server: { type: "string" },
      token: { type: "string" },
      "keepalived-dir": { type: "string" },
      "keepalived-pid": { type: "string" },
    },
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
  const statsIntervalS = Number(values["stats-interval"] ?? 1);
  if (!(statsIntervalS >= 0.1 && statsIntervalS <= 60)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `--stats-interval must be 0.1 to 60 seconds, not '${values["stats-interval"]}'`,
    });
  }
  const server = values.server ?? process.env.LBGUARD_SERVER;
  const token = values.token ?? process.env.LBGUARD_TOKEN;
  if (server && !token) {
    throw new LbguardError("LBG_USAGE", { detail: "--server needs --token (or LBGUARD_TOKEN)" });
  }
  if (values["keepalived-pid"] !== undefined && values["keepalived-dir"] === undefined) {
    throw new LbguardError("LBG_USAGE", { detail: "--keepalived-pid needs --keepalived-dir" });
  }
  const keepalived =
    values["keepalived-dir"] !== undefined
      ? connectKeepalived({
          dir: values["keepalived-dir"],
          pidFile: values["keepalived-pid"] ?? DEFAULT_KEEPALIVED_PID,
        })
      : undefined;
  const { node, ctx, actor, haproxy } = await openNode(values);
  ctx.events.onAppend((event) => err(`${describeEvent(event)}\n`));
  try {
    const recovered = await recoverNode(node, ctx);
    if (!recovered) err("no interrupted apply to finish\n");
    // The keepalived part of an interrupted apply follows its HAProxy part.
    if (keepalived) await recoverKeepalived(keepalived, ctx, recovered);
    if (values.once) return 0;
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    ctx.events.append({
      type: "agent.started",
      actor,
      evidence: { pid: process.pid, config: node.configPath, ...(server ? { server } : {}) },
    });
    if (server) {
      const client = new ApiClient({ server, ...(token ? { token } : {}) });
      const agent = runManagedAgent({
        node,
        ctx,
        client,
        haproxy,
        ...(keepalived ? { keepalived } : {}),
        intervalMs,
        statsIntervalMs: statsIntervalS * 1000,
        signal: stop.signal,
        log: (line) => err(`${line}\n`),
      });
      try {
        await agent.done;
      } catch (error) {
        if (!isAuthFailure(error)) throw error;
        // Retrying cannot help and the operator must act, whatever the catalog's usage code says.
        err(`lbguard: the control plane at ${server} refused this agent: ${error.message}\n${error.hint}\n`);
        ctx.events.append({
          type: "agent.stopped",
          actor,
          evidence: { pid: process.pid, reason: error.code },
        });
        return 1;
      }
    } else {
      await watchNode(node, ctx, { intervalMs, signal: stop.signal });
    }
    ctx.events.append({ type: "agent.stopped", actor, evidence: { pid: process.pid } });
    return 0;
  } catch (error) {
    throw asCatalogError(error);
  }
}
