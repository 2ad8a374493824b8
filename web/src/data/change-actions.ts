// What the signed-in person may do with a change right now, and, when they may do nothing, why:
// the buttons a page shows. The server decides again on every call; this only keeps buttons
// that would be refused off the page. Pure.
import type { ChangeSummary, Review, TokenRole } from "../../../src/control/api-types.js";
import { roleAllows } from "../../../src/control/roles.js";

export interface ChangeActions {
  /** Send a draft for review (operator). */
  submit: boolean;
  /** Approve it (approver; an admin only with an override reason when the gate blocked it). */
  approve: boolean;
  /** Approving needs an override reason: the gate blocked the change and the caller is an admin. */
  overrideRequired: boolean;
  /** Reject it (approver). */
  reject: boolean;
  /** Start its rollout (operator, once approved). */
  rollout: boolean;
  /** Why a review the change waits for is not offered to this person, when it is not. */
  reviewNote?: string;
}

/**
 * The actions `who` has on `change`, from its state, its verdict, its author, its reviews and
 * `who`'s role, following the server's review policy (src/control/review-policy.ts): nobody
 * reviews their own change or approves twice, and a change the gate blocked needs one admin's
 * override before approvers can approve it.
 */
export function changeActions(
  change: ChangeSummary & { reviews: readonly Review[] },
  who: { name: string; role: TokenRole },
): ChangeActions {
  const approver = roleAllows(who.role, "approver");
  const admin = roleAllows(who.role, "admin");
  const inReview = change.state === "in-review";
  const own = change.author === who.name;
  const reviewed = change.reviews.some((r) => r.reviewer === who.name && r.decision === "approve");
  const needsOverride = change.verdict === "block" && !change.reviews.some((r) => r.override !== undefined);
  const mayReview = approver && inReview && !own && !reviewed;
  const actions: ChangeActions = {
    submit: change.state === "draft" && roleAllows(who.role, "operator"),
    approve: mayReview && (!needsOverride || admin),
    overrideRequired: mayReview && needsOverride && admin,
    reject: mayReview,
    rollout: change.state === "approved" && roleAllows(who.role, "operator"),
  };
  if (inReview) {
    if (!approver) actions.reviewNote = "It waits for an approver's review.";
    else if (own) actions.reviewNote = "You proposed this change: someone else must review it.";
    else if (reviewed)
      actions.reviewNote = "You approved this change; the other approvals must come from someone else.";
    else if (needsOverride && !admin)
      actions.reviewNote =
        "The gate blocked this change: only an admin can approve it, with a written override reason. You can reject it.";
  }
  return actions;
}

/**
 * `1 of 2 approvals`, and what is still missing while the change is in review. Without its
 * reviews (in a list), a blocked change is taken as not yet overridden.
 */
export function approvalsText(change: ChangeSummary & { reviews?: readonly Review[] }): string {
  const count = `${change.approvals} of ${change.approvalsRequired} approval${change.approvalsRequired === 1 ? "" : "s"}`;
  if (change.state !== "in-review") return count;
  const overridden = change.reviews?.some((r) => r.override !== undefined) ?? false;
  if (change.verdict === "block" && !overridden)
    return `${count}; blocked by the gate, needs an admin's override`;
  const missing = change.approvalsRequired - change.approvals;
  return missing > 0 ? `${count}; needs ${missing} more` : count;
}
