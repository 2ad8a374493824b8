import { parseArgs } from "node:util";
import type { ApiClient } from "../client/api-client.js";
import { LbguardError } from "../errors.js";
import type { Incident } from "../incidents/types.js";
import { ALERT_SEVERITIES, type AlertSeverity } from "../monitor/types.js";
import { incidentLine, openedText, renderIncident, renderIncidentList } from "./render/incident-text.js";
import {
  idArgument,
  noArguments,
  openControl,
  required,
  runAction,
  SERVER_HELP,
  SERVER_OPTIONS,
} from "./server-options.js";

export const INCIDENT_HELP = `Usage: lbguard incident [list] [--state open|resolved] [options]
       lbguard incident show INCIDENT [options]
       lbguard incident open --title TITLE -m REASON [--severity SEVERITY] [options]
       lbguard incident note INCIDENT -m TEXT [options]
       lbguard incident resolve INCIDENT -m SUMMARY [options]

list     incidents, newest first: number, state, severity, when opened, cluster, title
         (every cluster's unless --cluster or $LBGUARD_CLUSTER names one)
show     one incident: what opened it, its impact so far, the changes suspected of causing
         it and its timeline, from the event log and the stats samples
open     opens an incident by hand (operator). A cluster has one open incident at a time:
         while one is open, this report is linked to it instead. lbguard opens incidents by
         itself when an agent rolls a version back and when a critical alert fires.
note     adds a note (operator); notes are events, in the audit log and the timeline
resolve  resolves the incident with a summary of what ended it (operator); then write its
         postmortem with 'lbguard postmortem INCIDENT'

Options:
  --state STATE          (list) only open or only resolved incidents
  --title TITLE          (open) what is wrong, in a few words
  --severity SEVERITY    (open) critical (default), warning or info
  -m, --message TEXT     the reason (open), the note (note) or the summary (resolve)

${SERVER_HELP}

Exit codes: 0 done, 1 refused by the server (e.g. LBG_INCIDENT_NOT_FOUND,
LBG_INCIDENT_RESOLVED), 2 usage error.
`;

const MESSAGE = { message: { type: "string", short: "m" } } as const;

/** `lbguard incident list|show|open|note|resolve`. */
export async function incidentCommand(argv: string[], out: (s: string) => void): Promise<number> {
  return runAction("incident", argv, { list, show, open, note, resolve }, INCIDENT_HELP, out, list);

  async function list(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...SERVER_OPTIONS, state: { type: "string" } },
    });
    if (values.help) return help();
    noArguments("incident list", positionals);
    const state = values.state;
    if (state !== undefined && state !== "open" && state !== "resolved")
      throw new LbguardError("LBG_USAGE", { detail: `--state must be open or resolved, not '${state}'` });
    const control = openControl(values, out);
    const incidents = await control.client.incidents({
      ...(control.namedCluster ? { cluster: control.namedCluster } : {}),
      ...(state ? { state } : {}),
    });
    control.print(incidents, (i) => renderIncidentList(i, control.color));
    return 0;
  }

  async function show(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: SERVER_OPTIONS });
    if (values.help) return help();
    const control = openControl(values, out);
    const view = await control.client.incident(idArgument("INCIDENT", positionals[0]));
    control.print(view, (v) => renderIncident(v, control.color));
    return 0;
  }

  async function open(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...SERVER_OPTIONS, ...MESSAGE, title: { type: "string" }, severity: { type: "string" } },
    });
    if (values.help) return help();
    noArguments("incident open", positionals);
    const title = required("title", values.title);
    const reason = required("message", values.message);
    const severity = values.severity ?? "critical";
    if (!(ALERT_SEVERITIES as readonly string[]).includes(severity)) {
      throw new LbguardError("LBG_USAGE", {
        detail: `--severity must be one of ${ALERT_SEVERITIES.join(", ")}, not '${severity}'`,
      });
    }
    const control = openControl(values, out);
    const incident = await control.client.openIncident({
      cluster: await control.cluster(),
      title,
      severity: severity as AlertSeverity,
      reason,
    });
    control.print(incident, openedText);
    return 0;
  }

  async function note(args: string[]): Promise<number> {
    return sendMessage(args, "note", (client, id, text) => client.addIncidentNote(id, text));
  }

  async function resolve(args: string[]): Promise<number> {
    return sendMessage(args, "resolved", (client, id, summary) => client.resolveIncident(id, summary));
  }

  /** `note` and `resolve`: sends INCIDENT's id and the -m text, and prints what became of it. */
  async function sendMessage(
    args: string[],
    what: "note" | "resolved",
    send: (client: ApiClient, id: number, text: string) => Promise<Incident>,
  ): Promise<number> {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...SERVER_OPTIONS, ...MESSAGE },
    });
    if (values.help) return help();
    const id = idArgument("INCIDENT", positionals[0]);
    const text = required("message", values.message);
    const control = openControl(values, out);
    control.print(await send(control.client, id, text), (i) => incidentLine(i, what));
    return 0;
  }

  function help(): number {
    out(INCIDENT_HELP);
    return 0;
  }
}
