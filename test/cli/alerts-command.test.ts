import { beforeAll, describe, expect, it } from "vitest";
import { matchersOption } from "../../src/cli/silence-command.js";
import { ApiClient } from "../../src/client/api-client.js";
import type { StoredEvent } from "../../src/control/api-types.js";
import type { Alert, Silence } from "../../src/monitor/types.js";
import { insertAlert, suspect } from "../server/alert-rows.js";
import { BEFORE_CFG } from "../server/test-server.js";
import { HOSTILE, HOSTILE_SHOWN } from "./control-fixtures.js";
import { serveForCli } from "./served-cli.js";

/**
 * `lbguard alerts` and `lbguard silence` through `main([...])` against a real `lbguard serve`
 * (SQLite in a temporary directory). The alert rows are written straight into its store, as the
 * evaluator would write them.
 */

const cli = serveForCli("lbguard-alerts-cli-", { host: "127.0.0.1", port: 18720 });
const { tokens, lbguard } = cli;
const alerts: Record<"firing" | "pending" | "resolved", number> = { firing: 0, pending: 0, resolved: 0 };

beforeAll(async () => {
  const admin = new ApiClient({ server: cli.server.url, token: tokens.admin });
  await admin.createCluster({ name: "web", config: BEFORE_CFG });
  for (const [name, role] of [
    ["vera", "viewer"],
    ["oscar", "operator"],
  ] as const) {
    await admin.createUser({ name, role });
    tokens[name] = (await admin.createToken({ user: name })).token;
  }
  const db = cli.server.store.db;
  alerts.resolved = await insertAlert(db, {
    state: "resolved",
    rule: "server-down",
    labels: { backend: "web", server: "web-01" },
  });
  alerts.firing = await insertAlert(db, {
    state: "firing",
    labels: { node: "lb-1", backend: "web" },
    firedAt: "2025-03-01T10:01:00.000Z",
    summary: HOSTILE,
    silencedBy: 3,
    suspects: [
      suspect(),
      suspect({
        ref: "change:4",
        summary: "drain web/web-01 by bob",
        rollback: "lbguard server enable web/web-01",
        score: 0.5,
      }),
      suspect({
        ref: "node:web/lb-1",
        kind: "hand-change",
        summary: "hand change on lb-1",
        rollback: "lbguard agent --once",
        score: 0.3,
      }),
      suspect({ ref: "version:1", summary: "version 1", score: 0.1 }),
    ],
  });
  alerts.pending = await insertAlert(db, {
    state: "pending",
    rule: "imbalance",
    activeAt: "2025-03-01T10:02:00.000Z",
  });
});

