import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ControlContext } from "../../../src/control/control-context.js";
import { startNotifier, type Notifier } from "../../../src/monitor/notify/notifier.js";
import { enqueueNotifications, listNotifications } from "../../../src/monitor/notify/outbox.js";
import { until } from "../../helpers.js";
import { openTestStore, type TestStore } from "../../store/test-stores.js";
import { firingAlert, receiver, startReceiver, storeAlert, type TestReceiver } from "./notify-fixtures.js";

describe("notifier", () => {
  let t: TestStore;
  let ctx: ControlContext;
  let hook: TestReceiver;
  let notifier: Notifier | undefined;

  beforeEach(async () => {
    t = await openTestStore("sqlite");
    ctx = { store: t.store, clock: Date.now };
    hook = await startReceiver(() => ({ status: 200 }));
  });

  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    await hook.close();
    await t.dispose();
  });

  it("delivers as soon as it is kicked, draining a backlog larger than one batch", async () => {
    const receivers = [receiver("ops", hook.url), receiver("team", hook.url)];
    // An hour between rounds: only the kick can make it deliver within the test.
    let rounds = 0;
    const configured = () => (rounds++, receivers);
    notifier = startNotifier(ctx, { receivers: configured, everyMs: 3_600_000, batch: 2 });
    await until("the first, empty round", 20_000, async () => rounds > 0, 20);
    for (let i = 0; i < 3; i++) {
      const alert = await storeAlert(ctx, firingAlert({ fingerprint: `f${i}` }));
      await enqueueNotifications(t.store.db, alert, "firing", receivers, new Date().toISOString());
    }
    notifier.kick();
    // The receiver sees a post before the outbox row is marked, so wait on the rows.
    const delivered = async () => (await listNotifications(ctx)).filter((n) => n.state === "delivered");
    await until(
      "six notifications to be delivered",
      20_000,
      async () => (await delivered()).length === 6,
      20,
    );
    expect(hook.bodies).toHaveLength(6);
  });

  it("reads the receivers afresh each round and stops when asked", async () => {
    let receivers = [receiver("ops", "http://127.0.0.1:9/old")];
    const errors: unknown[] = [];
    notifier = startNotifier(ctx, {
      receivers: () => receivers,
      everyMs: 10,
      onError: (e) => errors.push(e),
    });
    receivers = [receiver("ops", hook.url)];
    const alert = await storeAlert(ctx, firingAlert());
    await enqueueNotifications(t.store.db, alert, "firing", receivers, new Date().toISOString());
    await until(
      "the notification to be posted to the new URL",
      20_000,
      async () => hook.bodies.length === 1,
      20,
    );
    await notifier.stop();
    notifier = undefined;
    expect(errors).toEqual([]);
  });
});
