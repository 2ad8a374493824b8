import { mkdirSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEMO_FILES, demoExamplesDir } from "../demo/demo-examples.js";
import { DEMO_NETWORK, parseDemoNetwork, type DemoNetwork } from "../demo/demo-network.js";
import { stopDemoIn } from "../demo/demo-record.js";
import {
  DEFAULT_DEMO_BAKE_S,
  DEFAULT_DEMO_DIR,
  DEFAULT_DEMO_LISTEN,
  DEFAULT_DEMO_RPS,
  DEMO_USERS,
  type DemoRole,
  startLabCluster,
  type LabCluster,
} from "../demo/lab-cluster.js";
import { LbguardError } from "../errors.js";
import { installedHaproxyVersion } from "../haproxy/runtime/installed-haproxy.js";
import { haproxyBinary } from "../haproxy/runtime/process-helpers.js";
import { parseListen } from "./serve-command.js";

export const DEMO_HELP = `Usage: lbguard demo [options]
       lbguard demo --stop [--dir DIR]

Runs a cluster to try lbguard on, on this machine's loopback addresses, until Ctrl-C: the
control plane ('lbguard serve') with its dashboard, two load balancers (real HAProxy in
master-worker mode, each with its lbguard agent) in front of three emulated web servers and
an emulated database, and steady demo traffic. Prints the dashboard's address, a sign-in
token per role, the example changes in examples/demo and what to try with them.

Options:
  --listen HOST:PORT   where the control plane and its dashboard listen
                       (default ${DEFAULT_DEMO_LISTEN.host}:${DEFAULT_DEMO_LISTEN.port}; port 0 picks a free one)
  --dir DIR            where the demo keeps its store, configs, sockets and logs
                       (default ${DEFAULT_DEMO_DIR}); emptied at start
  --rps N              demo traffic over both load balancers, requests per second
                       (default ${DEFAULT_DEMO_RPS}; 0 sends none)
  --addresses A.B.C    the loopback /24 of the load balancers and servers (default ${DEMO_NETWORK.prefix})
  --first-port N       their first port; the demo uses N to N+19 (default ${DEMO_NETWORK.firstPort}). With
                       either option the example changes, moved to those addresses, are
                       written to DIR/examples
  --haproxy PATH       the haproxy binary (default haproxy on PATH, or $LBGUARD_HAPROXY)
  --stop               stop the demo running in DIR (from another shell) and exit
  -h, --help           show this help

A demo already running in DIR is a usage error; one that died is cleaned up first (its
HAProxy processes stopped by the PIDs in DIR/demo.json).

Exit codes: 0 stopped by Ctrl-C or SIGTERM (or --stop done), 1 the demo did not start,
2 usage error, or HAProxy is not installed (the message says how to install it).
`;

/** `lbguard demo`: returns the exit code once the demo stopped. */
export async function demoCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  stopSignal?: AbortSignal,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      listen: { type: "string" },
      dir: { type: "string" },
      rps: { type: "string" },
      addresses: { type: "string" },
      "first-port": { type: "string" },
      haproxy: { type: "string" },
      stop: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    out(DEMO_HELP);
    return 0;
  }
  if (positionals.length > 0) {
    throw new LbguardError("LBG_USAGE", {
      detail: `demo takes no arguments, only options (got '${positionals[0]}')`,
    });
  }
  const dir = resolve(values.dir ?? DEFAULT_DEMO_DIR);
  if (values.stop) return stopDemo(dir, out);

  const binary = haproxyBinary(values.haproxy);
  installedHaproxyVersion(binary, "lbguard demo");
  const listen = values.listen === undefined ? DEFAULT_DEMO_LISTEN : parseListen(values.listen);
  const rps = Number(values.rps ?? DEFAULT_DEMO_RPS);
  if (!(Number.isFinite(rps) && rps >= 0 && rps <= 1000)) {
    throw new LbguardError("LBG_USAGE", {
      detail: `--rps ${values.rps}: expected requests per second, 0 to 1000`,
    });
  }
  const network = parseDemoNetwork(
    values.addresses ?? DEMO_NETWORK.prefix,
    values["first-port"] ?? DEMO_NETWORK.firstPort,
  );

  // Caught from the start, so that Ctrl-C during the start still stops what did start.
  let resolveStop: (why: string) => void = () => undefined;
  const stopped = new Promise<string>((resolvePromise) => {
    resolveStop = resolvePromise;
  });
  const onInt = (): void => resolveStop("SIGINT");
  const onTerm = (): void => resolveStop("SIGTERM");
  const onAbort = (): void => resolveStop("aborted");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  stopSignal?.addEventListener("abort", onAbort, { once: true });
  if (stopSignal?.aborted) onAbort();
  try {
    const startedAt = Date.now();
    const cluster = await startLabCluster({
      dir,
      listen,
      network,
      rps,
      haproxy: binary,
      log: (line) => err(`${line}\n`),
    });
    try {
      const examples = exampleFiles(cluster, network, dir);
      out(describeDemo(cluster, { rps, tookMs: Date.now() - startedAt, examples }));
      const why = await stopped;
      out(`\nlbguard demo: ${why}, stopping\n`);
    } finally {
      await cluster.stop();
    }
    out("lbguard demo: stopped\n");
    return 0;
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    stopSignal?.removeEventListener("abort", onAbort);
  }
}

