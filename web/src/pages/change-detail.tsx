// One change, as a reviewer decides on it and an operator follows it: state, verdict and risk;
// the decision buttons their role allows; the rollout node by node with its evidence; where the
// plan predicts traffic will go (bars); the findings with why they matter; the diff; the plan's
// element-by-element changes; the reviews. Everything refreshes by itself.
import type { Change, Review } from "../../../src/control/api-types.js";
import type { PlanChange } from "../../../src/plan/types.js";
import { ChangeDecision } from "../components/change-decision.js";
import { DiffView } from "../components/diff-view.js";
import { Findings } from "../components/findings.js";
import { Badge, Empty, ErrorNote, Loading, Page } from "../components/page.js";
import { PlanBars } from "../components/plan-bars.js";
import { RolloutProgress } from "../components/rollout-progress.js";
import { Time } from "../components/time.js";
import { approvalsText } from "../data/change-actions.js";
import { riskTone, stateTone, verdictTone, whatText } from "../data/change-format.js";
import { pairPath } from "../data/version-compare.js";
import { linkTo } from "../router.js";
import { useSession } from "../session.js";
import { usePoll } from "../use-poll.js";
import "./changes.css";

/** What never changes for a given change (its diff, the rules' explanations): asked once an hour. */
const STATIC_MS = 3_600_000;

export function ChangeDetailPage(props: { id: string }) {
  const { api } = useSession();
  const id = Number(props.id);
  const valid = Number.isInteger(id) && id > 0;
  const view = usePoll(() => (valid ? api.change(id) : Promise.resolve(undefined)), [id]);
  const change = view.data;

  if (!valid) {
    return (
      <Page title="Change">
        <Empty title={`"${props.id}" is not a change number.`}>
          <a href={linkTo("/changes")}>See the changes</a>
        </Empty>
      </Page>
    );
  }
  if (!change) {
    return (
      <Page title={`Change #${id}`}>
        {view.error ? (
          <ErrorNote error={view.error} doing={`load change #${id}`} />
        ) : (
          <Loading what="the change" />
        )}
      </Page>
    );
  }
  return (
    <Page title={`Change #${change.id}: ${change.message || "(no message)"}`}>
      {view.error ? <ErrorNote error={view.error} doing="refresh the change" /> : null}
      <ChangeHeader change={change} />
      <ChangeDecision change={change} onDone={view.reload} />
      {change.rollout ? (
        <section class="card" aria-labelledby="rollout-title">
          <h2 id="rollout-title">Rollout</h2>
          <RolloutProgress change={change} rollout={change.rollout} />
        </section>
      ) : null}
      {change.kind === "config" || change.plan.traffic.length > 0 ? (
        <section class="card" aria-labelledby="bars-title">
          <h2 id="bars-title">Where traffic will go</h2>
          <PlanBars plan={change.plan} />
          {change.plan.assumptions.length > 0 ? (
            <p class="muted small">Predicted assuming: {change.plan.assumptions.join("; ")}.</p>
          ) : null}
        </section>
      ) : null}
      <section class="card" aria-labelledby="findings-title">
        <h2 id="findings-title">Findings</h2>
        <ChangeFindings change={change} />
      </section>
      {change.version !== undefined ? (
        <section class="card" aria-labelledby="diff-title">
          <h2 id="diff-title">Diff</h2>
          <ChangeDiff parent={change.parent} version={change.version} />
        </section>
      ) : null}
      <section class="card" aria-labelledby="plan-title">
        <h2 id="plan-title">Plan</h2>
        <PlanChanges changes={change.plan.changes} />
      </section>
      <section class="card" aria-labelledby="reviews-title">
        <h2 id="reviews-title">Reviews</h2>
        <Reviews reviews={change.reviews} />
      </section>
    </Page>
  );
}

