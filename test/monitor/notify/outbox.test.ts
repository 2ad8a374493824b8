import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { transact, type ControlContext } from "../../../src/control/control-context.js";
import { deliverDue, enqueueNotifications, listNotifications } from "../../../src/monitor/notify/outbox.js";
import { notificationPayload } from "../../../src/monitor/notify/payloads.js";
import { postJson } from "../../../src/monitor/notify/webhook.js";
import { monitorMetrics } from "../../../src/monitor/prometheus.js";
import { openStore } from "../../../src/store/database.js";
import { DIALECTS, openTestStore, type TestStore } from "../../store/test-stores.js";
import {
  firingAlert,
  notificationEvents,
  receiver,
  startReceiver,
  storeAlert,
  type TestReceiver,
} from "./notify-fixtures.js";

const T0 = Date.parse("2025-03-01T10:01:00.000Z");
const at = (ms: number): string => new Date(T0 + ms).toISOString();
const links = { dashboard: "https://lbguard.example/alerts/1" };

describe.each(DIALECTS)("notification outbox on %s", (dialect) => {
  let t: TestStore;
  let ctx: ControlContext;
  let now: number;
  let hook: TestReceiver | undefined;

  beforeEach(async () => {
    t = await openTestStore(dialect);
    now = T0;
    ctx = { store: t.store, clock: () => now };
  });

  afterEach(async () => {
    await hook?.close();
    hook = undefined;
    await t.dispose();
  });

  it("delivers on the third attempt to a receiver that fails twice, recording each failure", async () => {
    hook = await startReceiver((_, index) =>
      index < 2 ? { status: 500, body: "upstream down" } : { status: 204 },
    );
    const ops = receiver("ops", hook.url);
    const alert = await storeAlert(ctx, firingAlert());
    await transact(ctx, (trx) => enqueueNotifications(trx, alert, "firing", [ops], at(0), links));
    const outcomes: string[] = [];
    const deliver = () =>
      deliverDue(ctx, (url, body) => postJson(url, body), {
        receivers: [ops],
        metrics: { countNotification: (name, outcome) => outcomes.push(`${name} ${outcome}`) },
      });

    expect((await deliver()).map((r) => r.outcome)).toEqual(["retried"]);
    // The first retry waits 1 s: nothing is due before.
    now = T0 + 500;
    expect(await deliver()).toEqual([]);
    now = T0 + 1000;
    expect((await deliver()).map((r) => r.outcome)).toEqual(["retried"]);
    now = T0 + 2500;
    expect(await deliver()).toEqual([]);
    now = T0 + 3000;
    expect((await deliver()).map((r) => r.outcome)).toEqual(["delivered"]);
    expect(await deliver()).toEqual([]);

    expect(outcomes).toEqual(["ops retried", "ops retried", "ops delivered"]);
    expect(hook.bodies).toHaveLength(3);
    const expected = notificationPayload(alert, "firing", ops, links);
    for (const body of hook.bodies) expect(JSON.parse(body)).toEqual(expected);

    const [stored] = await listNotifications(ctx, { alert: alert.id });
    expect(stored).toMatchObject({ alert: alert.id, receiver: "ops", state: "delivered", attempts: 3 });
    expect(stored?.deliveredAt).toBe(at(3000));
    expect(stored?.payload).toEqual(expected);

    const events = await notificationEvents(ctx);
    expect(events.map((e) => [e.type, e.data.attempts, e.data.final])).toEqual([
      ["notification.failed", 1, false],
      ["notification.failed", 2, false],
      ["notification.delivered", 3, undefined],
    ]);
    for (const event of events) {
      expect(event).toMatchObject({ cluster: "web", subject: `alert:${alert.id}` });
      expect(event.data).toMatchObject({ receiver: "ops", status: "firing" });
    }
    expect(events[0]?.data.error).toMatch(/HTTP 500: upstream down/);
    expect(events[0]?.data.nextAttemptAt).toBe(at(1000));
  });

  it("marks a notification failed after maxAttempts, records the final failure and counts it", async () => {
    hook = await startReceiver(() => ({ status: 503, body: "maintenance" }));
    // Its own name: the process's metrics are shared by both dialects' runs.
    const ops = receiver(`ops-${dialect}`, hook.url);
    const alert = await storeAlert(ctx, firingAlert());
    await enqueueNotifications(t.store.db, alert, "firing", [ops], at(0), links);
    const options = { receivers: [ops], maxAttempts: 3, backoff: () => 60_000 };
    const send = (url: string, body: unknown) => postJson(url, body);

    for (let attempt = 0; attempt < 3; attempt++) {
      now = T0 + attempt * 60_000;
      expect(await deliverDue(ctx, send, options)).toHaveLength(1);
    }
    now = T0 + 10 * 60_000;
    expect(await deliverDue(ctx, send, options)).toEqual([]);
    expect(hook.bodies).toHaveLength(3);

    const [stored] = await listNotifications(ctx);
    expect(stored).toMatchObject({ state: "failed", attempts: 3 });
    expect(stored?.lastError).toMatch(/HTTP 503: maintenance/);
    // The webhook's path can be a secret: errors name the host only.
    expect(stored?.lastError).not.toContain("secret-part");
    const events = await notificationEvents(ctx);
    expect(events.map((e) => [e.type, e.data.final])).toEqual([
      ["notification.failed", false],
      ["notification.failed", false],
      ["notification.failed", true],
    ]);
    const exposition = await monitorMetrics.exposition();
    const counted = (outcome: string) =>
      `lbguard_notifications_total{receiver="ops-${dialect}",outcome="${outcome}"}`;
    expect(exposition).toContain(`${counted("retried")} 2`);
    expect(exposition).toContain(`${counted("failed")} 1`);
  });

  it("keeps retrying, not dropping, a notification whose receiver left the configuration", async () => {
    const alert = await storeAlert(ctx, firingAlert());
    await enqueueNotifications(t.store.db, alert, "firing", [receiver("gone", "http://127.0.0.1:9/")], at(0));
    const sent: string[] = [];
    const [result] = await deliverDue(ctx, async (url) => void sent.push(url), { receivers: [] });
    expect(sent).toEqual([]);
    expect(result).toMatchObject({
      outcome: "retried",
      error: "no receiver named 'gone' is configured now",
    });
  });

  it("lets another replica take a notification whose claim ran out, and drops the late outcome", async () => {
    const ops = receiver("ops", "http://127.0.0.1:9/ops");
    const alert = await storeAlert(ctx, firingAlert());
    await enqueueNotifications(t.store.db, alert, "firing", [ops], at(0));
    const sends: string[] = [];
    let late: Awaited<ReturnType<typeof deliverDue>> = [];
    // The first replica stalls in its send past its 1 s claim; meanwhile the second takes over.
    const stalled = await deliverDue(
      ctx,
      async () => {
        sends.push("first");
        late = await deliverDue(ctx, async () => void sends.push("second"), {
          receivers: [ops],
          now: at(1500),
        });
        throw new Error("the first replica's receiver timed out");
      },
      { receivers: [ops], now: at(0), leaseMs: 1000 },
    );
    expect(sends).toEqual(["first", "second"]);
    expect(late.map((r) => r.outcome)).toEqual(["delivered"]);
    expect(stalled).toEqual([]);
    const [stored] = await listNotifications(ctx);
    expect(stored).toMatchObject({ state: "delivered", attempts: 1 });
    expect((await notificationEvents(ctx)).map((e) => e.type)).toEqual(["notification.delivered"]);
  });

  it("queues only for receivers whose minimum severity the alert meets, and none while silenced", async () => {
    const receivers = [
      receiver("pager", "http://127.0.0.1:9/p", { minSeverity: "critical" }),
      receiver("ops", "http://127.0.0.1:9/o", { minSeverity: "warning" }),
      receiver("all", "http://127.0.0.1:9/a", { minSeverity: "info" }),
    ];
    const warning = await storeAlert(ctx, firingAlert({ severity: "warning", fingerprint: "w" }));
    const critical = await storeAlert(ctx, firingAlert({ severity: "critical", fingerprint: "c" }));
    const info = await storeAlert(ctx, firingAlert({ severity: "info", fingerprint: "i" }));
    const silenced = await storeAlert(ctx, firingAlert({ fingerprint: "s", silencedBy: 4 }));
    for (const alert of [warning, critical, info, silenced]) {
      await enqueueNotifications(t.store.db, alert, "firing", receivers, at(0));
    }
    const receiversOf = async (alert: number) =>
      (await listNotifications(ctx, { alert })).map((n) => n.receiver).sort();
    expect(await receiversOf(critical.id)).toEqual(["all", "ops", "pager"]);
    expect(await receiversOf(warning.id)).toEqual(["all", "ops"]);
    expect(await receiversOf(info.id)).toEqual(["all"]);
    expect(await receiversOf(silenced.id)).toEqual([]);
  });

  it("stores nothing when the alert's transaction rolls back", async () => {
    const alert = await storeAlert(ctx, firingAlert());
    await expect(
      transact(ctx, async (trx) => {
        await enqueueNotifications(trx, alert, "firing", [receiver("ops", "http://127.0.0.1:9/")], at(0));
        throw new Error("the alert update failed");
      }),
    ).rejects.toThrow();
    expect(await listNotifications(ctx)).toEqual([]);
  });
});

