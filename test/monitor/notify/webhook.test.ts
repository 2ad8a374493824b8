import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LbguardError } from "../../../src/errors.js";
import { postJson } from "../../../src/monitor/notify/webhook.js";
import { startReceiver, type TestReceiver } from "./notify-fixtures.js";

const open: TestReceiver[] = [];
async function receiverThat(...args: Parameters<typeof startReceiver>): Promise<TestReceiver> {
  const started = await startReceiver(...args);
  open.push(started);
  return started;
}

afterEach(async () => {
  for (const receiver of open.splice(0)) await receiver.close();
});

async function failure(promise: Promise<unknown>): Promise<LbguardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LbguardError);
  expect((error as LbguardError).code).toBe("LBG_WEBHOOK_FAILED");
  return error as LbguardError;
}

describe("postJson", () => {
  it("posts the body as JSON and resolves on a 2xx answer", async () => {
    const hook = await receiverThat(() => ({ status: 200, body: "ok" }));
    await postJson(hook.url, { version: 1, text: "é <b>" });
    expect(hook.bodies).toEqual(['{"version":1,"text":"é <b>"}']);
    expect(hook.contentTypes).toEqual(["application/json"]);
  });

  it("rejects a non-2xx answer with its status and the start of its body, naming only the host", async () => {
    const hook = await receiverThat(() => ({ status: 500, body: `internal\n error ${"x".repeat(1000)}` }));
    const error = await failure(postJson(hook.url, {}));
    expect(error.message).toMatch(/^the webhook at 127\.0\.0\.1:\d+ failed: HTTP 500: internal error x+…$/);
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).not.toContain("secret-part");
  });

  it("does not follow a redirect to another host", async () => {
    const elsewhere = await receiverThat(() => ({ status: 200 }));
    const hook = await receiverThat(() => ({ status: 307, headers: { location: elsewhere.url } }));
    const error = await failure(postJson(hook.url, { a: 1 }));
    expect(error.message).toContain(`HTTP 307: redirected to ${new URL(elsewhere.url).host}`);
    expect(elsewhere.bodies).toEqual([]);
  });

  it("gives up on a receiver that does not answer in time", async () => {
    const hook = await receiverThat(() => "hang");
    const error = await failure(postJson(hook.url, {}, { timeoutMs: 100 }));
    expect(error.message).toContain("no answer within 100 ms");
  });

  it("names the socket error when nothing listens", async () => {
    // A port that was just free: listen, note it, close.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const error = await failure(postJson(`http://127.0.0.1:${port}/hook`, {}));
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("refuses a URL that is not http or https", async () => {
    const error = await failure(postJson("file:///etc/passwd", {}));
    expect(error.message).toContain("only http:// and https://");
  });
});
