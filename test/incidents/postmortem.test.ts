import { beforeAll, describe, expect, it } from "vitest";
import type { LbguardError } from "../../src/errors.js";
import { draftPostmortem, renderPostmortemMarkdown } from "../../src/incidents/postmortem.js";
import type { PostmortemInput, RootCause, TimelineEntry } from "../../src/incidents/types.js";
import type { Suspect } from "../../src/monitor/types.js";
import { IMPACT, seed003Input } from "./postmortem-fixture.js";

let input: PostmortemInput;
beforeAll(async () => {
  input = await seed003Input();
});

/** The input with some fields replaced. */
const withInput = (changes: Partial<PostmortemInput>): PostmortemInput => ({ ...input, ...changes });

const SUSPECT: Suspect = {
  kind: "version",
  ref: "apply:9c1e",
  at: "2026-11-21T10:00:03.000Z",
  actor: "drill",
  node: "lb-1",
  summary: "after.cfg of seed-003-database-in-pool",
  touches: { servers: ["web/db-01"], backends: ["web"], frontends: [] },
  rollback: "lbguard apply /var/lib/lbguard/versions/previous.cfg",
  score: 1,
  reasons: [],
};

describe("draftPostmortem", () => {
  it("keeps the sections of the seeds, in their order", () => {
    const markdown = renderPostmortemMarkdown(draftPostmortem(input));
    const headings = markdown.split("\n").filter((l) => l.startsWith("#"));
    expect(headings).toEqual([
      "# Postmortem: 5xx on backend web after version 7",
      "## Issue Summary",
      "## Timeline",
      "## Root Cause and Resolution",
      "## Corrective and Preventative Measures",
      "## Tasks",
    ]);
    const summary = markdown.split("## Issue Summary")[1]?.split("## Timeline")[0] ?? "";
    expect(
      summary
        .trim()
        .split("\n")
        .map((l) => l.split(":")[0]),
    ).toEqual(["- **Duration**", "- **Impact**", "- **Root Cause**"]);
  });

  it("writes the duration in UTC by default, naming the zone", () => {
    const doc = draftPostmortem(input);
    expect(doc.summary).toMatchObject({
      duration: "2026-11-21 10:00:03 to 10:02:00 UTC (1 min 57 s)",
      start: IMPACT.from,
      end: IMPACT.to,
      timeZone: "UTC",
    });
  });

  it("writes the duration and the timeline in another time zone, New York's", () => {
    const doc = draftPostmortem(withInput({ timeZone: "America/New_York" }));
    expect(doc.summary.duration).toBe("2026-11-21 05:00:03 to 05:02:00 EST (1 min 57 s)");
    expect(doc.summary.timeZone).toBe("America/New_York");
    const markdown = renderPostmortemMarkdown(doc);
    expect(markdown).toContain("- **05:00:03.120 EST** — lb-1 applied version 7 (apply 4f2a9c)");
    expect(markdown).toContain("- **04:58:40.000 EST** — alice proposed change 12");
  });

  it("names both zones when daylight saving time starts during the incident", () => {
    const impact = {
      ...IMPACT,
      from: "2026-03-08T06:59:50.000Z",
      to: "2026-03-08T07:00:10.000Z",
      durationS: 20,
    };
    const doc = draftPostmortem(withInput({ impact, timeZone: "America/New_York" }));
    expect(doc.summary.duration).toBe("2026-03-08 01:59:50 EST to 03:00:10 EDT (20 s)");
  });

  it("writes the end's date when the incident crosses midnight, and says when it is still open", () => {
    const impact = { ...IMPACT, from: "2026-11-21T23:59:30.000Z", to: "2026-11-22T01:30:00.000Z" };
    const { resolvedAt: _, ...open } = input.incident;
    const doc = draftPostmortem(withInput({ impact, incident: open }));
    expect(doc.summary.duration).toBe(
      "2026-11-21 23:59:30 to 2026-11-22 01:30:00 UTC (1 h 31 min so far, still open)",
    );
    expect(doc.resolution).toContain("The incident is still open.");
  });

  it("refuses a time zone that does not exist", () => {
    expect(() => draftPostmortem(withInput({ timeZone: "Mars/Olympus_Mons" }))).toThrow(
      expect.objectContaining({ code: "LBG_BAD_REQUEST" }) as LbguardError,
    );
  });

  it("keeps the timeline as given and writes its times to the millisecond", () => {
    const timeline: TimelineEntry[] = [
      {
        at: "2026-11-21T10:00:03.007Z",
        kind: "apply",
        text: "lb-1 applied version 7",
        source: { type: "agent.apply.reloaded", seq: 7 },
      },
      {
        at: "2026-11-21T10:00:03.999Z",
        kind: "detection",
        text: "bake breach",
        source: { type: "agent.bake.breach" },
      },
    ];
    const doc = draftPostmortem(withInput({ timeline }));
    expect(doc.timeline).toEqual(timeline);
    const lines = renderPostmortemMarkdown(doc)
      .split("\n")
      .filter((l) => l.startsWith("- **10:"));
    expect(lines).toEqual([
      "- **10:00:03.007 UTC** — lb-1 applied version 7",
      "- **10:00:03.999 UTC** — bake breach",
    ]);
  });

  it("names the change, its author, its reviewers, the override and the node in the root cause", () => {
    const doc = draftPostmortem(input);
    expect(doc.rootCause?.change).toEqual({
      id: 12,
      author: "alice",
      reviewers: ["bob", "carol"],
      message: "add db-01 to the web pool for the | migration",
      override: "the inventory still lists db-01 as a database",
    });
    expect(doc.summary.rootCause).toBe(
      'version 7 ("add db-01 to the web pool for the | migration", change 12) by alice, approved by bob and carol' +
        ' over the gate\'s block ("the inventory still lists db-01 as a database"), applied to lb-1 at 10:00:03 UTC' +
        " (added web/db-01 to backend web, whose 5xx ratio the alert names)",
    );
  });

  it("calls a drill's change the forced change applied by drill", () => {
    const rootCause: RootCause = { suspect: SUSPECT, diff: "", planExcerpt: [], forced: true };
    const doc = draftPostmortem(withInput({ rootCause }));
    expect(doc.summary.rootCause).toBe(
      'the forced change "after.cfg of seed-003-database-in-pool" applied by drill to lb-1 at 10:00:03 UTC, with the gate skipped',
    );
    expect(doc.measures.map((m) => m.source)).toContain("root-cause:forced");
  });

  it("names a change without a change record by its own summary", () => {
    const suspect: Suspect = {
      ...SUSPECT,
      kind: "runtime-operation",
      ref: "node:web/lb-1",
      actor: "bob",
      summary: "weight of web/web-02 set to 50 by bob",
      reasons: ["changed the weight of web/web-02, the server the alert names"],
    };
    const doc = draftPostmortem(withInput({ rootCause: { suspect, diff: "", planExcerpt: [] } }));
    expect(doc.summary.rootCause).toBe(
      "weight of web/web-02 set to 50 by bob, carried out on lb-1 at 10:00:03 UTC (changed the weight of web/web-02, the server the alert names)",
    );
  });

  it("names a hand change by its node", () => {
    const suspect: Suspect = {
      ...SUSPECT,
      kind: "hand-change",
      ref: "node:web/lb-2",
      actor: "unknown",
      node: "lb-2",
      summary: "weight of web/web-01 set to 0",
    };
    const doc = draftPostmortem(withInput({ rootCause: { suspect, diff: "", planExcerpt: [] } }));
    expect(doc.summary.rootCause).toBe(
      "a change made by hand outside lbguard on lb-2 (weight of web/web-01 set to 0), seen at 10:00:03 UTC",
    );
  });

  it("says the cause is not identified when no change explains the incident, quoting what opened it", () => {
    const { rootCause: _, ...rest } = input;
    const doc = draftPostmortem(rest);
    expect(doc.rootCause).toBeUndefined();
    expect(doc.summary.rootCause).toBe(
      'not identified: no recorded change of the load balancer explains the alert error-ratio-high ("backend web: 33.6% of responses were 5xx")',
    );
    const markdown = renderPostmortemMarkdown(doc);
    expect(markdown).not.toContain("```diff");
    expect(markdown).toContain("**Root Cause**: Not identified: no recorded change");
  });

  it("states the impact with one decimal, the counts, the peak and what was affected", () => {
    expect(draftPostmortem(input).summary.impact).toBe(
      "2.1% of requests failed (296 of 14,026), with a peak error rate of 33.6%." +
        " Backends affected: web (296 failed, 2.1%). Servers affected: web/db-01 (296 response errors: it does not speak HTTP).",
    );
    const idle = {
      ...IMPACT,
      requests: 0,
      failed: 0,
      failedPct: 0,
      peakErrorPct: 0,
      affectedBackends: [],
      affectedServers: [],
    };
    expect(draftPostmortem(withInput({ impact: idle })).summary.impact).toMatch(/^No requests were recorded/);
  });

  it("resolves with the rollbacks and the resolution recorded, with their times", () => {
    expect(draftPostmortem(input).resolution).toBe(
      "At 10:00:10.400 UTC: lb-1 rolled back version 7 to version 6 (apply 4f2a9c)." +
        " At 10:02:00.000 UTC: alice resolved incident 3: db-01 stays out of the template.",
    );
  });

  it("lists the measures' tasks, then a load test, the alert thresholds, the way back and a drill", () => {
    const doc = draftPostmortem(input);
    expect(doc.measures.map((m) => m.source)).toEqual([
      "finding:non-web-server-in-pool,traffic/non-web-server",
      "policy:single-node",
      "policy:drift-report",
      "policy:no-bake-window",
      "policy:gate-overridden",
    ]);
    expect(doc.tasks.slice(0, 5).map((t) => t.split(" ").slice(0, 3).join(" "))).toEqual([
      "Take server web/db-01",
      "Add a second",
      "Set the drift",
      "Set a bake",
      "Require a second",
    ]);
    expect(doc.tasks.slice(5)).toEqual([
      "Load-test backend web at peak traffic with the corrected configuration ('lbguard loadtest'), and keep the figures with this postmortem.",
      "Review the alert thresholds and their 'for' durations: the first sign came 6 s after the change.",
      "Check that the way back works and is written down: lbguard rollback --cluster web --to 6",
      "Replay this change as a drill scenario ('lbguard drill run'), so that the gate's verdict on it is checked on every release.",
    ]);
    const markdown = renderPostmortemMarkdown(doc);
    expect(markdown.split("\n").filter((l) => l.startsWith("- [ ] "))).toHaveLength(doc.tasks.length);
    expect(doc.generatedAt).toBe(input.now);
  });
});