describe("notification outbox shared by two replicas on PostgreSQL", () => {
  it("sends each notification once when two replicas deliver at the same time", async () => {
    const t = await openTestStore("postgres");
    const replica = await openStore({ database: t.database });
    try {
      const clock = () => T0;
      const a: ControlContext = { store: t.store, clock };
      const b: ControlContext = { store: replica, clock };
      const receivers = Array.from({ length: 4 }, (_, i) => receiver(`r${i}`, `http://127.0.0.1:9/${i}`));
      for (let i = 0; i < 10; i++) {
        const alert = await storeAlert(a, firingAlert({ fingerprint: `f${i}` }));
        await enqueueNotifications(t.store.db, alert, "firing", receivers, at(0));
      }
      const sends = new Map<string, number>();
      const send = async (url: string, body: unknown) => {
        const key = `${url} ${(body as { alert: { id: number } }).alert.id}`;
        sends.set(key, (sends.get(key) ?? 0) + 1);
        // Long enough for the other replica's claim to overlap this one's sends.
        await new Promise((resolve) => setTimeout(resolve, 5));
      };
      const drain = async (ctx: ControlContext) => {
        let delivered = 0;
        for (;;) {
          const results = await deliverDue(ctx, send, { receivers, batch: 3 });
          if (results.length === 0) return delivered;
          delivered += results.length;
        }
      };
      const [byA, byB] = await Promise.all([drain(a), drain(b)]);

      expect(byA + byB).toBe(40);
      expect(sends.size).toBe(40);
      expect([...sends].filter(([, count]) => count !== 1)).toEqual([]);
      const stored = await listNotifications(a);
      expect(stored.every((n) => n.state === "delivered" && n.attempts === 1)).toBe(true);
      expect((await notificationEvents(a)).filter((e) => e.type === "notification.delivered")).toHaveLength(
        40,
      );
    } finally {
      await replica.close();
      await t.dispose();
    }
  });
});
