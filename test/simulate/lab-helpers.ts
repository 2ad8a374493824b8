import { spawnSync } from "node:child_process";
import { parseConfig } from "../../src/haproxy/parse/index.js";
import { type EmulatedServer, startEmulatedServer } from "../../src/lab/emulated-server.js";
import { haproxyBinary, type HaproxyProcess, startHaproxy } from "../../src/lab/haproxy-process.js";
import { type LabRequest, servedBy } from "../../src/lab/http-client.js";
import { predictPicks } from "../../src/simulate/pick-sequence.js";
import type { SimRequest } from "../../src/simulate/types.js";

/*
 * Addresses of this test file only, so that it can run beside other files that start servers:
 * HAProxy binds 127.0.20.1, servers listen on 127.0.20.11 and up, clients come from
 * 127.0.21.0/24, and nothing ever listens on DEAD_ADDRESS.
 */
const BIND_HOST = "127.0.20.1";
const BIND_PORT = 18200;
const SERVER_PORT = 18201;
export const TARGET = `http://${BIND_HOST}:${BIND_PORT}`;
export const DEAD_ADDRESS = "127.0.20.9:18209";

/** The address of the server at this position of a case's server list. */
function serverHost(position: number): string {
  return `127.0.20.${11 + position}`;
}

/** The i-th client address (0-based): 127.0.21.1, 127.0.21.2, ... */
export function clientAddress(i: number): string {
  return `127.0.21.${1 + i}`;
}

let haproxyVersion: string | undefined;

/**
 * The version of the HAProxy the lab runs. Throws, so that every test that needs it fails
 * rather than skips, when HAProxy cannot be run: CI installs it, so a missing binary is a
 * broken environment, not a reason to pass.
 */
export function requireHaproxy(): string {
  if (haproxyVersion !== undefined) return haproxyVersion;
  const binary = haproxyBinary();
  const run = spawnSync(binary, ["-v"], { encoding: "utf8", timeout: 5_000 });
  const version = /version (\S+)/i.exec(run.stdout ?? "")?.[1];
  if (run.error || run.status !== 0 || !version) {
    throw new Error(
      `these tests run a real HAProxy 2.6 but '${binary} -v' failed` +
        `${run.error ? ` (${run.error.message})` : ""}: install it (apt-get install -y haproxy) ` +
        "or point LBGUARD_HAPROXY at the binary",
    );
  }
  haproxyVersion = version;
  return version;
}

/** One request of a case, as the test describes it. */
export interface CaseRequest {
  /** Client source address (default: whatever the kernel picks, 127.0.0.1). */
  client?: string;
  /** Path with optional `?query` (default `/`). */
  path?: string;
  host?: string;
  /** Extra headers, lower-case names. */
  headers?: Record<string, string>;
}

/** One lab case: a backend, its servers and the requests to send. */
export interface LabCase {
  /** Lines of `backend be` other than the servers: balance, options. */
  backend: string[];
  /** `name options...` of each server in order; each gets its own loopback address. */
  servers: string[];
  /** Servers given DEAD_ADDRESS: nothing listens there. */
  dead?: string[];
  /** Wait until HAProxy's health checks mark these servers down before sending anything. */
  awaitDown?: string[];
  requests: CaseRequest[];
  /** Requests outstanding at once (default 1: sequential, each after the previous answer). */
  inFlight?: number;
  /** Delay of every emulated server, in milliseconds. */
  latencyMs?: number;
}

/** What HAProxy did and what lbguard predicted, request by request. */
export interface LabOutcome {
  config: string;
  observed: (string | undefined)[];
  predicted: (string | undefined)[];
}

/** The full haproxy.cfg of a case. */
export function caseConfig(c: LabCase): string {
  const dead = new Set(c.dead ?? []);
  const servers = c.servers.map((line, position) => {
    const [name = "", ...options] = line.split(/\s+/);
    const address = dead.has(name) ? DEAD_ADDRESS : `${serverHost(position)}:${SERVER_PORT}`;
    return `    server ${[name, address, ...options].join(" ")}`;
  });
  return [
    "global",
    // One thread: every pick happens in one scheduler, in arrival order.
    "    nbthread 1",
    "defaults",
    "    mode http",
    "    timeout connect 1s",
    "    timeout client 5s",
    "    timeout server 5s",
    "frontend fe",
    `    bind ${BIND_HOST}:${BIND_PORT}`,
    "    default_backend be",
    "backend be",
    ...c.backend.map((line) => `    ${line}`),
    ...servers,
    "",
  ].join("\n");
}

/**
 * Runs one case against a fresh HAProxy (roundrobin and random state begin when HAProxy
 * starts, so no case may inherit another's) and asks the simulator about the same requests.
 * Stops everything it started, whatever happens.
 */