function ChangeHeader(props: { change: Change }) {
  const c = props.change;
  return (
    <section class="card change-header" aria-label="Summary" data-testid="change-header">
      <dl class="change-facts">
        <div>
          <dt>State</dt>
          <dd>
            <Badge tone={stateTone(c.state)}>{c.state}</Badge>
          </dd>
        </div>
        <div>
          <dt>Gate</dt>
          <dd data-testid="verdict">
            <Badge tone={verdictTone(c.verdict)}>{c.verdict === "pass" ? "PASS" : "BLOCK"}</Badge>
          </dd>
        </div>
        <div>
          <dt>Risk</dt>
          <dd data-testid="risk">
            <Badge tone={riskTone(c.risk)}>{c.risk}</Badge>{" "}
            <span class="muted small">
              {c.plan.counts.high} high, {c.plan.counts.medium} medium, {c.plan.counts.low} low
            </span>
          </dd>
        </div>
        <div>
          <dt>Approvals</dt>
          <dd>{approvalsText(c)}</dd>
        </div>
        <div>
          <dt>Changes</dt>
          <dd>
            {c.kind === "config" && c.version !== undefined ? (
              <>
                version {c.parent} → {c.version}{" "}
                <a class="small" href={linkTo(pairPath({ from: c.parent, to: c.version }))}>
                  (in History)
                </a>
              </>
            ) : (
              whatText(c)
            )}
          </dd>
        </div>
        <div>
          <dt>Proposed</dt>
          <dd>
            by {c.author} <Time iso={c.createdAt} />
          </dd>
        </div>
      </dl>
    </section>
  );
}

function ChangeFindings(props: { change: Change }) {
  const { api } = useSession();
  // Without the explanations the findings still show; the reasons follow when they arrive.
  const explanations = usePoll(() => api.ruleExplanations(), [], STATIC_MS);
  return <Findings findings={props.change.findings} explanations={explanations.data ?? []} />;
}

function ChangeDiff(props: { parent: number; version: number }) {
  const { api } = useSession();
  const diff = usePoll(() => api.diff(props.parent, props.version), [props.parent, props.version], STATIC_MS);
  if (diff.error) return <ErrorNote error={diff.error} doing="load the diff" />;
  if (!diff.data) return <Loading what="the diff" />;
  return (
    <DiffView
      diff={diff.data.diff}
      label={`Diff from version ${props.parent} to version ${props.version}`}
      emptyText="The proposed version's text is the same as its parent's."
      testId="change-diff"
    />
  );
}

const MARKS: Record<PlanChange["kind"], string> = { added: "+", removed: "−", changed: "~" };

function PlanChanges(props: { changes: readonly PlanChange[] }) {
  if (props.changes.length === 0) {
    return <Empty title="The plan finds no element added, removed or changed." />;
  }
  return (
    <ul class="plan-changes" data-testid="plan-changes">
      {props.changes.map((c, i) => (
        <li key={i} class={`plan-change plan-${c.kind}`}>
          <div>
            <span class="plan-mark" aria-label={c.kind}>
              {MARKS[c.kind]}
            </span>{" "}
            <span class="muted small">
              {c.section.kind} {c.section.name}
            </span>{" "}
            {c.summary} <Badge tone={riskTone(c.risk)}>{c.risk}</Badge>{" "}
            <code class="muted small">
              {c.span.file}:{c.span.line}
            </code>
          </div>
          {c.reasons.length > 0 ? (
            <ul class="plan-reasons">
              {c.reasons.map((r, j) => (
                <li key={j}>
                  <Badge tone={riskTone(r.risk)}>{r.risk}</Badge> {r.message}
                </li>
              ))}
            </ul>
          ) : null}
          {c.affects && c.affects.length > 0 ? (
            <div class="muted small">affects {c.affects.join(", ")}</div>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function Reviews(props: { reviews: readonly Review[] }) {
  if (props.reviews.length === 0) return <Empty title="No review yet." />;
  return (
    <ul class="list reviews" data-testid="reviews">
      {props.reviews.map((r) => (
        <li key={`${r.reviewer}-${r.createdAt}`}>
          <Badge tone={r.decision === "approve" ? "good" : "bad"}>
            {r.decision === "approve" ? "approved" : "rejected"}
          </Badge>{" "}
          by <strong>{r.reviewer}</strong> <Time iso={r.createdAt} />
          {r.comment ? <p class="review-comment">{r.comment}</p> : null}
          {r.override ? (
            <p class="review-override">
              <strong>Override of the gate's block:</strong> {r.override}
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