describe("lbguard alerts", () => {
  it("lists open alerts as a table, with the firing one's best suspects and how to undo them", async () => {
    const listed = await lbguard("vera", "alerts");
    expect(listed.code).toBe(0);
    const lines = listed.stdout.split("\n");
    expect(lines[0]).toMatch(/^id\s+state\s+severity\s+rule\s+labels\s+since\s+summary$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^#${alerts.pending}\\s+pending\\s+critical\\s+imbalance\\s+backend=web\\s+2025-03-01 10:02:00\\s+backend web: 42.5%`,
      ),
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^#${alerts.firing}\\s+firing\\s+critical\\s+error-ratio-high\\s+node=lb-1 backend=web\\s+2025-03-01 10:01:00\\s+`,
      ),
    );
    expect(lines[2]).toContain(HOSTILE_SHOWN);
    expect(listed.stdout).not.toContain(HOSTILE);
    expect(listed.stdout).not.toContain("server-down");
    expect(listed.stdout).toContain(
      [
        `Suspects for #${alerts.firing} error-ratio-high`,
        '  1. score 0.90  version 2: "weights for the new servers" by alice  (version:2, 2025-03-01 09:58:00 on lb-1)',
        "     rollback: lbguard rollback --cluster web --to 1",
        "  2. score 0.50  drain web/web-01 by bob  (change:4, 2025-03-01 09:58:00 on lb-1)",
        "     rollback: lbguard server enable web/web-01",
        "  3. score 0.30  hand change on lb-1  (node:web/lb-1, 2025-03-01 09:58:00 on lb-1)",
        "     rollback: lbguard agent --once",
        `  … 1 more: lbguard alerts show ${alerts.firing}`,
      ].join("\n"),
    );
  });

  it("filters by state and cluster, and prints the server's answer with --json", async () => {
    const all = await lbguard("vera", "alerts", "--state", "all", "--json");
    expect(all.json<Alert[]>().map((a) => a.id)).toEqual([alerts.pending, alerts.firing, alerts.resolved]);
    const resolved = await lbguard("vera", "alerts", "--state", "resolved", "--cluster", "web");
    expect(resolved.stdout).toMatch(
      new RegExp(
        `^#${alerts.resolved}\\s+resolved\\s+critical\\s+server-down\\s+backend=web server=web-01\\s+2025-03-01 10:05:00`,
        "m",
      ),
    );
    expect(resolved.stdout).not.toContain("Suspects");
    const elsewhere = await lbguard("vera", "alerts", "--cluster", "api");
    expect(elsewhere.stdout).toBe("no alerts\n");
    const limited = await lbguard("vera", "alerts", "--state", "all", "--limit", "1", "--json");
    expect(limited.json<Alert[]>().map((a) => a.id)).toEqual([alerts.pending]);
  });

  it("refuses an unknown --state before asking the server", async () => {
    const bad = await lbguard("vera", "alerts", "--state", "burning");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      "--state must be one of firing, pending, resolved, open or all, not 'burning'",
    );
  });

  it("shows one alert in full, every suspect with its reasons", async () => {
    const shown = await lbguard("vera", "alerts", "show", String(alerts.firing));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(
      new RegExp(`^alert #${alerts.firing} {2}firing {2}critical {2}\\(cluster web\\)\n`),
    );
    expect(shown.stdout).toMatch(/ {2}rule\s+error-ratio-high \(error-ratio\)\n/);
    expect(shown.stdout).toMatch(/ {2}value\s+42.5 \(threshold 5\)\n/);
    expect(shown.stdout).toMatch(/ {2}silenced\s+by silence #3\n/);
    expect(shown.stdout).toContain("  4. score 0.10  version 1  (version:1, 2025-03-01 09:58:00 on lb-1)");
    expect(shown.stdout).toContain("     - changed the weight of web/web-02, the server the alert names");
    const pending = await lbguard("vera", "alerts", "show", `#${alerts.pending}`);
    expect(pending.stdout).toContain("no suspects yet: they are ranked when it fires");
  });

  it("exits 1 with the server's code for an alert that does not exist", async () => {
    const missing = await lbguard("vera", "alerts", "show", "9999");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      "lbguard: there is no alert 9999\nList the alerts with 'lbguard alerts --state all'",
    );
    const json = await lbguard("vera", "alerts", "show", "9999", "--json");
    expect(json.json<{ error: { code: string } }>().error.code).toBe("LBG_ALERT_NOT_FOUND");
  });
});

