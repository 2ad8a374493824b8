import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import { ALERT_STATE_FILTERS, type AlertStateFilter } from "../monitor/alert-store.js";
import { renderAlert, renderAlerts } from "./render/alert-text.js";
import {
  idArgument,
  noArguments,
  oneIdArgument,
  openControl,
  runAction,
  SERVER_HELP,
  SERVER_OPTIONS,
} from "./server-options.js";

export const ALERTS_HELP = `Usage: lbguard alerts [--state STATE] [--limit N] [options]
       lbguard alerts show ID [options]

alerts       the alerts, newest first: id, state, severity, rule, labels (node, frontend,
             backend, server), since when in that state (UTC) and a summary with the figures.
             Under each firing alert, its best three suspects: the changes most likely to
             have caused it, each with the command that undoes it.
alerts show  one alert in full: value and threshold, times, the silence that held its
             notifications back, and every suspect with the reasons it ranks where it does.

Options:
  --state STATE   firing, pending, resolved, open (firing or pending; the default) or all
  --limit N       at most N alerts (default 100)
  --cluster NAME  only that cluster's alerts (default $LBGUARD_CLUSTER; without either, every
                  cluster's)

${SERVER_HELP}

Exit codes: 0 shown, 1 refused by the server (e.g. no such alert), 2 usage error.
`;

const LIST_OPTIONS = {
  ...SERVER_OPTIONS,
  state: { type: "string", default: "open" },
  limit: { type: "string" },
} as const;

/** `lbguard alerts` and `lbguard alerts show ID`. */
export async function alertsCommand(argv: string[], out: (s: string) => void): Promise<number> {
  return runAction("alerts", argv, { show }, ALERTS_HELP, out, list);

  async function list(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: LIST_OPTIONS });
    if (values.help) return help();
    noArguments("alerts", positionals);
    const state = stateOption(values.state);
    const limit = values.limit !== undefined ? idArgument("--limit", values.limit) : undefined;
    const control = openControl(values, out);
    const alerts = await control.client.alerts({
      ...(control.namedCluster ? { cluster: control.namedCluster } : {}),
      ...(state ? { state } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    control.print(alerts, (a) => renderAlerts(a, control.color));
    return 0;
  }

  async function show(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVER_OPTIONS });
    if (values.help) return help();
    const id = oneIdArgument("alerts show", "the alert id", positionals);
    const control = openControl(values, out);
    const alert = await control.client.alert(id);
    control.print(alert, (a) => renderAlert(a, control.color));
    return 0;
  }

  function help(): number {
    out(ALERTS_HELP);
    return 0;
  }
}

/** `--state` as the server's filter: undefined for `all`, LBG_USAGE for anything unknown. */
function stateOption(text: string): AlertStateFilter | undefined {
  if (text === "all") return undefined;
  if ((ALERT_STATE_FILTERS as readonly string[]).includes(text)) return text as AlertStateFilter;
  throw new LbguardError("LBG_USAGE", {
    detail: `--state must be one of ${ALERT_STATE_FILTERS.join(", ")} or all, not '${text}'`,
  });
}
