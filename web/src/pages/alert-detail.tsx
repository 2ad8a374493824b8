// One alert: what it is about, how far past its threshold, and the changes that may have caused
// it, with the way to undo each (the Roll back button for a version, for approvers).
import type { Alert } from "../../../src/monitor/types.js";
import { Badge, ErrorNote, Loading, Page } from "../components/page.js";
import { SuspectList } from "../components/suspect-list.js";
import { Time } from "../components/time.js";
import { activeFor, figureText, severityTone, stateTone } from "../data/alert-list.js";
import { linkTo } from "../router.js";
import { useSession } from "../session.js";
import { usePoll } from "../use-poll.js";
import "./alerts.css";

export function AlertDetailPage(props: { id: string }) {
  const { api } = useSession();
  const id = Number(props.id);
  const view = usePoll(async () => {
    const alert = await api.alert(id);
    const [cluster, incidents] = await Promise.all([
      api.cluster(alert.cluster),
      api.incidents({ cluster: alert.cluster }),
    ]);
    const incident = incidents.find((i) => i.trigger.kind === "alert" && i.trigger.alert === id);
    return { alert, currentVersion: cluster.currentVersion, incident };
  }, [id]);

  const data = view.data;
  return (
    <Page title={data ? `Alert #${id}: ${data.alert.rule}` : `Alert #${id}`}>
      <p>
        <a href={linkTo("/alerts")}>← All alerts</a>
      </p>
      {view.error ? <ErrorNote error={view.error} doing={`load alert ${id}`} /> : null}
      {!data ? (
        view.error ? null : (
          <Loading what="the alert" />
        )
      ) : (
        <>
          <section class="card" aria-labelledby="alert-what" data-testid="alert-detail">
            <h2 id="alert-what">
              <Badge tone={stateTone(data.alert.state)}>{data.alert.state}</Badge>{" "}
              <Badge tone={severityTone(data.alert.severity)}>{data.alert.severity}</Badge>{" "}
              {data.alert.summary}
            </h2>
            <AlertFacts alert={data.alert} />
            {data.incident ? (
              <p>
                It opened{" "}
                <a href={linkTo(`/incidents/${data.incident.id}`)}>
                  incident #{data.incident.id} ({data.incident.state})
                </a>
                .
              </p>
            ) : null}
          </section>
          <section class="card" aria-labelledby="suspects-title">
            <h2 id="suspects-title">Suspect changes, likeliest first</h2>
            {data.alert.state === "pending" && data.alert.suspects.length === 0 ? (
              <p class="muted">Suspects are ranked when the alert fires.</p>
            ) : (
              <SuspectList
                suspects={data.alert.suspects}
                cluster={data.alert.cluster}
                currentVersion={data.currentVersion}
                symptom={`alert #${id} ${data.alert.rule}`}
              />
            )}
          </section>
        </>
      )}
    </Page>
  );
}

function AlertFacts(props: { alert: Alert }) {
  const { alert } = props;
  const labels = Object.entries(alert.labels).filter(([, value]) => value !== undefined);
  return (
    <dl class="facts">
      <dt>Value</dt>
      <dd class="figure-compare">
        <strong>{figureText(alert.kind, alert.value)}</strong> against a threshold of{" "}
        {figureText(alert.kind, alert.threshold)}
      </dd>
      <dt>Rule</dt>
      <dd>
        {alert.rule}{" "}
        <span class="muted">({alert.rule === alert.kind ? "" : `kind ${alert.kind}, `}docs/alerts.md)</span>
      </dd>
      <dt>About</dt>
      <dd>
        {labels.length === 0 ? (
          <span class="muted">the whole cluster {alert.cluster}</span>
        ) : (
          labels.map(([key, value]) => (
            <span key={key} class="label-pair">
              {key}=<code>{value}</code>{" "}
            </span>
          ))
        )}
      </dd>
      <dt>Active</dt>
      <dd>
        since <Time iso={alert.activeAt} />, for {activeFor(alert, new Date().toISOString())}
      </dd>
      {alert.firedAt ? (
        <>
          <dt>Fired</dt>
          <dd>
            <Time iso={alert.firedAt} />
          </dd>
        </>
      ) : null}
      {alert.resolvedAt ? (
        <>
          <dt>Resolved</dt>
          <dd>
            <Time iso={alert.resolvedAt} />
          </dd>
        </>
      ) : null}
      {alert.silencedBy !== undefined ? (
        <>
          <dt>Silenced</dt>
          <dd>
            by silence #{alert.silencedBy}: recorded, but nobody was notified (
            <code>lbguard silence list</code>)
          </dd>
        </>
      ) : null}
    </dl>
  );
}
