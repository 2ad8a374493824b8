import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import { renderSilences, silenceLine } from "./render/alert-text.js";
import { painter } from "./render/paint.js";
import {
  noArguments,
  oneIdArgument,
  openControl,
  required,
  runAction,
  SERVER_HELP,
  SERVER_OPTIONS,
} from "./server-options.js";

export const SILENCE_HELP = `Usage: lbguard silence add --match KEY=VALUE... --for DURATION -m COMMENT [options]
       lbguard silence list [--all] [options]
       lbguard silence expire ID [options]

A silence holds back the notifications of the alerts it matches until it ends; the alerts
still fire and are listed by 'lbguard alerts'. Adding and expiring need the operator role,
and each is recorded in the audit log.

silence add     e.g. lbguard silence add --cluster web --match rule=imbalance
                       --match backend=web --for 2h -m "maintenance"
                An alert is silenced when every matcher matches. Keys: rule, severity,
                node, frontend, backend, server. With --cluster (or $LBGUARD_CLUSTER) the
                silence holds in that cluster only, and may have no matcher (every alert of
                the cluster); without, it holds in every cluster.
silence list    the silences in force (with --all: also those that ended or were expired),
                newest first; with --cluster, those that hold in that cluster
silence expire  ends a silence now

Options:
  --match KEY=VALUE   a matcher (repeatable)
  --for DURATION      how long: 90s, 45m, 2h, 1d, 1h30m, or seconds (at most 30 days)
  --until TIME        or when it ends, ISO 8601 (e.g. 2025-03-01T18:00:00Z)
  -m, --message TEXT  why: the silence's comment (required)
  --all               list ended and expired silences too

${SERVER_HELP}

Exit codes: 0 done, 1 refused by the server (e.g. no such silence), 2 usage error or a
matcher or end the server refused.
`;

const ADD_OPTIONS = {
  ...SERVER_OPTIONS,
  match: { type: "string", multiple: true, default: [] as string[] },
  for: { type: "string" },
  until: { type: "string" },
  message: { type: "string", short: "m" },
} as const;

/** `lbguard silence add|list|expire`. */
export async function silenceCommand(argv: string[], out: (s: string) => void): Promise<number> {
  return runAction("silence", argv, { add, list, expire }, SILENCE_HELP, out);

  async function add(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: ADD_OPTIONS });
    if (values.help) return help();
    noArguments("silence add", positionals);
    const comment = required("message", values.message);
    if ((values.for === undefined) === (values.until === undefined)) {
      throw new LbguardError("LBG_USAGE", {
        detail: "silence add needs either --for DURATION or --until TIME",
      });
    }
    const control = openControl(values, out);
    const silence = await control.client.createSilence({
      ...(control.namedCluster ? { cluster: control.namedCluster } : {}),
      matchers: matchersOption(values.match),
      comment,
      ...(values.for !== undefined ? { duration: values.for } : { endsAt: values.until! }),
    });
    control.print(silence, (s) => silenceLine(s, "created", painter(control.color)));
    return 0;
  }

  async function list(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...SERVER_OPTIONS, all: { type: "boolean", default: false } },
    });
    if (values.help) return help();
    noArguments("silence list", positionals);
    const control = openControl(values, out);
    const silences = await control.client.silences({
      ...(control.namedCluster ? { cluster: control.namedCluster } : {}),
      ...(values.all ? {} : { active: true }),
    });
    control.print(silences, (s) => renderSilences(s, control.color, Date.now()));
    return 0;
  }

  async function expire(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVER_OPTIONS });
    if (values.help) return help();
    const id = oneIdArgument("silence expire", "the silence id", positionals);
    const control = openControl(values, out);
    const silence = await control.client.expireSilence(id);
    control.print(silence, (s) => silenceLine(s, "expired", painter(control.color)));
    return 0;
  }

  function help(): number {
    out(SILENCE_HELP);
    return 0;
  }
}

/**
 * `--match KEY=VALUE` options as the server's matchers; LBG_USAGE for one without `=` or a key
 * given twice (the server checks the keys themselves).
 */
export function matchersOption(texts: readonly string[]): Record<string, string> {
  const matchers: Record<string, string> = {};
  for (const text of texts) {
    const eq = text.indexOf("=");
    const key = text.slice(0, eq).trim();
    if (eq <= 0 || key === "") {
      throw new LbguardError("LBG_USAGE", { detail: `--match needs KEY=VALUE, not '${text}'` });
    }
    if (Object.hasOwn(matchers, key)) {
      throw new LbguardError("LBG_USAGE", {
        detail: `--match ${key} is given twice; a silence matches one value per key`,
      });
    }
    matchers[key] = text.slice(eq + 1).trim();
  }
  return matchers;
}
