import { spawn } from "node:child_process";
import type { Finding } from "../../model/finding.js";
import type { SourceSpan } from "../../model/span.js";

/** What `haproxy -c` said about a configuration. */
export interface HaproxyCheckResult {
  /** False when no haproxy binary could be run. */
  available: boolean;
  /** The binary's version line, e.g. `2.6.12-1+deb12u4`. */
  version?: string;
  /** Exit code: 0 valid, 1 refused, 2 valid but nothing to listen on. */
  exitCode?: number;
  findings: Finding[];
}

/**
 * Runs `haproxy -c` on the same files, never with -q (which hides alerts), and turns its alerts
 * and warnings into findings. HAProxy resolves server host names while checking, as it does when
 * it starts.
 */
export async function runHaproxyCheck(
  files: readonly string[],
  binary = "haproxy",
): Promise<HaproxyCheckResult> {
  const args = ["-c", ...files.flatMap((f) => ["-f", f])];
  const [run, versionRun] = await Promise.all([execute(binary, args), execute(binary, ["-v"])]);
  if (!run) return { available: false, findings: [] };
  const version = /version (\S+)/i.exec(versionRun?.output ?? "")?.[1];
  const result: HaproxyCheckResult = {
    available: true,
    exitCode: run.code,
    findings: parseHaproxyOutput(run.stderr, files),
  };
  if (version) result.version = version;
  return result;
}

function execute(
  binary: string,
  args: string[],
): Promise<{ code: number; stderr: string; output: string } | undefined> {
  return new Promise((resolve) => {
    let stderr = "";
    let output = "";
    const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", () => resolve(undefined));
    child.on("close", (code) => resolve({ code: code ?? 1, stderr, output }));
  });
}

/** Lines that only frame the real messages. */
const NOISE = [
  /Error\(s\) found in configuration file/,
  /Fatal errors found in configuration/,
  /^Configuration file/,
];

/**
 * Reads HAProxy's stderr: `[ALERT]    (pid) : config : parsing [file:line] : message` and its
 * variants (`Parsing [f:l]:`, `[f:l] : 'server be/s' : ...`, messages with `(f:l)` or no place).
 * Messages without a place are attached to line 1 of the first file.
 */
export function parseHaproxyOutput(stderr: string, files: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  for (const line of stderr.split("\n")) {
    const head = /^\[(ALERT|WARNING)\]\s+\(\d+\)\s*:\s*(?:config\s*:\s*)?(.*)$/.exec(line);
    if (!head) continue;
    const [, level, rest] = head as unknown as [string, string, string];
    if (NOISE.some((n) => n.test(rest))) continue;
    const located =
      /^(?:[Pp]arsing )?\[([^\]:]+):(\d+)\]\s*:?\s*(.*)$/.exec(rest) ??
      /^(.*?)\(([^():]+):(\d+)\)(.*)$/.exec(rest);
    let file = files[0] ?? "";
    let lineNumber = 1;
    let message = rest.trim();
    if (located && located.length === 4) {
      file = located[1] as string;
      lineNumber = Number(located[2]);
      message = (located[3] as string).trim();
    } else if (located && located.length === 5) {
      file = located[2] as string;
      lineNumber = Number(located[3]);
    } else {
      const at = /at \[([^\]:]+):(\d+)\]/.exec(rest);
      if (at) {
        file = at[1] as string;
        lineNumber = Number(at[2]);
      }
    }
    const span: SourceSpan = { file, line: lineNumber, column: 1, endLine: lineNumber, endColumn: 1 };
    const severity = level === "ALERT" ? "error" : "warning";
    findings.push({
      ruleId: `haproxy/${level === "ALERT" ? "alert" : "warning"}`,
      messageId: level === "ALERT" ? "alert" : "warning",
      data: { text: message },
      severity,
      message,
      hint:
        severity === "error"
          ? "HAProxy refuses this configuration: fix this line before reloading."
          : "HAProxy accepts this but warns; read the message and fix the line.",
      span,
      source: "haproxy",
    });
  }
  return findings;
}