async function stopDemo(dir: string, out: (s: string) => void): Promise<number> {
  const stopped = await stopDemoIn(dir);
  if (!stopped) {
    out(`no demo is running in ${dir}\n`);
    return 0;
  }
  const { record, wasRunning, leftovers } = stopped;
  out(
    `${wasRunning ? `stopped the demo in ${dir} (pid ${record.pid})` : `the demo in ${dir} (pid ${record.pid}) was no longer running`}` +
      `${leftovers.length > 0 ? `; stopped its HAProxy processes left behind: ${leftovers.join(", ")}` : ""}\n`,
  );
  return 0;
}

/** Where the newcomer finds the good and bad changes, for this cluster's addresses. */
interface ExampleFiles {
  good: string;
  bad: string;
}

/**
 * The example changes as paths to type: examples/demo's own files on the default network,
 * otherwise copies moved to the cluster's addresses in DIR/examples.
 */
function exampleFiles(cluster: LabCluster, network: DemoNetwork, dir: string): ExampleFiles {
  const standard = network.prefix === DEMO_NETWORK.prefix && network.firstPort === DEMO_NETWORK.firstPort;
  const folder = standard ? demoExamplesDir() : join(dir, "examples");
  if (!standard) {
    mkdirSync(folder, { recursive: true });
    for (const key of ["good", "bad"] as const)
      writeFileSync(join(folder, DEMO_FILES[key]), cluster.texts[key]);
  }
  return { good: shortPath(join(folder, DEMO_FILES.good)), bad: shortPath(join(folder, DEMO_FILES.bad)) };
}

/** A path relative to the current directory when it is below it. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

/** What the demo prints once it runs: where to look, who to be, what to try. */
export function describeDemo(
  cluster: LabCluster,
  facts: { rps: number; tookMs: number; examples: ExampleFiles },
): string {
  const { examples } = facts;
  const user = (role: DemoRole): string => DEMO_USERS[role].name;
  const others = (["approver", "admin", "viewer"] as const).map(
    (role) =>
      `    ${user(role).padEnd(6)} ${role.padEnd(8)} ${cluster.tokens[role]}  ${DEMO_USERS[role].does}`,
  );
  const variable = (role: DemoRole): string => user(role).toUpperCase();
  const as = (role: DemoRole, command: string): string =>
    `    LBGUARD_TOKEN=$${variable(role).padEnd(6)} npx lbguard ${command}`;
  const lines = [
    `lbguard demo: running (started in ${(facts.tookMs / 1000).toFixed(1)} s; everything is in ${shortPath(cluster.dir)})`,
    "",
    `Dashboard: ${cluster.url}/`,
    `Sign in first as ${user("operator")}, the operator, who ${DEMO_USERS.operator.does}, with this token:`,
    `    ${cluster.tokens.operator}`,
    "The other users' tokens:",
    ...others,
    "",
    `The cluster '${cluster.cluster}': ${cluster.nodes.map((n) => n.name).join(" and ")}, each a HAProxy ${cluster.haproxyVersion} with an lbguard`,
    `agent, both on ${cluster.frontendUrl} in front of web-01 and web-02; web-03 waits outside the`,
    `pool and db-01 is a database. Demo traffic: ${facts.rps} req/s.`,
    "",
    "Try this:",
    "  1. A good change, web-03 joins the pool:",
    `       ${examples.good}`,
    `     Propose it as ${user("operator")}: the gate passes it and the plan moves each server from a`,
    `     half of the traffic to a third. Approve it as ${user("approver")}, roll it out as ${user("operator")}, and`,
    `     watch lb-1 bake it for ${DEFAULT_DEMO_BAKE_S} s, then lb-2.`,
    "  2. A bad change, db-01 (the database) in the web pool:",
    `       ${examples.bad}`,
    `     The gate blocks it. Approve it as admin with an override, then as ${user("approver")}, and roll it`,
    "     out: lb-1 answers 502 to a quarter of its requests until its agent rolls the change",
    "     back, seconds later; the rollout halts with lb-2 untouched, and an incident opens.",
    "  The same from a shell in this directory (1 and 2 are the change ids propose prints):",
    `    export LBGUARD_SERVER=${cluster.url}`,
    ...(["operator", "approver", "admin", "viewer"] as const).map(
      (role) => `    export ${variable(role)}=${cluster.tokens[role]}`,
    ),
    as("operator", `propose ${examples.good} -m "web-03 joins the pool"`),
    as("approver", `approve 1 -m "shares as planned"`),
    as("operator", "rollout 1 --wait"),
    as("operator", `propose ${examples.bad} -m "one more server"`),
    as("admin", `approve 2 -m "rehearsal" --override "to watch the rollback"`),
    as("approver", `approve 2 -m "agreed"`),
    as("operator", "rollout 2 --wait"),
    as("viewer", "incident list"),
    "",
    "Ctrl-C stops the demo.",
  ];
  return `${lines.join("\n")}\n`;
}