export async function runCase(c: LabCase): Promise<LabOutcome> {
  requireHaproxy();
  const config = caseConfig(c);
  const dead = new Set(c.dead ?? []);
  const started: EmulatedServer[] = [];
  let haproxy: HaproxyProcess | undefined;
  try {
    for (const [position, line] of c.servers.entries()) {
      const name = line.split(/\s+/)[0] ?? "";
      if (dead.has(name)) continue;
      started.push(
        await startEmulatedServer({
          name,
          host: serverHost(position),
          port: SERVER_PORT,
          latencyMs: c.latencyMs ?? 0,
        }),
      );
    }
    haproxy = await startHaproxy({ config, statsSocket: (c.awaitDown ?? []).length > 0 });
    for (const server of c.awaitDown ?? []) await waitUntilDown(haproxy, "be", server);
    const observed = await servedBy(c.requests.map(toLabRequest), { inFlight: c.inFlight ?? 1 });
    const { model } = parseConfig([{ path: "haproxy.cfg", text: config }], { env: {} });
    const predicted = predictPicks(model, "be", c.requests.map(toSimRequest), {
      down: (c.awaitDown ?? []).map((server) => `be/${server}`),
    });
    return { config, observed, predicted };
  } finally {
    await haproxy?.stop();
    await Promise.all(started.map((server) => server.close()));
  }
}

/** Polls the runtime API until the server's operational state is 0 (stopped). */
async function waitUntilDown(haproxy: HaproxyProcess, backend: string, server: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  let last = "";
  while (Date.now() < deadline) {
    last = await haproxy.runtime(`show servers state ${backend}`);
    // Columns: be_id be_name srv_id srv_name srv_addr srv_op_state ...
    const row = last
      .split("\n")
      .map((line) => line.split(" "))
      .find((fields) => fields[1] === backend && fields[3] === server);
    if (row?.[5] === "0") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`HAProxy did not mark ${backend}/${server} down within 5 s; last state:\n${last}`);
}

function toLabRequest(r: CaseRequest): LabRequest {
  const req: LabRequest = { target: TARGET, path: r.path ?? "/" };
  if (r.client !== undefined) req.localAddress = r.client;
  if (r.host !== undefined) req.host = r.host;
  if (r.headers !== undefined) req.headers = r.headers;
  return req;
}

/** The request as HAProxy receives it from http-client: Node adds Host and Connection. */
function toSimRequest(r: CaseRequest): SimRequest {
  const [path = "/", query] = (r.path ?? "/").split(/\?(.*)/s);
  const req: SimRequest = {
    // Node connects from 127.0.0.1 when not told otherwise.
    client: r.client ?? "127.0.0.1",
    method: "GET",
    path,
    host: r.host ?? `${BIND_HOST}:${BIND_PORT}`,
    headers: { ...r.headers, connection: "close" },
  };
  if (query !== undefined) req.query = query;
  return req;
}

/** Each name's share of the list (undefined counted as "(none)"). */
export function shares(picks: readonly (string | undefined)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const pick of picks) counts[pick ?? "(none)"] = (counts[pick ?? "(none)"] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).map(([name, n]) => [name, n / picks.length]));
}

/**
 * An empty string when both lists agree; otherwise a report a person can act on: how many
 * picks differ, the first ones with their requests, both sequences from the first difference,
 * and each side's counts per server.
 */
export function disagreement(
  requests: readonly CaseRequest[],
  observed: readonly (string | undefined)[],
  predicted: readonly (string | undefined)[],
): string {
  const name = (pick: string | undefined): string => pick ?? "503";
  const differing = requests.flatMap((_, i) => (observed[i] === predicted[i] ? [] : [i]));
  if (differing.length === 0 && observed.length === predicted.length) return "";
  const first = differing[0] ?? Math.min(observed.length, predicted.length);
  const window = (picks: readonly (string | undefined)[]): string =>
    picks
      .slice(first, first + 30)
      .map(name)
      .join(" ");
  const counts = (picks: readonly (string | undefined)[]): string =>
    Object.entries(shares(picks))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([server, share]) => `${server}=${Math.round(share * picks.length)}`)
      .join(" ");
  const show = (r: CaseRequest | undefined): string =>
    [r?.client, r?.path, r?.headers ? JSON.stringify(r.headers) : undefined].filter(Boolean).join(" ") ||
    "GET /";
  return [
    `${differing.length} of ${requests.length} picks differ (HAProxy ${observed.length}, lbguard ${predicted.length} answers)`,
    ...differing
      .slice(0, 10)
      .map(
        (i) => `  #${i} ${show(requests[i])}: HAProxy ${name(observed[i])}, lbguard ${name(predicted[i])}`,
      ),
    `from #${first}, HAProxy: ${window(observed)}`,
    `from #${first}, lbguard: ${window(predicted)}`,
    `counts, HAProxy: ${counts(observed)}`,
    `counts, lbguard: ${counts(predicted)}`,
  ].join("\n");
}

/** `count` requests from the default client to `/`. */
export function plainRequests(count: number): CaseRequest[] {
  return Array.from({ length: count }, () => ({}));
}
