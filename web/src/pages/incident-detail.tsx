// One incident: its timeline as it grows, what it cost, the changes suspected of causing it,
// notes and resolution (operators), and the postmortem, rendered and downloadable as Markdown.
import { useRef, useState } from "preact/hooks";
import type { PostmortemView } from "../../../src/incidents/assemble.js";
import type { Impact, Incident, TimelineEntry } from "../../../src/incidents/types.js";
import { ActionButton } from "../components/action-button.js";
import { Markdown } from "../components/markdown.js";
import { Badge, Empty, ErrorNote, Loading, Page } from "../components/page.js";
import { SuspectList } from "../components/suspect-list.js";
import { Time } from "../components/time.js";
import { durationText, severityTone } from "../data/alert-list.js";
import { impactFigures, postmortemFileName, TIMELINE_KINDS, triggerText } from "../data/incident-list.js";
import { linkTo } from "../router.js";
import { useCan, useSession } from "../session.js";
import { usePoll } from "../use-poll.js";
import "../components/field.css";
import "./incidents.css";

/** The incident's timeline and impact are worked out from the events and stats on each read. */
const INCIDENT_MS = 2000;

/**
 * The postmortem is drafted anew on each read while the incident is open, so it is asked for
 * when the incident changed (a new timeline line, a note, the resolution) and otherwise rarely.
 */
const POSTMORTEM_MS = 30_000;

export function IncidentDetailPage(props: { id: string }) {
  const { api } = useSession();
  const id = Number(props.id);
  const view = usePoll(
    async () => {
      const found = await api.incident(id);
      const cluster = await api.cluster(found.incident.cluster);
      return { ...found, currentVersion: cluster.currentVersion };
    },
    [id],
    INCIDENT_MS,
  );

  const data = view.data;
  const incident = data?.incident;
  return (
    <Page title={incident ? `Incident #${id}: ${incident.title}` : `Incident #${id}`}>
      <p>
        <a href={linkTo("/incidents")}>← All incidents</a>
      </p>
      {view.error ? <ErrorNote error={view.error} doing={`load incident ${id}`} /> : null}
      {!data || !incident ? (
        view.error ? null : (
          <Loading what="the incident" />
        )
      ) : (
        <div class="incident-grid">
          <section
            class="card incident-summary"
            aria-labelledby="incident-state"
            data-testid="incident-summary"
          >
            <h2 id="incident-state">
              Status <Badge tone={incident.state === "open" ? "bad" : "good"}>{incident.state}</Badge>{" "}
              <Badge tone={severityTone(incident.severity)}>{incident.severity}</Badge>
            </h2>
            <p class="incident-trigger">{triggerText(incident.trigger)}</p>
            <p class="muted">
              Opened by {incident.openedBy} <Time iso={incident.openedAt} />
              {incident.resolvedAt ? (
                <>
                  , resolved by {incident.resolvedBy ?? "someone"} <Time iso={incident.resolvedAt} /> after{" "}
                  {durationText(incident.openedAt, incident.resolvedAt)}
                </>
              ) : (
                <>, open for {durationText(incident.openedAt, new Date().toISOString())}</>
              )}
              .
            </p>
            {incident.trigger.kind === "alert" ? (
              <p>
                <a href={linkTo(`/alerts/${incident.trigger.alert}`)}>See alert #{incident.trigger.alert}</a>
              </p>
            ) : null}
            {incident.state === "open" ? <ResolveForm incident={incident} onDone={view.reload} /> : null}
          </section>

          <section class="card" aria-labelledby="impact-title">
            <h2 id="impact-title">Impact</h2>
            <ImpactView impact={data.impact} />
          </section>

          <section class="card incident-wide" aria-labelledby="timeline-title">
            <h2 id="timeline-title">Timeline</h2>
            <Timeline entries={data.timeline} />
            {incident.state === "open" ? <NoteForm incident={incident} onDone={view.reload} /> : null}
          </section>

          <section class="card incident-wide" aria-labelledby="suspects-title">
            <h2 id="suspects-title">Suspect changes, likeliest first</h2>
            <SuspectList
              suspects={data.suspects}
              cluster={incident.cluster}
              currentVersion={data.currentVersion}
              symptom={`incident #${id}`}
            />
          </section>

          <section class="card incident-wide" aria-labelledby="postmortem-title">
            <PostmortemSection incident={incident} timeline={data.timeline} />
          </section>
        </div>
      )}
    </Page>
  );
}

