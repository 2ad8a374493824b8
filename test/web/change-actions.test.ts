import { describe, expect, it } from "vitest";
import {
  CHANGE_STATES,
  DEFAULT_CLUSTER_POLICY,
  USER_ROLES,
  type ChangeState,
  type ChangeSummary,
  type Review,
  type UserRole,
} from "../../src/control/api-types.js";
import { judgeReview } from "../../src/control/review-policy.js";
import { roleAllows } from "../../src/control/roles.js";
import { approvalsText, changeActions } from "../../web/src/data/change-actions.js";

function summary(state: ChangeState, verdict: "pass" | "block"): ChangeSummary {
  return {
    id: 7,
    cluster: "web",
    kind: "config",
    state,
    author: "olivia",
    message: "m",
    parent: 1,
    version: 2,
    verdict,
    risk: "medium",
    approvals: 0,
    approvalsRequired: 1,
    createdAt: "2025-01-01T00:00:00.000Z",
    updatedAt: "2025-01-01T00:00:00.000Z",
  };
}

const review = (reviewer: string, override?: string): Review => ({
  reviewer,
  decision: "approve",
  comment: "",
  ...(override ? { override } : {}),
  createdAt: "2025-01-01T00:00:00.000Z",
});

/** Whether the server accepts this review: the route's role check, then the review policy. */
function serverAccepts(
  change: ChangeSummary & { reviews: Review[] },
  who: { name: string; role: UserRole },
  decision: "approve" | "reject",
  override?: string,
): boolean {
  if (!roleAllows(who.role, "approver")) return false;
  try {
    judgeReview(
      {
        author: change.author,
        state: change.state,
        verdict: change.verdict,
        risk: change.risk,
        approvedBy: change.reviews.filter((r) => r.decision === "approve").map((r) => r.reviewer),
        overridden: change.reviews.some((r) => r.override !== undefined),
      },
      who,
      { decision, comment: "", ...(override ? { override } : {}) },
      DEFAULT_CLUSTER_POLICY,
    );
    return true;
  } catch {
    return false;
  }
}

describe("change actions", () => {
  it("offers Approve and Reject exactly when the server would accept them", () => {
    const people = ["olivia", "alice", "root"];
    const reviewSets: Review[][] = [[], [review("alice")], [review("root", "known false positive")]];
    let checked = 0;
    for (const state of CHANGE_STATES)
      for (const verdict of ["pass", "block"] as const)
        for (const reviews of reviewSets)
          for (const role of USER_ROLES)
            for (const name of people) {
              const change = { ...summary(state, verdict), reviews };
              const who = { name, role };
              const actions = changeActions(change, who);
              const context = JSON.stringify({ state, verdict, reviews: reviews.length, role, name });
              const override = actions.overrideRequired ? "reason" : undefined;
              expect([context, actions.approve]).toEqual([
                context,
                serverAccepts(change, who, "approve", override),
              ]);
              expect([context, actions.reject]).toEqual([context, serverAccepts(change, who, "reject")]);
              // An override is asked for only when approving without one would be refused.
              if (actions.overrideRequired)
                expect([context, serverAccepts(change, who, "approve")]).toEqual([context, false]);
              checked++;
            }
    expect(checked).toBe(CHANGE_STATES.length * 2 * 3 * USER_ROLES.length * 3);
  });

  it("says why a change in review offers no review button", () => {
    const change = { ...summary("in-review", "block"), reviews: [] };
    expect(changeActions(change, { name: "olivia", role: "approver" }).reviewNote).toMatch(/someone else/);
    expect(changeActions(change, { name: "alice", role: "approver" }).reviewNote).toMatch(/only an admin/);
    expect(changeActions(change, { name: "vic", role: "viewer" }).reviewNote).toMatch(
      /waits for an approver/,
    );
    expect(changeActions(change, { name: "root", role: "admin" }).reviewNote).toBeUndefined();
  });

  it("offers Roll out to operators once the change is approved, and Submit on drafts", () => {
    for (const state of CHANGE_STATES)
      for (const role of USER_ROLES) {
        const actions = changeActions({ ...summary(state, "pass"), reviews: [] }, { name: "x", role });
        expect([state, role, actions.rollout]).toEqual([
          state,
          role,
          state === "approved" && role !== "viewer",
        ]);
        expect([state, role, actions.submit]).toEqual([state, role, state === "draft" && role !== "viewer"]);
      }
  });

  it("counts approvals and says what is missing", () => {
    expect(approvalsText({ ...summary("in-review", "pass"), approvalsRequired: 2, approvals: 1 })).toBe(
      "1 of 2 approvals; needs 1 more",
    );
    expect(approvalsText(summary("in-review", "block"))).toBe(
      "0 of 1 approval; blocked by the gate, needs an admin's override",
    );
    expect(
      approvalsText({
        ...summary("in-review", "block"),
        approvals: 1,
        approvalsRequired: 2,
        reviews: [review("root", "ok")],
      }),
    ).toBe("1 of 2 approvals; needs 1 more");
    expect(approvalsText({ ...summary("approved", "pass"), approvals: 1 })).toBe("1 of 1 approval");
  });
});
