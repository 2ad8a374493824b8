import type { Finding } from "../../model/finding.js";

export interface JsonInput {
  version: string;
  files: readonly string[];
  findings: Finding[];
  haproxy: { ran: boolean; version?: string; exitCode?: number; reason?: string };
}

/** Renders the check result as one JSON document for tools. */
export function renderJson(input: JsonInput): string {
  const summary = { error: 0, warning: 0, info: 0 };
  for (const f of input.findings) summary[f.severity]++;
  return `${JSON.stringify({ tool: "lbguard", version: input.version, files: input.files, haproxy: input.haproxy, summary, findings: input.findings }, null, 2)}\n`;
}