function Timeline(props: { entries: TimelineEntry[] }) {
  if (props.entries.length === 0) {
    return <Empty title="No event was recorded around this incident yet." />;
  }
  return (
    <ol class="timeline" data-testid="incident-timeline">
      {props.entries.map((entry) => {
        const kind = TIMELINE_KINDS[entry.kind];
        return (
          <li key={`${entry.source.seq ?? entry.at}-${entry.source.type}`} class={`timeline-${entry.kind}`}>
            <span class="timeline-icon" aria-hidden="true">
              {kind.icon}
            </span>
            <time class="timeline-time" dateTime={entry.at} title={new Date(entry.at).toLocaleString()}>
              {new Date(entry.at).toLocaleTimeString()}
            </time>
            <span class="timeline-kind">{kind.label}</span>
            <span class="timeline-text">
              {entry.text}{" "}
              <span class="muted small">
                ({entry.source.type}
                {entry.source.seq !== undefined ? ` #${entry.source.seq}` : ""})
              </span>
            </span>
          </li>
        );
      })}
    </ol>
  );
}

function ImpactView(props: { impact: Impact }) {
  const { impact } = props;
  if (impact.requests === 0) {
    return (
      <Empty title="No traffic was measured in this window.">
        Impact comes from the nodes&apos; stats samples: check that the agents send them (the Overview shows
        each node&apos;s request rate).
      </Empty>
    );
  }
  const figures = impactFigures(impact);
  return (
    <div data-testid="incident-impact">
      <div class="impact-figures">
        <p>
          <strong>{figures.failed}</strong>
          <span class="muted small">of requests failed</span>
        </p>
        <p>
          <strong>{figures.peak}</strong>
          <span class="muted small">peak error rate</span>
        </p>
        <p>
          <strong>{durationText(impact.from, impact.to)}</strong>
          <span class="muted small">measured</span>
        </p>
      </div>
      <p class="small">{figures.requests}.</p>
      {impact.affectedBackends.length > 0 ? (
        <table class="table">
          <caption class="muted small">Backends with failures, worst first</caption>
          <thead>
            <tr>
              <th scope="col">Backend</th>
              <th scope="col">Failed</th>
              <th scope="col">Share</th>
            </tr>
          </thead>
          <tbody>
            {impact.affectedBackends.map((b) => (
              <tr key={b.backend}>
                <th scope="row">{b.backend}</th>
                <td>{b.failed}</td>
                <td>{b.failedPct.toFixed(1)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {impact.affectedServers.length > 0 ? (
        <ul class="affected-servers" aria-label="Servers affected">
          {impact.affectedServers.map((s) => (
            <li key={s.server}>
              <code>{s.server}</code>: {s.why}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function NoteForm(props: { incident: Incident; onDone: () => void }) {
  const { api } = useSession();
  const allowed = useCan("operator");
  const [text, setText] = useState("");
  if (!allowed) return null;
  return (
    <form class="incident-form" onSubmit={(e) => e.preventDefault()}>
      <label class="field" for="note-text">
        <span>Add a note to the timeline</span>
        <textarea
          id="note-text"
          value={text}
          placeholder="What you saw or did, e.g. drained web-02 by hand"
          onInput={(e) => setText(e.currentTarget.value)}
        />
      </label>
      <ActionButton
        doing="add the note"
        testId="add-note"
        onAction={async () => {
          if (text.trim() === "") throw new Error("write the note first");
          await api.addIncidentNote(props.incident.id, text.trim());
          setText("");
          props.onDone();
        }}
      >
        Add note
      </ActionButton>
    </form>
  );
}

function ResolveForm(props: { incident: Incident; onDone: () => void }) {
  const { api } = useSession();
  const allowed = useCan("operator");
  const [summary, setSummary] = useState("");
  if (!allowed) return null;
  return (
    <form class="incident-form" onSubmit={(e) => e.preventDefault()}>
      <label class="field" for="resolve-summary">
        <span>Resolution summary</span>
        <input
          id="resolve-summary"
          type="text"
          value={summary}
          placeholder="What ended it, e.g. rolled back to version 6"
          onInput={(e) => setSummary(e.currentTarget.value)}
        />
      </label>
      <ActionButton
        tone="primary"
        doing="resolve the incident"
        testId="resolve"
        onAction={async () => {
          if (summary.trim() === "") throw new Error("say in a few words what ended it");
          await api.resolveIncident(props.incident.id, summary.trim());
          setSummary("");
          props.onDone();
        }}
      >
        Resolve
      </ActionButton>
    </form>
  );
}

function PostmortemSection(props: { incident: Incident; timeline: TimelineEntry[] }) {
  const { api } = useSession();
  const mayRegenerate = useCan("operator");
  const { incident } = props;
  const postmortem = usePoll(
    () => api.postmortem(incident.id),
    [incident.id, incident.updatedAt, incident.state, props.timeline.length],
    POSTMORTEM_MS,
  );
  // The last one read stays on screen while a newer draft is on its way.
  const last = useRef<PostmortemView | undefined>(undefined);
  if (postmortem.data) last.current = postmortem.data;
  const shown = postmortem.data ?? (last.current?.incident === incident.id ? last.current : undefined);

  return (
    <>
      <div class="postmortem-head">
        <h2 id="postmortem-title">
          Postmortem{" "}
          {shown ? (
            <Badge tone={shown.edited ? "info" : "muted"}>{shown.edited ? "edited" : "draft"}</Badge>
          ) : null}
        </h2>
        <div class="postmortem-actions">
          <ActionButton
            doing="download the postmortem"
            testId="download-postmortem"
            onAction={() => download(incident.id)}
          >
            Download Markdown
          </ActionButton>
          {mayRegenerate ? (
            <ActionButton
              doing="regenerate the postmortem"
              testId="regenerate-postmortem"
              confirm={
                shown?.edited
                  ? "Regenerate the postmortem? The edited text is replaced by a fresh draft (the edit stays in the audit log)."
                  : undefined
              }
              onAction={async () => {
                await api.postmortem(incident.id, { regenerate: true });
                postmortem.reload();
              }}
            >
              Regenerate
            </ActionButton>
          ) : null}
        </div>
      </div>
      {incident.state === "open" ? (
        <p class="muted small">
          A draft of an open incident: it is written again as the incident goes on. Store your edited text
          with <code>lbguard postmortem {incident.id} --edit FILE</code>.
        </p>
      ) : null}
      {postmortem.error ? <ErrorNote error={postmortem.error} doing="draft the postmortem" /> : null}
      {shown ? (
        <Markdown text={shown.markdown} label={`Postmortem of incident ${incident.id}`} testId="postmortem" />
      ) : postmortem.error ? null : (
        <Loading what="the postmortem" />
      )}
    </>
  );

  /** Saves the current Markdown as `incident-<id>-postmortem.md`, asked for afresh with the token. */
  async function download(id: number): Promise<void> {
    const { markdown } = await api.postmortem(id);
    const url = URL.createObjectURL(new Blob([markdown], { type: "text/markdown;charset=utf-8" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = postmortemFileName(id);
    document.body.append(link);
    link.click();
    link.remove();
    // The browser has taken the file once the click is handled.
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
}
