// Audit: the event log, newest first, with whether its hash chain still holds. The newest page
// is polled; older pages are loaded on demand and kept (events never change once written).
import { useEffect, useRef, useState } from "preact/hooks";
import type { StoredEvent } from "../../../src/control/api-types.js";
import { useCluster } from "../cluster.js";
import { ActionButton } from "../components/action-button.js";
import { Badge, Empty, ErrorNote, Loading, Page } from "../components/page.js";
import { Time } from "../components/time.js";
import {
  appendOlder,
  dataPreview,
  EVENT_PAGE,
  filterEvents,
  mergeHead,
  subjectPath,
  typeChoices,
  verificationText,
} from "../data/audit-log.js";
import { linkTo } from "../router.js";
import { useSession } from "../session.js";
import { usePoll } from "../use-poll.js";
import "../components/field.css";
import "./audit.css";

/** Walking the whole chain costs more than a list: every 10 s is plenty. */
const VERIFY_MS = 10_000;

const EMPTY_LOG: { events: StoredEvent[]; olderDone: boolean } = { events: [], olderDone: false };

export function AuditPage() {
  const { api } = useSession();
  const { name } = useCluster();
  const [type, setType] = useState("");
  const [onlyCluster, setOnlyCluster] = useState(false);
  const [actor, setActor] = useState("");
  const [subject, setSubject] = useState("");
  // The events shown, newest first, and whether the oldest of them is the log's first.
  const [log, setLog] = useState<{ events: StoredEvent[]; olderDone: boolean }>(EMPTY_LOG);
  const [seenTypes, setSeenTypes] = useState<string[]>([]);
  // Answers to requests made under other filters are dropped.
  const generation = useRef(0);

  const cluster = onlyCluster && name ? name : undefined;
  const query = { ...(cluster ? { cluster } : {}), ...(type ? { type } : {}) };
  const head = usePoll(
    () => api.events({ ...query, order: "desc", limit: EVENT_PAGE }),
    [type, cluster],
    2000,
  );
  const verification = usePoll(
    async () => ({ result: await api.verifyAudit(), at: new Date().toISOString() }),
    [],
    VERIFY_MS,
  );

  const remember = (events: StoredEvent[]) =>
    setSeenTypes((known) => {
      const all = new Set([...known, ...events.map((e) => e.type)]);
      return all.size === known.length ? known : [...all];
    });

  useEffect(() => {
    generation.current++;
    setLog(EMPTY_LOG);
  }, [type, cluster]);

  useEffect(() => {
    const page = head.data;
    if (!page) return;
    remember(page);
    setLog((previous) => {
      const merged = mergeHead(previous.events, page);
      // A first page shorter than a full one is the whole log; a gap makes older pages unknown again.
      const olderDone = merged.gap
        ? false
        : previous.olderDone || (previous.events.length === 0 && page.length < EVENT_PAGE);
      return { events: merged.events, olderDone };
    });
  }, [head.data]);

  const loadOlder = async () => {
    const oldest = log.events.at(-1)?.seq;
    if (oldest === undefined) return;
    const asked = generation.current;
    const older = await api.events({ ...query, order: "desc", before: oldest, limit: EVENT_PAGE });
    if (asked !== generation.current) return;
    remember(older);
    setLog((previous) => ({
      events: appendOlder(previous.events, older),
      olderDone: older.length < EVENT_PAGE,
    }));
  };

  const shown = log.events;
  const olderDone = log.olderDone;
  const visible = filterEvents(shown, { actor, subject });
  const narrowed = actor.trim() !== "" || subject.trim() !== "";
  return (
    <Page title="Audit log">
      <section class="card" aria-labelledby="verify-title" data-testid="audit-verification">
        <h2 id="verify-title">Hash chain</h2>
        {verification.error ? <ErrorNote error={verification.error} doing="verify the audit log" /> : null}
        {verification.data ? (
          <Verification result={verification.data.result} at={verification.data.at} />
        ) : verification.error ? null : (
          <Loading what="the verification" />
        )}
      </section>

      <section class="card" aria-labelledby="events-title">
        <h2 id="events-title">Events, newest first</h2>
        <form class="field-row" onSubmit={(e) => e.preventDefault()} data-testid="audit-filters">
          <label class="field" for="audit-type">
            <span>Type</span>
            <select id="audit-type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
              <option value="">every type</option>
              {typeChoices([...seenTypes, ...(type ? [type] : [])]).map((choice) => (
                <option key={choice.value} value={choice.value}>
                  {choice.label}
                </option>
              ))}
            </select>
          </label>
          <label class="field" for="audit-actor">
            <span>Actor contains</span>
            <input
              id="audit-actor"
              type="search"
              value={actor}
              placeholder="e.g. alice"
              onInput={(e) => setActor(e.currentTarget.value)}
            />
          </label>
          <label class="field" for="audit-subject">
            <span>Subject contains</span>
            <input
              id="audit-subject"
              type="search"
              value={subject}
              placeholder="e.g. change:12"
              onInput={(e) => setSubject(e.currentTarget.value)}
            />
          </label>
          {name ? (
            <label class="check">
              <input
                type="checkbox"
                checked={onlyCluster}
                onChange={(e) => setOnlyCluster(e.currentTarget.checked)}
              />{" "}
              only cluster {name}
            </label>
          ) : null}
        </form>
        {head.error ? <ErrorNote error={head.error} doing="load the events" /> : null}
        {!head.data && shown.length === 0 ? (
          head.error ? null : (
            <Loading what="the events" />
          )
        ) : (
          <>
            <p class="muted small" aria-live="polite">
              {shown.length} events loaded
              {narrowed ? `, ${visible.length} with this actor and subject` : ""}.
            </p>
            {visible.length === 0 ? (
              <Empty
                title={
                  shown.length === 0 ? "No event of this kind was recorded." : "No loaded event matches."
                }
              >
                {shown.length === 0
                  ? "Choose another type, or wait: changes, reviews, rollouts, alerts and incidents are recorded as they happen."
                  : "Clear the actor or subject filter, or load older events below."}
              </Empty>
            ) : (
              <EventTable events={visible} />
            )}
            <div class="older">
              {olderDone ? (
                <p class="muted small">This is the beginning of the log{type ? " for this type" : ""}.</p>
              ) : (
                <ActionButton onAction={loadOlder} doing="load older events" testId="load-older">
                  Load older events
                </ActionButton>
              )}
            </div>
          </>
        )}
      </section>
    </Page>
  );
}

