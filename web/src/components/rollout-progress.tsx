// A rollout node by node, canary first, as it happens: each node's state, apply id and detail;
// when a node rolled back or the rollout halted, the evidence (the agents' recorded steps with
// their figures) and the alerts and incidents it led to, with links.
import type { Change, Rollout } from "../../../src/control/api-types.js";
import {
  alertsSuspecting,
  incidentsDuring,
  rolloutHasTrouble,
  rolloutRows,
  rolloutSummary,
  rolloutTimeline,
} from "../data/rollout-view.js";
import { linkTo } from "../router.js";
import { useSession } from "../session.js";
import { usePoll } from "../use-poll.js";
import { Badge, ErrorNote } from "./page.js";
import { Time } from "./time.js";
import "./rollout-progress.css";

/** How often the evidence is asked again: agents ship their steps every few seconds. */
const EVIDENCE_MS = 2000;

export function RolloutProgress(props: { change: Change; rollout: Rollout }) {
  const { rollout, change } = props;
  const rows = rolloutRows(rollout);
  const trouble = rolloutHasTrouble(rollout);
  return (
    <div class="rollout" data-testid="rollout-progress" data-state={rollout.state}>
      <p class="rollout-head">
        <strong>Rollout #{rollout.id}</strong>{" "}
        <Badge tone={rollout.state === "completed" ? "good" : rollout.state === "halted" ? "bad" : "warn"}>
          {rollout.state}
        </Badge>{" "}
        <span class="muted">
          started by {rollout.startedBy} <Time iso={rollout.createdAt} />
          {rollout.finishedAt ? (
            <>
              , ended <Time iso={rollout.finishedAt} />
            </>
          ) : null}
        </span>
      </p>
      <p class="rollout-summary" role="status" aria-live="polite" data-testid="rollout-summary">
        {rolloutSummary(rollout)}
      </p>
      <ol class="rollout-steps">
        {rows.map((row) => (
          <li
            key={row.node}
            class={`rollout-step step-${row.tone}`}
            data-testid={`rollout-node-${row.node}`}
            data-state={row.state}
          >
            <div class="rollout-step-head">
              <strong>{row.node}</strong>
              {row.roles.map((role) => (
                <span key={role} class="rollout-role small">
                  {role}
                </span>
              ))}
              <Badge tone={row.tone}>{row.state}</Badge>
              <span class="muted small">
                <Time iso={row.updatedAt} />
              </span>
            </div>
            {row.apply ? (
              <div class="small muted">
                apply <code>{row.apply}</code>
              </div>
            ) : null}
            {row.detail ? <div class="rollout-detail">{row.detail}</div> : null}
          </li>
        ))}
      </ol>
      <RolloutEvidence change={change} rollout={rollout} open={trouble} />
    </div>
  );
}

function RolloutEvidence(props: { change: Change; rollout: Rollout; open: boolean }) {
  const { api } = useSession();
  const { rollout, change } = props;
  const evidence = usePoll(
    async () => {
      const [events, alerts, incidents] = await Promise.all([
        api.rolloutEvents(rollout.id),
        api.alerts({ cluster: rollout.cluster, since: rollout.createdAt }),
        api.incidents({ cluster: rollout.cluster }),
      ]);
      const now = new Date().toISOString();
      return {
        timeline: rolloutTimeline(rollout, events, now),
        alerts: alertsSuspecting(alerts, change),
        incidents: incidentsDuring(incidents, rollout, now),
      };
    },
    // The loader always reads the latest rollout, so new node states need no reset.
    [rollout.id],
    EVIDENCE_MS,
  );
  const data = evidence.data;
  return (
    <div class="rollout-evidence">
      {data && (data.alerts.length > 0 || data.incidents.length > 0) ? (
        <div class="rollout-links" data-testid="rollout-links">
          {data.alerts.length > 0 ? (
            <p>
              <strong>Alerts that suspect this change:</strong>{" "}
              {data.alerts.map((a, i) => (
                <span key={a.id}>
                  {i > 0 ? ", " : ""}
                  <a href={linkTo(`/alerts/${a.id}`)}>
                    #{a.id} {a.summary}
                  </a>{" "}
                  <Badge tone={a.state === "firing" ? "bad" : "muted"}>{a.state}</Badge>
                </span>
              ))}
            </p>
          ) : null}
          {data.incidents.length > 0 ? (
            <p>
              <strong>Incidents while it ran:</strong>{" "}
              {data.incidents.map((incident, i) => (
                <span key={incident.id}>
                  {i > 0 ? ", " : ""}
                  <a href={linkTo(`/incidents/${incident.id}`)}>
                    #{incident.id} {incident.title}
                  </a>{" "}
                  <Badge tone={incident.state === "open" ? "bad" : "muted"}>{incident.state}</Badge>
                </span>
              ))}
            </p>
          ) : null}
        </div>
      ) : null}
      <details open={props.open} data-testid="rollout-evidence">
        <summary>What the nodes recorded{data ? ` (${data.timeline.length})` : ""}</summary>
        {evidence.error ? <ErrorNote error={evidence.error} doing="load the rollout's events" /> : null}
        {!data ? (
          <p class="muted small">Loading the recorded steps…</p>
        ) : data.timeline.length === 0 ? (
          <p class="muted small">
            Nothing recorded yet: agents send their steps within a few seconds of taking them.
          </p>
        ) : (
          <ol class="rollout-timeline">
            {data.timeline.map((entry, i) => (
              <li key={i} class={`timeline-${entry.kind}`}>
                <time dateTime={entry.at} class="muted small">
                  {new Date(entry.at).toLocaleTimeString()}
                </time>{" "}
                {entry.text}
              </li>
            ))}
          </ol>
        )}
      </details>
    </div>
  );
}
