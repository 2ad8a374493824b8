// Steady HTTP load for the VRRP netns test, run inside the client namespace:
//   ip netns exec NS node netns-load-client.mjs URL OUT_FILE [RPS] [TIMEOUT_MS]
// It sends RPS requests per second to URL, each on a new connection (so every request finds
// the VIP wherever it is now), and appends one JSON line per finished request to OUT_FILE:
//   {"sent":ms,"done":ms,"ok":true,"status":200,"by":"web1","lb":"lb-1"}
//   {"sent":ms,"done":ms,"ok":false,"error":"ECONNREFUSED"}
// `by` is the web server (x-served-by), `lb` the load balancer (x-lb, set by the test's
// haproxy.cfg). Times are wall-clock milliseconds, comparable with the test's own clock. A
// request not answered within TIMEOUT_MS is a failure ("timeout"). SIGTERM stops the sending,
// waits for the requests in flight and writes a last {"end":ms} line.
import { openSync, writeSync } from "node:fs";
import { request } from "node:http";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { clearTimeout, setTimeout } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";

const [url, out, rpsText = "100", timeoutText = "2000"] = process.argv.slice(2);
if (!url || !out) {
  process.stderr.write("usage: netns-load-client.mjs URL OUT_FILE [RPS] [TIMEOUT_MS]\n");
  process.exit(2);
}
const rps = Number(rpsText);
const timeoutMs = Number(timeoutText);
const fd = openSync(out, "a");
const now = () => Math.round((performance.timeOrigin + performance.now()) * 10) / 10;
const line = (record) => writeSync(fd, `${JSON.stringify(record)}\n`);

/** One request on a new connection; resolves with its record, never rejects. */
function send() {
  const sent = now();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (fields) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      outgoing.destroy();
      resolve({ sent, done: now(), ...fields });
    };
    const outgoing = request(url, { agent: false, headers: { connection: "close" } }, (response) => {
      response.resume();
      response.once("end", () => {
        const status = response.statusCode ?? 0;
        finish({
          ok: status >= 200 && status < 300,
          status,
          by: response.headers["x-served-by"],
          lb: response.headers["x-lb"],
        });
      });
      response.once("error", (error) => finish({ ok: false, error: error.code ?? error.message }));
    });
    const timer = setTimeout(() => finish({ ok: false, error: "timeout" }), timeoutMs);
    outgoing.once("error", (error) => finish({ ok: false, error: error.code ?? error.message }));
    outgoing.end();
  });
}

let stopping = false;
process.once("SIGTERM", () => (stopping = true));
const inFlight = new Set();

const start = now();
line({ start, url, rps, timeoutMs });
// Requests are due on a fixed schedule; a late tick (a busy machine) sends what is due at once,
// so the rate holds on average.
for (let sentCount = 0; !stopping;) {
  const due = Math.floor(((now() - start) * rps) / 1000) + 1;
  for (; sentCount < due; sentCount++) {
    const pending = send().then(line);
    inFlight.add(pending);
    void pending.finally(() => inFlight.delete(pending));
  }
  await sleep(Math.max(1, start + (sentCount * 1000) / rps - now()));
}
await Promise.allSettled([...inFlight]);
line({ end: now() });
process.exit(0);
