import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { keepalivedBinary } from "./keepalived-process.js";

/** One thing `keepalived --config-test` objected to, with the line of the tested text when it says. */
export interface KeepalivedProblem {
  line?: number;
  message: string;
}

export interface KeepalivedCheckResult {
  /** keepalived accepted the configuration (exit status 0). */
  ok: boolean;
  problems: KeepalivedProblem[];
  /** False when keepalived could not be run at all (not installed); `problems` says why. */
  ran: boolean;
}

export interface KeepalivedCheckOptions {
  /** The keepalived binary (default `keepalived`, or $LBGUARD_KEEPALIVED). */
  keepalived?: string;
  /**
   * Interfaces to create for the test in a private network namespace of its own, so that a
   * configuration meant for another machine can be tested here. Needs root (`unshare --net`).
   */
  standInInterfaces?: readonly string[];
}

/** keepalived 2.2's exit statuses for --config-test, and what each means. */
const EXIT_MEANING: Record<number, string> = {
  4: "a fatal error: the file, an interface or a required setting is missing",
  5: "configuration errors",
  6: "a script security problem: scripts run as root must sit in root-owned paths nobody else can write",
};

/** Exit status of the namespace wrapper when it cannot create a stand-in interface. */
const STAND_IN_FAILED = 97;

/**
 * Runs `keepalived --config-test` on `text`, written to a private temporary file that is
 * removed afterwards, and returns keepalived's objections with the line numbers it gives. The
 * exit status decides. keepalived tests what this machine has: the interface must exist (or be
 * named in `standInInterfaces`) and the scripts the configuration names must already be in
 * place, with root-owned paths, because of `enable_script_security`.
 */
export async function checkKeepalivedConf(
  text: string,
  opts: KeepalivedCheckOptions = {},
): Promise<KeepalivedCheckResult> {
  const binary = keepalivedBinary(opts.keepalived);
  const dir = await mkdtemp(join(tmpdir(), "lbguard-keepalived-"));
  try {
    const file = join(dir, "keepalived.conf");
    await writeFile(file, text, { mode: 0o600 });
    const standIns = opts.standInInterfaces ?? [];
    const run =
      standIns.length > 0
        ? await execute("unshare", [
            "--net",
            "--",
            "/bin/sh",
            "-c",
            STAND_IN_SCRIPT,
            "sh",
            binary,
            file,
            ...standIns,
          ])
        : await execute(binary, ["--config-test", `--use-file=${file}`]);
    if (run.spawnError) {
      const missing = run.spawnError.code === "ENOENT";
      const program = standIns.length > 0 ? "unshare" : binary;
      return {
        ok: false,
        ran: false,
        problems: [
          {
            message: missing
              ? `${program} is not installed${program === binary ? " (apt-get install keepalived)" : ""}`
              : `cannot run ${program}: ${run.spawnError.message}`,
          },
        ],
      };
    }
    const problems = parseProblems(run.output, file);
    if (run.status === STAND_IN_FAILED)
      problems.push({
        message: `could not create the stand-in interface${standIns.length > 1 ? "s" : ""} ${standIns.join(", ")} in a private network namespace (needs root)`,
      });
    else if (run.status !== 0 && problems.length === 0)
      problems.push({
        message: `keepalived --config-test exited with status ${run.status ?? run.signal}${EXIT_MEANING[run.status ?? -1] ? `: ${EXIT_MEANING[run.status ?? -1]}` : ""}`,
      });
    return { ok: run.status === 0, ran: true, problems };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Creates each stand-in interface (a dummy one, or a bridge where the kernel has no dummy
 * driver) in the fresh namespace, then becomes keepalived. Arguments: binary, file, interfaces.
 */
const STAND_IN_SCRIPT = `binary="$1"; file="$2"; shift 2
for name in "$@"; do
  ip link add "$name" type dummy 2>/dev/null || ip link add "$name" type bridge 2>/dev/null || exit ${STAND_IN_FAILED}
done
exec "$binary" --config-test --use-file="$file"`;

/**
 * keepalived's lines, those that name a place as `(FILE: Line N) message`. Lines of other files
 * (an `include`) keep their file name in the message.
 */
export function parseProblems(output: string, file: string): KeepalivedProblem[] {
  const problems: KeepalivedProblem[] = [];
  const seen = new Set<string>();
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    if (line === "" || seen.has(line)) continue;
    seen.add(line);
    const match = /^\((.+?): Line (\d+)\) (.*)$/.exec(line);
    if (match && match[1] === file) problems.push({ line: Number(match[2]), message: match[3]! });
    else problems.push({ message: line.split(file).join("keepalived.conf") });
  }
  return problems;
}

interface Execution {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  spawnError?: NodeJS.ErrnoException;
}

/** Runs a program to its end, with stdout and stderr together in the order they came. */
function execute(program: string, args: string[]): Promise<Execution> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.stderr.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", (error: NodeJS.ErrnoException) =>
      resolve({ status: null, signal: null, output: "", spawnError: error }),
    );
    child.on("close", (status, signal) =>
      resolve({ status, signal, output: Buffer.concat(chunks).toString("utf8") }),
    );
  });
}
