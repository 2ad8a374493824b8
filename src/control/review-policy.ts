import type { Risk } from "../plan/risk.js";
import type { ChangeState, ClusterPolicy, ReviewRequest, TokenRole } from "./api-types.js";
import { fail } from "./control-context.js";

/** What a review is judged against. */
export interface ReviewSubject {
  author: string;
  state: ChangeState;
  verdict: "pass" | "block";
  risk: Risk;
  /** Reviewers who approved so far. */
  approvedBy: readonly string[];
  /** Whether an admin already overrode the gate's block (later approvals need not repeat it). */
  overridden: boolean;
}

/** The change's state once the review is counted, and whether it overrides the gate. */
export interface ReviewOutcome {
  state: ChangeState;
  approvals: number;
  override?: string;
}

/** Approvals the policy asks for at this risk. */
export function approvalsRequired(policy: ClusterPolicy, risk: Risk): number {
  return policy.approvals[risk];
}

/**
 * Judges one review under the cluster's policy. An author never reviews their own change; a
 * change the gate blocked is approved first by an admin who writes why (the override), after
 * which approvers may add the further approvals its risk asks for; the change
 * is approved once enough distinct reviewers approved it, rejected by any rejection. Throws the
 * catalog error that explains a refusal. Pure.
 */
export function judgeReview(
  subject: ReviewSubject,
  reviewer: { name: string; role: TokenRole },
  request: ReviewRequest,
  policy: ClusterPolicy,
): ReviewOutcome {
  if (reviewer.name === subject.author) {
    throw fail("LBG_SELF_REVIEW", `${reviewer.name} wrote this change and cannot review it`);
  }
  if (subject.state !== "in-review") {
    throw fail("LBG_WRONG_STATE", `the change is ${subject.state}; only a change in review can be reviewed`);
  }
  if (subject.approvedBy.includes(reviewer.name)) {
    throw fail("LBG_WRONG_STATE", `${reviewer.name} has already approved this change`);
  }
  if (request.decision === "reject") {
    return { state: "rejected", approvals: subject.approvedBy.length };
  }
  let override: string | undefined;
  if (subject.verdict === "block" && !subject.overridden) {
    const reason = request.override?.trim() ?? "";
    if (reviewer.role !== "admin" || reason === "") {
      throw fail(
        "LBG_OVERRIDE_REQUIRED",
        "the gate blocked this change; only an admin can approve it, with a written override reason",
      );
    }
    override = reason;
  }
  const approvals = subject.approvedBy.length + 1;
  const state: ChangeState = approvals >= approvalsRequired(policy, subject.risk) ? "approved" : "in-review";
  return { state, approvals, ...(override ? { override } : {}) };
}
