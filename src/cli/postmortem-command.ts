import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { LbguardError } from "../errors.js";
import type { PostmortemView } from "../incidents/assemble.js";
import { readText } from "./load-inputs.js";
import { escapeControl } from "./render/terminal-safe.js";
import { idArgument, openControl, SERVER_HELP, SERVER_OPTIONS } from "./server-options.js";

export const POSTMORTEM_HELP = `Usage: lbguard postmortem INCIDENT [--format md|json] [--regenerate] [--tz ZONE]
                           [--output FILE] [options]
       lbguard postmortem INCIDENT --edit FILE [options]

Prints the postmortem of an incident as markdown: summary, impact, timeline, root cause with
the diff and plan lines that explain it, resolution, corrective measures and tasks. The server
drafts it from what it recorded (events, changes, gate findings, stats samples, the cluster's
policy) the first time it is asked for, and keeps it: once a person edited it, the edit is
what is shown; a draft that nobody edited is drafted again while the incident is open.

Options:
  --format md|json   markdown (default), or JSON with the markdown, whether it was edited and
                     the document it was drafted from (same as --json)
  --regenerate       draft it anew from the store, replacing the stored one, edits included
                     (operator; an edit stays in the audit log)
  --edit FILE        store FILE's markdown as the edited postmortem (operator)
  --output FILE      write it to FILE instead of printing it
  --tz ZONE          the time zone the times are written in, e.g. Europe/Paris (default UTC;
                     an edited postmortem keeps its own)

${SERVER_HELP}

Exit codes: 0 done, 1 refused by the server (e.g. LBG_INCIDENT_NOT_FOUND), 2 usage error or
unreadable file.
`;

/** `lbguard postmortem INCIDENT`. */
export async function postmortemCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...SERVER_OPTIONS,
      format: { type: "string" },
      regenerate: { type: "boolean", default: false },
      edit: { type: "string" },
      output: { type: "string" },
      tz: { type: "string" },
    },
  });
  if (values.help) {
    out(POSTMORTEM_HELP);
    return 0;
  }
  const id = idArgument("INCIDENT", positionals[0]);
  if (positionals.length > 1)
    throw new LbguardError("LBG_USAGE", { detail: `postmortem takes one incident, not '${positionals[1]}'` });
  const format = values.format ?? (values.json ? "json" : "md");
  if (format !== "md" && format !== "json")
    throw new LbguardError("LBG_USAGE", { detail: `--format must be md or json, not '${format}'` });
  if (values.edit !== undefined && (values.regenerate || values.tz !== undefined))
    throw new LbguardError("LBG_USAGE", {
      detail: "--edit stores your text as it is: leave out --regenerate and --tz",
    });
  const control = openControl(values, out);
  const client = control.client;
  const view =
    values.edit !== undefined
      ? await client.savePostmortem(id, await readText(values.edit))
      : await client.postmortem(id, {
          regenerate: values.regenerate,
          ...(values.tz !== undefined ? { tz: values.tz } : {}),
        });
  const text = format === "json" ? `${JSON.stringify(view, null, 2)}\n` : withNewline(view.markdown);
  if (values.output !== undefined) {
    await writeOutput(values.output, text);
    out(`${describe(view)}; written to ${values.output}\n`);
  } else if (values.edit !== undefined && format === "md") {
    out(`${describe(view)}\n`);
  } else {
    // Markdown others wrote: printed with its lines, but never its terminal escapes.
    out(format === "json" ? text : escapeControl(text, { multiline: true }));
  }
  return 0;
}

function describe(view: PostmortemView): string {
  return `postmortem of incident #${view.incident} (${view.edited ? "edited" : "drafted"})`;
}

function withNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}

async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (error) {
    // As for a backup: a path the command line chose, so a usage error naming it.
    const detail = `cannot write ${path}: ${(error as Error).message}`;
    throw new LbguardError("LBG_USAGE", { detail }, { cause: error });
  }
}