describe("lbguard silence", () => {
  let silence: Silence;

  it("adds a silence for a duration and prints it in one line", async () => {
    const before = Date.now();
    const added = await lbguard(
      "oscar",
      "silence",
      "add",
      "--cluster",
      "web",
      "--match",
      "rule=imbalance",
      "--match",
      "backend=web",
      "--for",
      "2h",
      "-m",
      "maintenance",
      "--json",
    );
    expect(added.code).toBe(0);
    silence = added.json<Silence>();
    expect(silence).toMatchObject({
      cluster: "web",
      matchers: { rule: "imbalance", backend: "web" },
      comment: "maintenance",
      createdBy: "oscar",
    });
    const endsIn = Date.parse(silence.endsAt) - before;
    expect(endsIn).toBeGreaterThan(2 * 3_600_000 - 60_000);
    expect(endsIn).toBeLessThanOrEqual(2 * 3_600_000 + 60_000);

    const text = await lbguard(
      "oscar",
      "silence",
      "add",
      "--match",
      "severity=warning",
      "--for",
      "30m",
      "-m",
      HOSTILE,
    );
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^silence #\d+ created: severity=warning in every cluster, until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n$/,
    );
  });

  it("refuses bad matchers and ends with the catalog's codes, and viewers altogether", async () => {
    const key = await lbguard("oscar", "silence", "add", "--match", "pool=web", "--for", "1h", "-m", "x");
    expect(key.code).toBe(2);
    expect(key.stderr).toContain(
      "matcher 'pool': silences match on rule, severity, node, frontend, backend, server",
    );
    const far = await lbguard(
      "oscar",
      "silence",
      "add",
      "--match",
      "backend=web",
      "--for",
      "40d",
      "-m",
      "x",
      "--json",
    );
    expect(far.json<{ error: { code: string } }>().error.code).toBe("LBG_BAD_SILENCE_END");
    const noEquals = await lbguard("oscar", "silence", "add", "--match", "backend", "--for", "1h", "-m", "x");
    expect([noEquals.code, noEquals.stderr]).toEqual([
      2,
      expect.stringContaining("--match needs KEY=VALUE, not 'backend'"),
    ]);
    const noEnd = await lbguard("oscar", "silence", "add", "--match", "backend=web", "-m", "x");
    expect([noEnd.code, noEnd.stderr]).toEqual([
      2,
      expect.stringContaining("either --for DURATION or --until TIME"),
    ]);
    const noComment = await lbguard("oscar", "silence", "add", "--match", "backend=web", "--for", "1h");
    expect([noComment.code, noComment.stderr]).toEqual([2, expect.stringContaining("--message is required")]);
    const viewer = await lbguard(
      "vera",
      "silence",
      "add",
      "--match",
      "backend=web",
      "--for",
      "1h",
      "-m",
      "x",
    );
    expect([viewer.code, viewer.stderr]).toEqual([
      1,
      expect.stringContaining("this needs the operator role; the token is viewer"),
    ]);
  });

  it("lists the silences in force, expires one, and lists it with --all", async () => {
    const listed = await lbguard("vera", "silence", "list");
    const lines = listed.stdout.split("\n");
    expect(lines[0]).toMatch(/^id\s+state\s+cluster\s+matchers\s+until\s+by\s+comment$/);
    expect(lines[1]).toMatch(/^#\d+\s+active\s+\*\s+severity=warning\s+.*\s+oscar\s+/);
    expect(lines[1]).toContain(HOSTILE_SHOWN);
    expect(lines[2]).toMatch(
      new RegExp(
        `^#${silence.id}\\s+active\\s+web\\s+rule=imbalance backend=web\\s+.*\\s+oscar\\s+maintenance$`,
      ),
    );

    const expired = await lbguard("oscar", "silence", "expire", String(silence.id));
    expect(expired.code).toBe(0);
    expect(expired.stdout).toMatch(
      new RegExp(`^silence #${silence.id} expired: rule=imbalance backend=web in cluster web, at .* UTC\n$`),
    );

    expect(
      (await lbguard("vera", "silence", "list", "--cluster", "web", "--json")).json<Silence[]>(),
    ).toHaveLength(1);
    const all = await lbguard("vera", "silence", "list", "--all");
    expect(all.stdout).toMatch(new RegExp(`^#${silence.id}\\s+expired\\s+web\\s+`, "m"));

    const missing = await lbguard("oscar", "silence", "expire", "9999");
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining("there is no silence 9999")]);
  });

  it("leaves silence.created and silence.expired in the audit log", async () => {
    const events = await lbguard("vera", "audit", "--type", "silence", "--json");
    expect(events.json<StoredEvent[]>().map((e) => [e.type, e.actor, e.subject ?? ""])).toEqual([
      ["silence.created", "oscar", `silence:${silence.id}`],
      ["silence.created", "oscar", expect.stringMatching(/^silence:\d+$/)],
      ["silence.expired", "oscar", `silence:${silence.id}`],
    ]);
  });
});

describe("alert and silence usage", () => {
  it("reads --match options into matchers and refuses a key given twice", () => {
    expect(matchersOption(["rule=imbalance", "backend = web"])).toEqual({
      rule: "imbalance",
      backend: "web",
    });
    expect(() => matchersOption(["backend=web", "backend=api"])).toThrow(/given twice/);
    expect(() => matchersOption(["=web"])).toThrow(/KEY=VALUE/);
  });

  it("documents both commands in lbguard --help and their own --help", async () => {
    const help = await lbguard("vera", "--help");
    expect(help.stdout).toMatch(/^ {2}alerts \[show ID\]/m);
    expect(help.stdout).toMatch(/^ {2}silence add\|list\|expire/m);
    expect((await lbguard("vera", "alerts", "--help")).stdout).toContain("--state STATE");
    expect((await lbguard("vera", "silence", "--help")).stdout).toContain("--match KEY=VALUE");
    const noAction = await lbguard("vera", "silence");
    expect([noAction.code, noAction.stderr]).toEqual([
      2,
      expect.stringContaining("silence needs an action: add, list or expire"),
    ]);
  });
});
