// What the signed-in person can do with a change now: submit a draft, approve or reject it with
// a comment (an admin approving a change the gate blocked writes an override reason), or roll an
// approved change out. Only the buttons their role and the change's state allow are shown; the
// server still decides, and its refusal appears under the button.
import { useState } from "preact/hooks";
import type { Change } from "../../../src/control/api-types.js";
import { changeActions } from "../data/change-actions.js";
import { useSession } from "../session.js";
import { ActionButton } from "./action-button.js";
import "./field.css";

export function ChangeDecision(props: { change: Change; onDone: () => void }) {
  const { api, who } = useSession();
  const { change } = props;
  const actions = changeActions(change, who);
  const [comment, setComment] = useState("");
  const [override, setOverride] = useState("");
  const reviewing = actions.approve || actions.reject;
  const anything = reviewing || actions.rollout || actions.submit;

  const decide = async (decision: "approve" | "reject") => {
    if (decision === "approve" && actions.overrideRequired && override.trim() === "") {
      throw new Error("write the override reason first: why this blocked change may ship anyway");
    }
    await api.review(change.id, {
      decision,
      comment: comment.trim(),
      ...(decision === "approve" && actions.overrideRequired ? { override: override.trim() } : {}),
    });
    setComment("");
    setOverride("");
    props.onDone();
  };

  if (!anything && !actions.reviewNote) return null;
  return (
    <section class="card change-decision" aria-labelledby="decision-title" data-testid="change-decision">
      <h2 id="decision-title">Decision</h2>
      {actions.reviewNote ? <p class="muted">{actions.reviewNote}</p> : null}
      {reviewing ? (
        <div class="decision-review">
          <label class="field">
            Comment, recorded with your review
            <textarea
              name="comment"
              value={comment}
              onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)}
              placeholder="What you checked, or why not"
            />
          </label>
          {actions.overrideRequired ? (
            <label class="field">
              Override reason (required: the gate blocked this change; recorded in the audit log)
              <textarea
                name="override"
                value={override}
                onInput={(e) => setOverride((e.target as HTMLTextAreaElement).value)}
                placeholder="Why it may ship despite the blocking findings"
              />
            </label>
          ) : null}
          <div class="decision-buttons">
            {actions.approve ? (
              <ActionButton
                tone="primary"
                doing="approve the change"
                testId="approve"
                onAction={() => decide("approve")}
              >
                Approve
              </ActionButton>
            ) : null}
            {actions.reject ? (
              <ActionButton
                tone="danger"
                doing="reject the change"
                testId="reject"
                onAction={() => decide("reject")}
              >
                Reject
              </ActionButton>
            ) : null}
          </div>
        </div>
      ) : null}
      {actions.submit ? (
        <div class="decision-buttons">
          <ActionButton
            tone="primary"
            doing="submit the change for review"
            testId="submit"
            onAction={async () => {
              await api.submit(change.id);
              props.onDone();
            }}
          >
            Submit for review
          </ActionButton>
        </div>
      ) : null}
      {actions.rollout ? (
        <div class="decision-buttons">
          <p class="muted">
            Approved. Rolling out gives the new version to the canary node first; the others follow once it
            passes its bake, and any node that breaches rolls itself back.
          </p>
          <ActionButton
            tone="primary"
            doing="start the rollout"
            testId="roll-out"
            onAction={async () => {
              await api.rollout(change.id);
              props.onDone();
            }}
          >
            Roll out
          </ActionButton>
        </div>
      ) : null}
    </section>
  );
}
