import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { applyConfig, type ApplyOutcome } from "../agent/apply.js";
import { LbguardError } from "../errors.js";
import { secondsOption } from "./seconds-option.js";
import { explicitTraffic, NODE_HELP, NODE_OPTIONS, onNode } from "./node-options.js";
import { TRAFFIC_OPTIONS } from "./traffic-options.js";
import { breachLine } from "./render/event-text.js";

export const APPLY_HELP = `Usage: lbguard apply [options] CANDIDATE

Puts a candidate haproxy.cfg live on this node, safely:
  1. the gate (rules, predicted traffic against the load HAProxy carries now) and live probes
     from this host: every server accepts connections, HTTP health checks answer 2xx/3xx,
     every bind address exists here with its port free or already HAProxy's;
  2. haproxy -c on a copy beside the live file, numbered and hashed backups, an atomic replace;
  3. a reload through the master CLI, confirmed by the new worker (no connection dropped);
  4. the bake: 'show stat' sampled every 250 ms against a baseline taken before the change;
  5. on a breach, the last-known-good config back on disk and reloaded; otherwise the
     candidate becomes last-known-good.
Every step is an event in DATA/events.jsonl. An apply a killed process left unfinished is
finished or undone first.

Options:
  --force                apply whatever the gate says, without probes (the verdict it would
                         have given is recorded in the event log); haproxy -c still runs
  --bake SECONDS         the bake window (default: the policy's, 20 s)
  --json                 print the outcome as JSON
  -h, --help             show this help
  --rps N, --frontend NAME=N, --paths LIST
                         the traffic the gate predicts with (default: the rates HAProxy
                         is serving now); see 'lbguard simulate --help'

${NODE_HELP}

Exit codes: 0 applied (or already live), 1 blocked, refused by haproxy -c, rolled back or
failed, 2 usage or unreadable input.
`;

/** `lbguard apply`. */
export async function applyCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...NODE_OPTIONS,
      ...TRAFFIC_OPTIONS,
      force: { type: "boolean", default: false },
      bake: { type: "string" },
    },
  });
  if (values.help) {
    out(APPLY_HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new LbguardError("LBG_USAGE", { detail: "apply needs one CANDIDATE file" });
  const source = positionals[0]!;
  const text = await readFile(source, "utf8").catch((error: Error) => {
    throw new LbguardError("LBG_UNREADABLE_INPUT", { path: source, reason: error.message }, { cause: error });
  });
  const bakeS = secondsOption("bake", values.bake);
  const traffic = explicitTraffic(values);
  const outcome: ApplyOutcome = await onNode(values, err, ({ node, ctx, actor, haproxy }) =>
    applyConfig(node, ctx, {
      text,
      source,
      actor,
      haproxy,
      ...(values.force ? { force: true } : {}),
      ...(bakeS !== undefined ? { bakeS } : {}),
      ...(traffic ? { traffic } : {}),
    }),
  );
  if (outcome.status === "invalid") {
    const errors = (outcome.invalid ?? [])
      .map((f) => `  ${f.span.file}:${f.span.line}: ${f.message}`)
      .join("\n");
    throw new LbguardError("LBG_HAPROXY_REFUSED", { path: source, errors: errors || "  (no message)" });
  }
  if (values.json) out(`${JSON.stringify(outcome, null, 2)}\n`);
  else out(`${summarize(outcome)}\n`);
  return outcome.status === "promoted" || outcome.status === "unchanged" ? 0 : 1;
}

function summarize(outcome: ApplyOutcome): string {
  const seconds = (ms: number | undefined, from: number | undefined): string =>
    ms !== undefined && from !== undefined ? `${((ms - from) / 1000).toFixed(1)} s` : "?";
  switch (outcome.status) {
    case "promoted":
      return `applied ${outcome.apply}: the bake passed; it is now last-known-good`;
    case "unchanged":
      return `nothing to apply: the candidate is already the live configuration`;
    case "blocked":
      return `blocked ${outcome.apply}: ${[
        ...(outcome.gate?.findings.filter((f) => f.severity === "error").map((f) => f.message) ?? []),
        ...(outcome.probes?.filter((p) => p.severity === "error").map((p) => p.message) ?? []),
      ].join("; ")} (use --force to apply anyway)`;
    case "rolled-back":
      return `rolled back ${outcome.apply} after ${seconds(outcome.times.decidedAt, outcome.times.appliedAt)}: ${breachLine(outcome.breaches)}`;
    case "failed":
      return `failed ${outcome.apply}: ${outcome.error ?? ""}`;
    case "invalid":
      return `refused by haproxy -c`;
  }
}
