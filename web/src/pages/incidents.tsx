// Incidents: the open ones first, then those resolved, each with what opened it and how long it
// lasted. A new incident (a critical alert, an automatic rollback) appears by itself.
import { useClusterName } from "../cluster.js";
import { Badge, Empty, ErrorNote, Loading, Page } from "../components/page.js";
import { Time } from "../components/time.js";
import { durationText, severityTone } from "../data/alert-list.js";
import { orderIncidents, triggerText } from "../data/incident-list.js";
import { linkTo } from "../router.js";
import { useSession } from "../session.js";
import { usePoll } from "../use-poll.js";
import "./incidents.css";

export function IncidentsPage() {
  const { api } = useSession();
  const name = useClusterName();
  const view = usePoll(async () => orderIncidents(await api.incidents({ cluster: name })), [name]);

  const incidents = view.data;
  const now = new Date().toISOString();
  return (
    <Page title={`Incidents of ${name}`}>
      {view.error ? <ErrorNote error={view.error} doing="load the incidents" /> : null}
      {!incidents ? (
        view.error ? null : (
          <Loading what="the incidents" />
        )
      ) : incidents.length === 0 ? (
        <Empty title="No incident so far.">
          One opens by itself on a critical alert or an agent&apos;s automatic rollback; open one by hand with{" "}
          <code>lbguard incident open --cluster {name} --title "…" -m "why"</code>.
        </Empty>
      ) : (
        <section class="card">
          <table class="table" data-testid="incident-list">
            <thead>
              <tr>
                <th scope="col">Incident</th>
                <th scope="col">State</th>
                <th scope="col">Severity</th>
                <th scope="col">Opened</th>
                <th scope="col">Duration</th>
                <th scope="col">Opened by</th>
              </tr>
            </thead>
            <tbody>
              {incidents.map((incident) => (
                <tr key={incident.id} class={incident.state === "open" ? "incident-open" : undefined}>
                  <th scope="row">
                    <a href={linkTo(`/incidents/${incident.id}`)}>
                      #{incident.id} {incident.title}
                    </a>
                    <div class="muted small">{triggerText(incident.trigger)}</div>
                  </th>
                  <td>
                    <Badge tone={incident.state === "open" ? "bad" : "good"}>{incident.state}</Badge>
                  </td>
                  <td>
                    <Badge tone={severityTone(incident.severity)}>{incident.severity}</Badge>
                  </td>
                  <td class="nowrap">
                    <Time iso={incident.openedAt} />
                  </td>
                  <td class="nowrap">
                    {durationText(incident.openedAt, incident.resolvedAt ?? now)}
                    {incident.state === "open" ? " so far" : ""}
                  </td>
                  <td>{incident.openedBy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </Page>
  );
}
