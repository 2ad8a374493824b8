import { LbguardError } from "../errors.js";
import { atLeast, SEVERITIES, type Severity } from "../model/severity.js";

/** What `--fail-on` takes: the least severity that fails the command, or `never`. */
export type FailOn = Severity | "never";

/** The `--fail-on LEVEL` option as given, or LBG_USAGE saying what it takes. */
export function failOnOption(text: string): FailOn {
  if (text !== "never" && !SEVERITIES.includes(text as Severity)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `unknown --fail-on '${text}' (use error, warning, info or never)`,
    });
  }
  return text as FailOn;
}

/** True when a finding is at least as serious as `failOn`. */
export function failsOn(findings: readonly { severity: Severity }[], failOn: FailOn): boolean {
  return failOn !== "never" && findings.some((f) => atLeast(f.severity, failOn));
}
