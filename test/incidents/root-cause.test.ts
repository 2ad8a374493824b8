import { describe, expect, it } from "vitest";
import type { Change, Review } from "../../src/control/api-types.js";
import { evaluateChange } from "../../src/gate/evaluate-change.js";
import { explainRootCause } from "../../src/incidents/root-cause.js";
import type { Suspect } from "../../src/monitor/types.js";
import type { Plan } from "../../src/plan/types.js";
import { cfg } from "../helpers.js";
import { DEFAULTS, plan } from "../plan/plan-helpers.js";
import { seed003Input } from "./postmortem-fixture.js";

const EMPTY_PLAN: Plan = {
  overall: "low",
  counts: { low: 0, medium: 0, high: 0 },
  changes: [],
  traffic: [],
  assumptions: [],
};

function suspect(touches: Partial<Suspect["touches"]>, extra: Partial<Suspect> = {}): Suspect {
  return {
    kind: "version",
    ref: "version:7",
    at: "2026-11-21T10:00:03.120Z",
    actor: "alice",
    node: "lb-1",
    summary: 'version 7: "pools" by alice',
    touches: { servers: [], backends: [], frontends: [], ...touches },
    rollback: "lbguard rollback --cluster web --to 6",
    score: 0.8,
    reasons: [],
    ...extra,
  };
}

function change(reviews: Review[]): Change {
  return {
    id: 12,
    cluster: "web",
    kind: "config",
    state: "applied",
    author: "alice",
    message: "pools",
    parent: 6,
    version: 7,
    verdict: "block",
    risk: "high",
    approvals: 2,
    approvalsRequired: 2,
    createdAt: "2026-11-21T09:58:40.000Z",
    updatedAt: "2026-11-21T10:00:03.120Z",
    findings: [],
    plan: EMPTY_PLAN,
    reviews,
  };
}

const review = (reviewer: string, decision: Review["decision"], override?: string): Review => ({
  reviewer,
  decision,
  comment: "",
  ...(override ? { override } : {}),
  createdAt: "2026-11-21T10:00:00.000Z",
});

/** Two backends of twelve servers (or `count`) each, behind one frontend; `webExtra` comes first in web. */
function pools(
  options: { webExtra?: string[]; apiPort?: number; apiBalance?: string; count?: number } = {},
): string {
  const servers = (name: string, net: number, port: number) =>
    Array.from(
      { length: options.count ?? 12 },
      (_, i) => `    server ${name}-${i + 1} 10.0.${net}.${i + 1}:${port} check`,
    );
  return cfg(
    ...DEFAULTS,
    "frontend www",
    "    bind 127.0.0.1:8080",
    "    use_backend api if { path_beg /api }",
    "    default_backend web",
    "",
    "backend web",
    "    balance roundrobin",
    ...(options.webExtra ?? []),
    ...servers("web", 1, 80),
    "",
    "backend api",
    `    balance ${options.apiBalance ?? "roundrobin"}`,
    ...servers("api", 2, options.apiPort ?? 80),
  );
}

const BEFORE = { name: "version 6", text: pools() };
const AFTER = {
  name: "version 7",
  text: pools({ webExtra: ["    server web-13 10.0.1.13:80 check"], apiPort: 8080, apiBalance: "leastconn" }),
};

