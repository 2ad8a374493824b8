import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { INCIDENT_HELP } from "../../src/cli/incident-command.js";
import type { CreatedToken } from "../../src/control/api-types.js";
import type { PostmortemView } from "../../src/incidents/assemble.js";
import type { Incident } from "../../src/incidents/types.js";
import { HOSTILE, HOSTILE_SHOWN } from "./control-fixtures.js";
import { serveForCli } from "./served-cli.js";

/**
 * `lbguard incident` and `lbguard postmortem` through `main([...])` against a real `lbguard serve`
 * (SQLite in a temporary directory) on loopback port 18703.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const { work, tokens, lbguard } = serveForCli("lbguard-incident-cli-", { port: 18703 });

beforeAll(async () => {
  const config = join(ROOT, "examples", "change", "before.cfg");
  expect((await lbguard("admin", "cluster", "create", "web", "--config", config)).code).toBe(0);
  for (const [name, role] of [
    ["alice", "operator"],
    ["vic", "viewer"],
  ] as const) {
    expect((await lbguard("admin", "user", "create", name, "--role", role)).code).toBe(0);
    tokens[name] = (
      (await lbguard("admin", "token", "create", "--user", name, "--json")).json() as CreatedToken
    ).token;
  }
});

describe("lbguard incident and lbguard postmortem against a real server", () => {
  it("opens an incident, links a second report to it, lists and shows it", async () => {
    const opened = await lbguard(
      "alice",
      "incident",
      "open",
      "--title",
      "checkout fails",
      "-m",
      "pager at 10:02",
    );
    expect(opened).toMatchObject({ code: 0, stderr: "" });
    expect(opened.stdout).toBe("incident #1 opened for cluster web: checkout fails (critical)\n");

    const linked = await lbguard("alice", "incident", "open", "--title", "5xx", "-m", "dashboard", "--json");
    expect(linked.json()).toMatchObject({ id: 1, linked: true });

    const list = await lbguard("vic", "incident", "list");
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      /^id\s+state\s+severity\s+opened\s+cluster\s+title\n#1\s+open\s+critical\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+web\s+checkout fails\n$/,
    );
    expect((await lbguard("vic", "incident", "--state", "resolved")).stdout).toBe("no incidents\n");

    const note = await lbguard("alice", "incident", "note", "1", "-m", "lb-1 answers 503");
    expect(note.stdout).toBe("note added to incident #1 (open)\n");

    const show = await lbguard("vic", "incident", "show", "1");
    expect(show.code).toBe(0);
    expect(show.stdout).toContain("trigger: opened by alice: pager at 10:02");
    expect(show.stdout).toMatch(/\d\d:\d\d:\d\d\s+note\s+alice noted: "lb-1 answers 503"\./);
    expect(show.stdout).toMatch(/incident\s+alice opened incident 1 \(critical\): "checkout fails"\./);
  });

  it("refuses a viewer, usage errors and incidents that do not exist with their codes", async () => {
    const viewer = await lbguard("vic", "incident", "note", "1", "-m", "hi", "--json");
    expect(viewer.code).toBe(1);
    expect((viewer.json() as { error: { code: string } }).error.code).toBe("LBG_FORBIDDEN");

    const missing = await lbguard("vic", "incident", "show", "42", "--json");
    expect(missing.code).toBe(1);
    expect((missing.json() as { error: { code: string } }).error.code).toBe("LBG_INCIDENT_NOT_FOUND");
    expect((await lbguard("vic", "postmortem", "42")).code).toBe(1);

    for (const [argv, message] of [
      [["incident", "open", "-m", "why"], "--title is required"],
      [["incident", "open", "--title", "t", "-m", "w", "--severity", "huge"], "--severity must be one of"],
      [["incident", "resolve", "1"], "--message is required"],
      [["incident", "note", "one", "-m", "x"], "INCIDENT must be a whole number"],
      [
        ["incident", "close", "1"],
        "incident needs an action: list, show, open, note or resolve, not 'close'",
      ],
      [["postmortem"], "INCIDENT is missing"],
      [["postmortem", "1", "--format", "pdf"], "--format must be md or json"],
      [["postmortem", "1", "--edit", "x.md", "--regenerate"], "--edit stores your text as it is"],
    ] as const) {
      const run = await lbguard("alice", ...argv);
      expect([argv, run.code, run.stderr]).toEqual([argv, 2, expect.stringContaining(message)]);
    }
    const help = await lbguard("vic", "incident", "--help");
    expect(help).toMatchObject({ code: 0, stdout: INCIDENT_HELP });
    expect((await lbguard("vic", "postmortem", "--help")).stdout).toMatch(
      /^Usage: lbguard postmortem INCIDENT/,
    );
  });

  it("resolves once, then drafts, writes, edits and regenerates the postmortem", async () => {
    const resolved = await lbguard("alice", "incident", "resolve", "1", "-m", "web-02 back in the pool");
    expect(resolved.stdout).toBe(
      "incident #1 resolved by alice; draft its postmortem with 'lbguard postmortem 1'\n",
    );
    const twice = await lbguard("alice", "incident", "resolve", "1", "-m", "again", "--json");
    expect(twice.code).toBe(1);
    expect((twice.json() as { error: { code: string } }).error.code).toBe("LBG_INCIDENT_RESOLVED");

    const drafted = await lbguard("vic", "postmortem", "1");
    expect(drafted.code).toBe(0);
    expect(drafted.stdout).toMatch(/^# Postmortem: checkout fails\n/);
    expect(drafted.stdout).toContain('alice resolved incident 1: "web-02 back in the pool"');

    const file = join(work, "postmortem.md");
    const written = await lbguard("vic", "postmortem", "1", "--output", file);
    expect(written.stdout).toBe(`postmortem of incident #1 (drafted); written to ${file}\n`);
    expect(readFileSync(file, "utf8")).toBe(drafted.stdout);

    writeFileSync(file, "# Checkout failed\n\nweb-02 ran out of file descriptors.\n");
    const edited = await lbguard("alice", "postmortem", "1", "--edit", file);
    expect(edited.stdout).toBe("postmortem of incident #1 (edited)\n");
    expect((await lbguard("vic", "postmortem", "1")).stdout).toBe(readFileSync(file, "utf8"));
    expect((await lbguard("vic", "postmortem", "1", "--edit", file)).code).toBe(1);

    const regenerated = await lbguard(
      "alice",
      "postmortem",
      "1",
      "--regenerate",
      "--tz",
      "Asia/Tokyo",
      "--json",
    );
    const view = regenerated.json() as PostmortemView;
    expect(view).toMatchObject({
      incident: 1,
      edited: false,
      document: { summary: { timeZone: "Asia/Tokyo" } },
    });
    expect(view.markdown).toContain(" UTC+9");
    const unreadable = await lbguard("alice", "postmortem", "1", "--edit", join(work, "missing.md"));
    expect([unreadable.code, unreadable.stderr]).toEqual([2, expect.stringContaining("cannot read")]);
  });

  it("prints hostile text from the server escaped", async () => {
    const opened = await lbguard("alice", "incident", "open", "--title", HOSTILE, "-m", HOSTILE, "--json");
    const id = (opened.json() as Incident).id;
    const list = await lbguard("vic", "incident", "list");
    expect(list.stdout).toContain(HOSTILE_SHOWN);
    const show = await lbguard("vic", "incident", "show", String(id));
    const postmortem = await lbguard("vic", "postmortem", String(id));
    for (const text of [list.stdout, show.stdout, postmortem.stdout]) {
      expect(text).not.toContain("\u001b");
      expect(text).not.toContain("\u202e");
    }
  });
});
