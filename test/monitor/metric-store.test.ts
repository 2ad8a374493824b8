import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ControlContext } from "../../src/control/control-context.js";
import {
  latestSamples,
  recordSamples,
  rollUpAndExpire,
  samplesOf,
  startMetricMaintenance,
  storeNewSamples,
} from "../../src/monitor/metric-store.js";
import type { MetricSample } from "../../src/monitor/types.js";
import { DIALECTS, openTestStore, type TestStore } from "../store/test-stores.js";
import { sample, server } from "./metric-fixtures.js";

const T0 = Date.parse("2024-05-01T12:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();
const MIN = 60_000;

/** `count` ten-second samples of `node`, the first ending at `firstAt`, each with `requests` on web-01. */
function every10s(node: string, firstAt: number, count: number, requests = 1): MetricSample[] {
  return Array.from({ length: count }, (_, i) =>
    sample(node, iso(firstAt + i * 10_000), [server("web-01", { requests, picked: requests })]),
  );
}

describe.each(DIALECTS)("the metric store on %s", (dialect) => {
  let t: TestStore;
  let now = T0;
  let ctx: ControlContext;

  beforeAll(async () => {
    t = await openTestStore(dialect);
    ctx = { store: t.store, clock: () => now };
    const created_at = iso(T0);
    await t.store.db
      .insertInto("clusters")
      .values(
        ["web", "api"].map((name) => ({
          name,
          policy: "{}",
          inventory: null,
          rps: 100,
          current_version: null,
          created_at,
        })),
      )
      .execute();
    await t.store.db
      .insertInto("nodes")
      .values(
        [
          ["web", "lb-1"],
          ["web", "lb-2"],
          ["api", "lb-1"],
        ].map(([cluster, name]) => ({
          id: `${cluster}/${name}`,
          cluster: cluster!,
          name: name!,
          desired_version: 1,
          created_at,
        })),
      )
      .execute();
  });
  afterAll(async () => t?.dispose());
  beforeEach(async () => {
    now = T0;
    await t.store.db.deleteFrom("metric_samples").execute();
    await t.store.db.deleteFrom("metric_rollups").execute();
  });

  const window = (from: number, to: number) => ({ from: iso(from), to: iso(to) });

  it("stores samples for the token's node and ignores one sent again", async () => {
    const batch = every10s("someone-else", T0 + 10_000, 3, 5);
    expect(await recordSamples(ctx, "web/lb-1", batch)).toBe(3);
    // The same instant written with an offset is the same sample; a repeat within a batch counts once.
    const again = [
      { ...batch[1]!, at: "2024-05-01T14:00:20+02:00" },
      ...every10s("lb-1", T0 + 40_000, 1, 7),
      ...every10s("lb-1", T0 + 40_000, 1, 9),
    ];
    const stored = await storeNewSamples(ctx, "web/lb-1", again);
    expect(stored.map((s) => [s.at, s.rows[0]?.requests])).toEqual([["2024-05-01T12:00:40.000Z", 7]]);

    const nodes = await samplesOf(ctx, "web", window(T0, T0 + MIN));
    expect([...nodes.keys()]).toEqual(["lb-1", "lb-2"]);
    expect(nodes.get("lb-2")).toEqual([]);
    const kept = nodes.get("lb-1") ?? [];
    expect(kept.map((s) => [s.node, s.at, s.rows[0]?.requests])).toEqual([
      ["lb-1", "2024-05-01T12:00:10.000Z", 5],
      ["lb-1", "2024-05-01T12:00:20.000Z", 5],
      ["lb-1", "2024-05-01T12:00:30.000Z", 5],
      ["lb-1", "2024-05-01T12:00:40.000Z", 7],
    ]);
    expect(kept[0]).toEqual({ ...batch[0], node: "lb-1" });
    // Another cluster's node of the same name keeps its own samples.
    expect((await samplesOf(ctx, "api", window(T0, T0 + MIN))).get("lb-1")).toEqual([]);
  });

  it("refuses samples of an unknown node, a sample without a time, and an unknown cluster", async () => {
    await expect(recordSamples(ctx, "web/lb-9", every10s("lb-9", T0, 1))).rejects.toMatchObject({
      code: "LBG_NOT_FOUND",
    });
    await expect(
      recordSamples(ctx, "web/lb-1", [{ ...every10s("lb-1", T0, 1)[0]!, at: "yesterday" }]),
    ).rejects.toMatchObject({
      code: "LBG_BAD_REQUEST",
    });
    await expect(samplesOf(ctx, "nope", window(T0, T0 + MIN))).rejects.toMatchObject({
      code: "LBG_NOT_FOUND",
    });
    await expect(samplesOf(ctx, "web", window(T0 + MIN, T0))).rejects.toMatchObject({
      code: "LBG_BAD_REQUEST",
    });
    expect(await t.store.db.selectFrom("metric_samples").selectAll().execute()).toEqual([]);
  });

  it("answers a window with rollups where the raw samples are gone and raw samples after", async () => {
    // 11:58:10 to 12:03:00, every ten seconds.
    await recordSamples(ctx, "web/lb-1", every10s("lb-1", T0 - 2 * MIN + 10_000, 30));
    now = T0 + 3 * MIN + 30_000;
    const result = await rollUpAndExpire(ctx, now, { rawMs: 2 * MIN, rollupMs: 10 * MIN });
    // Minutes 11:58 to 12:02 are complete; 12:03 is not. Raw before 12:01 is gone.
    expect(result).toEqual({ rollupsWritten: 5, samplesDeleted: 17, rollupsDeleted: 0 });

    const seen =
      (await samplesOf(ctx, "web", window(T0 - MIN + 30_000, T0 + 2 * MIN + 30_000))).get("lb-1") ?? [];
    expect(seen.map((s) => [s.at, s.intervalMs, s.rows[0]?.requests])).toEqual([
      ["2024-05-01T11:59:00.000Z", 60_000, 6],
      ["2024-05-01T12:00:00.000Z", 60_000, 6],
      ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => [iso(T0 + MIN + i * 10_000), 10_000, 1]),
    ]);
    // Rollups are not used where the raw samples are still there.
    const recent = (await samplesOf(ctx, "web", window(T0 + MIN, T0 + 4 * MIN))).get("lb-1") ?? [];
    expect(recent.every((s) => s.intervalMs === 10_000)).toBe(true);
    expect(recent).toHaveLength(13);
  });

  it("deletes exactly the minutes older than the retention and nothing else", async () => {
    await recordSamples(ctx, "web/lb-1", [
      ...every10s("lb-1", T0 - 10 * MIN, 1),
      ...every10s("lb-1", T0 + MIN - 1, 1),
      ...every10s("lb-1", T0 + MIN, 1),
      ...every10s("lb-1", T0 + 5 * MIN, 1),
    ]);
    await recordSamples(ctx, "web/lb-2", every10s("lb-2", T0 + 59_999, 1));
    now = T0 + 5 * MIN + 30_000;
    const result = await rollUpAndExpire(ctx, now, { rawMs: 4 * MIN + 30_000, rollupMs: 8 * MIN });
    // Raw cutoff: the minute of 12:01:00 → samples before 12:01:00.000 go. Rollup cutoff: the
    // minute of 11:57:30 → the 11:50 rollup goes.
    expect(result).toEqual({ rollupsWritten: 4, samplesDeleted: 3, rollupsDeleted: 1 });
    const raw = await t.store.db
      .selectFrom("metric_samples")
      .select(["node_id", "at"])
      .orderBy("at")
      .execute();
    expect(raw).toEqual([
      { node_id: "web/lb-1", at: "2024-05-01T12:01:00.000Z" },
      { node_id: "web/lb-1", at: "2024-05-01T12:05:00.000Z" },
    ]);
    const rollups = await t.store.db
      .selectFrom("metric_rollups")
      .select(["node_id", "minute"])
      .orderBy("node_id")
      .orderBy("minute")
      .execute();
    expect(rollups).toEqual([
      { node_id: "web/lb-1", minute: "2024-05-01T12:00:00.000Z" },
      { node_id: "web/lb-1", minute: "2024-05-01T12:01:00.000Z" },
      { node_id: "web/lb-2", minute: "2024-05-01T12:00:00.000Z" },
    ]);
  });

  it("changes nothing when run again, and later rolls up only the minutes completed since", async () => {
    await recordSamples(ctx, "web/lb-1", every10s("lb-1", T0 + 10_000, 12));
    now = T0 + MIN + 15_000;
    expect((await rollUpAndExpire(ctx, now)).rollupsWritten).toBe(1);
    const snapshot = async () => ({
      raw: await t.store.db.selectFrom("metric_samples").selectAll().orderBy("at").execute(),
      rollups: await t.store.db.selectFrom("metric_rollups").selectAll().orderBy("minute").execute(),
    });
    const before = await snapshot();
    expect(await rollUpAndExpire(ctx, now)).toEqual({
      rollupsWritten: 0,
      samplesDeleted: 0,
      rollupsDeleted: 0,
    });
    expect(await snapshot()).toEqual(before);

    now = T0 + 2 * MIN;
    expect((await rollUpAndExpire(ctx, now)).rollupsWritten).toBe(1);
    const minutes = (await snapshot()).rollups.map((r) => [r.minute, r.interval_ms]);
    expect(minutes).toEqual([
      ["2024-05-01T12:00:00.000Z", 50_000],
      ["2024-05-01T12:01:00.000Z", 60_000],
    ]);
  });

  it("gives each node's latest recent sample and when it was last heard from", async () => {
    await recordSamples(ctx, "web/lb-1", every10s("lb-1", T0 + 10_000, 3));
    await recordSamples(ctx, "web/lb-2", every10s("lb-2", T0 - 30 * MIN, 1));
    await t.store.db
      .updateTable("nodes")
      .set({ last_seen_at: iso(T0 + 25_000) })
      .where("id", "=", "web/lb-2")
      .execute();
    now = T0 + MIN;
    const latest = await latestSamples(ctx);
    expect(latest.map((l) => [l.cluster, l.node, l.lastSeenAt, l.sample?.at])).toEqual([
      ["api", "lb-1", undefined, undefined],
      ["web", "lb-1", "2024-05-01T12:00:30.000Z", "2024-05-01T12:00:30.000Z"],
      ["web", "lb-2", "2024-05-01T12:00:25.000Z", undefined],
    ]);
    await t.store.db.updateTable("nodes").set({ last_seen_at: null }).execute();
  });

  it("runs maintenance in the background until stopped", async () => {
    const rollupCount = async () =>
      (await t.store.db.selectFrom("metric_rollups").select("minute").execute()).length;
    const until = async (count: number) => {
      for (let waited = 0; (await rollupCount()) !== count; waited += 10) {
        if (waited > 10_000) throw new Error(`still ${await rollupCount()} rollups, not ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    await recordSamples(ctx, "web/lb-1", every10s("lb-1", T0 + 10_000, 5));
    now = T0 + 2 * MIN;
    const stop = startMetricMaintenance(ctx, { everyMs: 5 });
    try {
      await until(1);
      await recordSamples(ctx, "web/lb-1", every10s("lb-1", T0 + 2 * MIN, 3));
      now = T0 + 4 * MIN;
      await until(2);
    } finally {
      await stop();
    }
    const rollups = await t.store.db
      .selectFrom("metric_rollups")
      .select("minute")
      .orderBy("minute")
      .execute();
    expect(rollups).toEqual([{ minute: "2024-05-01T12:00:00.000Z" }, { minute: "2024-05-01T12:02:00.000Z" }]);
  });
});