function Verification(props: { result: Parameters<typeof verificationText>[0]; at: string }) {
  const { ok, text } = verificationText(props.result);
  return (
    <p
      class={`verification ${ok ? "verification-ok" : "verification-broken"}`}
      role={ok ? "status" : "alert"}
    >
      <Badge tone={ok ? "good" : "bad"}>{ok ? "intact" : "broken"}</Badge> {text}{" "}
      <span class="muted small">
        Checked <Time iso={props.at} />; <code>lbguard audit verify</code> checks the same.
      </span>
    </p>
  );
}

function EventTable(props: { events: StoredEvent[] }) {
  return (
    <table class="table event-table" data-testid="event-log">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">When</th>
          <th scope="col">Type</th>
          <th scope="col">Actor</th>
          <th scope="col">Subject</th>
          <th scope="col">Data</th>
        </tr>
      </thead>
      <tbody>
        {props.events.map((event) => (
          <EventRow key={event.seq} event={event} />
        ))}
      </tbody>
    </table>
  );
}

function EventRow(props: { event: StoredEvent }) {
  const { event } = props;
  const path = subjectPath(event.subject);
  return (
    <tr>
      <th scope="row" class="seq">
        {event.seq}
      </th>
      <td class="when">
        <Time iso={event.at} />
      </td>
      <td>
        <code>{event.type}</code>
        {event.cluster ? <div class="muted small">{event.cluster}</div> : null}
      </td>
      <td>{event.actor}</td>
      <td>
        {path ? <a href={linkTo(path)}>{event.subject}</a> : (event.subject ?? <span class="muted">–</span>)}
      </td>
      <td class="data">
        <details>
          <summary>{dataPreview(event.data)}</summary>
          <pre>{JSON.stringify(event.data, null, 2)}</pre>
          <p class="muted small hash">
            hash <code>{event.hash.slice(0, 16)}…</code>, after <code>{event.prevHash.slice(0, 16)}…</code>
          </p>
        </details>
      </td>
    </tr>
  );
}