describe("renderPostmortemMarkdown", () => {
  it("puts the diff in a diff block and the plan lines under the root cause", () => {
    const markdown = renderPostmortemMarkdown(draftPostmortem(input));
    const section = markdown.split("## Root Cause and Resolution")[1]?.split("## Corrective")[0] ?? "";
    expect(section).toContain("```diff\n--- version 6\n+++ version 7\n");
    expect(section).toContain("+    server db-01 127.0.10.3:13306 check\n```");
    expect(section).toContain("- server web/db-01 added: 33.3% of backend web's requests (was 0%), 40 req/s");
    expect(section).toContain("To undo it: `lbguard rollback --cluster web --to 6`");
  });

  it("escapes text from events and configurations so that it cannot break the layout", () => {
    const timeline: TimelineEntry[] = [
      {
        at: "2026-11-21T10:00:03.120Z",
        kind: "note",
        text: "# not a heading | *bold* <script>alert(1)</script> [link](http://x) `tick`\n- not an item",
        source: { type: "incident.note" },
      },
      {
        at: "2026-11-21T10:00:04.000Z",
        kind: "note",
        text: "1. not a list",
        source: { type: "incident.note" },
      },
    ];
    const rootCause: RootCause = {
      ...input.rootCause!,
      suspect: { ...input.rootCause!.suspect, rollback: "echo `date` | tee x" },
      diff: "--- a\n+++ b\n@@ -1 +1 @@\n-# ```\n+# ````\n",
    };
    const markdown = renderPostmortemMarkdown(
      draftPostmortem(
        withInput({ timeline, rootCause, incident: { ...input.incident, title: "web_01 *down*\n# again" } }),
      ),
    );
    expect(markdown.split("\n")[0]).toBe("# Postmortem: web\\_01 \\*down\\* # again");
    expect(markdown).toContain(
      "- **10:00:03.120 UTC** — \\# not a heading \\| \\*bold\\* \\<script\\>alert(1)\\</script\\> \\[link\\](http://x) \\`tick\\` - not an item",
    );
    expect(markdown).toContain("- **10:00:04.000 UTC** — 1\\. not a list");
    expect(markdown).toContain("`````diff\n--- a\n+++ b\n@@ -1 +1 @@\n-# ```\n+# ````\n`````");
    expect(markdown).toContain("To undo it: ``echo `date` | tee x``");
    expect(markdown).toContain('"add db-01 to the web pool for the \\| migration"');
  });
});
