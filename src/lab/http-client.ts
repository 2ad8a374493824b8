import { request as httpRequest } from "node:http";
import { SERVED_BY_HEADER } from "./emulated-server.js";

/** One request to send through the load balancer. */
export interface LabRequest {
  /** Where to send it: `http://host:port` (a bind of the config under test). */
  target: string;
  /** Path with optional query string (default `/`). */
  path?: string;
  method?: string;
  /** The Host header (default: the target's host:port). */
  host?: string;
  /** Other request headers. */
  headers?: Record<string, string>;
  /**
   * Source address to bind the client socket to, e.g. `127.0.21.7`: on loopback every
   * 127.0.0.0/8 address is local, so this gives each request a distinct client address.
   */
  localAddress?: string;
  /** Deadline for the whole exchange, in milliseconds (default 5 000). */
  timeoutMs?: number;
}

/** What came back. */
export interface LabResponse {
  status: number;
  /** The `x-served-by` header: which emulated server answered (absent on HAProxy's own errors). */
  servedBy?: string;
}

/**
 * Sends one request on a new connection and resolves with its status and the server that
 * answered. Keep-alive is off (`agent: false`, `Connection: close`) so that every request is a
 * new connection from its own source address: HAProxy balances per request anyway, but reusing
 * a connection would tie requests to one client socket and hide `localAddress`. Rejects on a
 * transport error or when the deadline passes.
 */
export function sendRequest(req: LabRequest): Promise<LabResponse> {
  const url = new URL(req.path ?? "/", req.target);
  const timeoutMs = req.timeoutMs ?? 5_000;
  const headers: Record<string, string> = { ...req.headers, connection: "close" };
  if (req.host !== undefined) headers.host = req.host;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: req.method ?? "GET",
        headers,
        agent: false,
        localAddress: req.localAddress,
        timeout: timeoutMs,
      },
      (response) => {
        response.resume();
        response.once("end", () => {
          clearTimeout(timer);
          const servedBy = response.headers[SERVED_BY_HEADER];
          const result: LabResponse = { status: response.statusCode ?? 0 };
          if (typeof servedBy === "string") result.servedBy = servedBy;
          resolve(result);
        });
        response.once("error", fail);
      },
    );
    // `timeout` above only covers socket idleness; this bounds the whole exchange.
    const timer = setTimeout(
      () => fail(new Error(`no complete answer from ${url.href} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    function fail(error: Error): void {
      clearTimeout(timer);
      outgoing.destroy();
      reject(error);
    }
    outgoing.once("timeout", () => fail(new Error(`${url.href}: socket idle for ${timeoutMs} ms`)));
    outgoing.once("error", fail);
    outgoing.end();
  });
}

/**
 * Sends the requests one after another, each once the previous answer is complete, and
 * resolves with the answers in order. Exact pick sequences need this: with requests in
 * flight together, the order in which HAProxy sees them is up to the scheduler.
 */
export async function sendSequentially(requests: readonly LabRequest[]): Promise<LabResponse[]> {
  const responses: LabResponse[] = [];
  for (const req of requests) responses.push(await sendRequest(req));
  return responses;
}

/**
 * Sends the requests with up to `inFlight` of them outstanding at any time, each worker taking
 * the next unsent one, and resolves with the answers in the order of `requests`.
 */
export async function sendConcurrently(
  requests: readonly LabRequest[],
  inFlight: number,
): Promise<LabResponse[]> {
  const responses = new Array<LabResponse>(requests.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const index = next++;
      responses[index] = await sendRequest(requests[index] as LabRequest);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(inFlight, requests.length)) }, worker));
  return responses;
}

/**
 * Sends the requests (sequentially, or with `inFlight` outstanding) and resolves with the name
 * of the server that answered each, in order; undefined where no server did (HAProxy's 503).
 */
export async function servedBy(
  requests: readonly LabRequest[],
  options: { inFlight?: number } = {},
): Promise<(string | undefined)[]> {
  const responses =
    options.inFlight !== undefined && options.inFlight > 1
      ? await sendConcurrently(requests, options.inFlight)
      : await sendSequentially(requests);
  return responses.map((response) => response.servedBy);
}