describe("explainRootCause", () => {
  it("takes the approvers and the override from the reviews, not the rejections", () => {
    const explained = explainRootCause({
      suspect: suspect({ backends: ["web"] }),
      change: change([
        review("bob", "approve"),
        review("dave", "reject"),
        review("bob", "approve"),
        review("carol", "approve", "needed for the migration"),
      ]),
    });
    expect(explained.change).toEqual({
      id: 12,
      author: "alice",
      reviewers: ["bob", "carol"],
      message: "pools",
      override: "needed for the migration",
    });
    expect(explained.diff).toBe("");
    expect(explained.planExcerpt).toEqual([]);
    expect(explained.forced).toBeUndefined();
  });

  it("counts a drill's change as forced unless told otherwise", () => {
    expect(explainRootCause({ suspect: suspect({}, { actor: "drill" }) }).forced).toBe(true);
    expect(explainRootCause({ suspect: suspect({}), forced: true }).forced).toBe(true);
    expect(
      explainRootCause({ suspect: suspect({}, { actor: "drill" }), forced: false }).forced,
    ).toBeUndefined();
  });

  it("keeps a small diff whole, whatever it touches", () => {
    const before = { name: "a", text: cfg("backend api", "    server api-1 10.0.2.1:80") };
    const after = { name: "b", text: cfg("backend api", "    server api-1 10.0.2.1:8080") };
    const { diff } = explainRootCause({ suspect: suspect({ servers: ["web/web-01"] }), before, after });
    expect(diff).toBe(
      "--- a\n+++ b\n@@ -1,2 +1,2 @@\n backend api\n-    server api-1 10.0.2.1:80\n+    server api-1 10.0.2.1:8080\n",
    );
  });

  it("trims a long diff to the hunks of the server the suspect touched", () => {
    const { diff } = explainRootCause({
      suspect: suspect({ servers: ["web/web-13"] }),
      before: BEFORE,
      after: AFTER,
    });
    const lines = diff.split("\n");
    expect(lines.slice(0, 2)).toEqual(["--- version 6", "+++ version 7"]);
    expect(lines.filter((l) => l.startsWith("@@"))).toHaveLength(1);
    expect(lines.filter((l) => /^[-+] /.test(l))).toEqual(["+    server web-13 10.0.1.13:80 check"]);
  });

  it("keeps the hunks in a touched backend, even when their lines name no server", () => {
    const { diff } = explainRootCause({
      suspect: suspect({ backends: ["api"] }),
      before: BEFORE,
      after: AFTER,
    });
    const changed = diff.split("\n").filter((l) => /^[-+] /.test(l));
    expect(changed).toContain("-    balance roundrobin");
    expect(changed).toContain("+    balance leastconn");
    expect(changed).toContain("+    server api-12 10.0.2.12:8080 check");
    expect(changed.some((l) => l.includes("web-13"))).toBe(false);
  });

  it("keeps every hunk, cut to a bounded length, when the suspect names nothing", () => {
    const before = { name: "version 6", text: pools({ count: 60 }) };
    const after = {
      name: "version 7",
      text: pools({ count: 60, webExtra: ["    server web-61 10.0.1.61:80"], apiPort: 8080 }),
    };
    const { diff } = explainRootCause({ suspect: suspect({}), before, after });
    const lines = diff.trimEnd().split("\n");
    expect(diff).toContain("+    server web-61 10.0.1.61:80");
    expect(lines.length).toBeLessThanOrEqual(81);
    expect(lines.at(-1)).toMatch(/^\.\.\. \d+ more lines$/);
  });

  it("excerpts the plan's changes about what the suspect touched, and nothing else", () => {
    const p = plan(BEFORE.text, AFTER.text);
    const excerpt = explainRootCause({ suspect: suspect({ servers: ["web/web-13"] }), plan: p }).planExcerpt;
    expect(excerpt.length).toBeGreaterThan(0);
    expect(excerpt.every((line) => line.startsWith("backend web: "))).toBe(true);
    expect(excerpt.some((line) => line.includes("web-13"))).toBe(true);
    const api = explainRootCause({ suspect: suspect({ backends: ["api"] }), plan: p }).planExcerpt;
    expect(api.length).toBeGreaterThan(0);
    expect(api.every((line) => line.startsWith("backend api: "))).toBe(true);
  });

  it("says what changed on a server beside its share", async () => {
    const web = (weight: number) =>
      cfg(
        "defaults",
        "    mode http",
        "    timeout connect 5s",
        "    timeout client 30s",
        "    timeout server 30s",
        "frontend www",
        "    bind 127.0.0.1:8080",
        "    default_backend web",
        "backend web",
        `    server web-01 10.0.1.1:80 check weight ${weight}`,
        "    server web-02 10.0.1.2:80 check weight 10",
      );
    const judged = await evaluateChange({
      before: [{ path: "before.cfg", text: web(10) }],
      after: [{ path: "after.cfg", text: web(30) }],
      traffic: { rps: 100 },
      env: {},
    });
    const excerpt = explainRootCause({
      suspect: suspect({ servers: ["web/web-01"] }),
      plan: judged.plan,
    }).planExcerpt;
    expect(excerpt[0]).toMatch(
      /^server web\/web-01 \(weight 10 -> 30\): 75% of backend web's requests \(was 50%\), 75 req\/s/,
    );
  });

  it("gives each touched server its predicted share of the backend before and after", async () => {
    const { rootCause } = await seed003Input();
    expect(rootCause?.planExcerpt).toHaveLength(3);
    expect(rootCause?.planExcerpt[0]).toMatch(
      /^server web\/db-01 added: 33\.3% of backend web's requests \(was 0%\), 40 req\/s — .*db-01 is a db server/,
    );
    expect(rootCause?.planExcerpt.slice(1)).toEqual([
      "server web/web-01: 33.3% of backend web's requests (was 50%), 40 req/s",
      "server web/web-02: 33.3% of backend web's requests (was 50%), 40 req/s",
    ]);
  });
});
