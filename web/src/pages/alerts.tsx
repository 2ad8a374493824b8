// Alerts: what is firing (and about to), then what resolved lately, each with how long it lasted
// and the change most likely behind it. Refreshed every second: a new alert shows up by itself.
import { useState } from "preact/hooks";
import type { Alert } from "../../../src/monitor/types.js";
import { useClusterName } from "../cluster.js";
import { Badge, Empty, ErrorNote, Loading, Page } from "../components/page.js";
import { Time } from "../components/time.js";
import { activeFor, orderAlerts, severityTone, stateSince, stateTone } from "../data/alert-list.js";
import { linkTo } from "../router.js";
import { useSession } from "../session.js";
import { usePoll } from "../use-poll.js";
import "../components/field.css";
import "./alerts.css";

/** How far back resolved alerts are listed. */
const WINDOWS = [
  { hours: 1, label: "the last hour" },
  { hours: 24, label: "the last 24 hours" },
  { hours: 24 * 7, label: "the last 7 days" },
] as const;

export function AlertsPage() {
  const { api } = useSession();
  const name = useClusterName();
  const [hours, setHours] = useState<number>(24);
  const view = usePoll(async () => {
    const since = new Date(Date.now() - hours * 3_600_000).toISOString();
    const [open, resolved] = await Promise.all([
      api.alerts({ cluster: name, state: "open" }),
      api.alerts({ cluster: name, state: "resolved", since, limit: 200 }),
    ]);
    return orderAlerts(open, resolved);
  }, [name, hours]);

  const alerts = view.data;
  const active = alerts?.filter((a) => a.state !== "resolved") ?? [];
  const resolved = alerts?.filter((a) => a.state === "resolved") ?? [];
  return (
    <Page
      title={`Alerts of ${name}`}
      actions={
        <label class="field" for="alert-window">
          <span>Show resolved alerts of</span>
          <select
            id="alert-window"
            value={String(hours)}
            onChange={(e) => setHours(Number(e.currentTarget.value))}
          >
            {WINDOWS.map((w) => (
              <option key={w.hours} value={String(w.hours)}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
      }
    >
      {view.error ? <ErrorNote error={view.error} doing="load the alerts" /> : null}
      {!alerts ? (
        view.error ? null : (
          <Loading what="the alerts" />
        )
      ) : (
        <div data-testid="alert-list">
          <section class="card" aria-labelledby="active-title">
            <h2 id="active-title">Firing and pending</h2>
            {active.length === 0 ? (
              <Empty title="Nothing is firing.">
                The alert rules run every second on the nodes&apos; stats;{" "}
                <code>lbguard serve --alert-rules FILE</code> changes them (docs/alerts.md).
              </Empty>
            ) : (
              <AlertTable alerts={active} />
            )}
          </section>
          <section class="card" aria-labelledby="resolved-title">
            <h2 id="resolved-title">Resolved in {WINDOWS.find((w) => w.hours === hours)?.label}</h2>
            {resolved.length === 0 ? (
              <Empty title="No alert resolved in this window." />
            ) : (
              <AlertTable alerts={resolved} />
            )}
          </section>
        </div>
      )}
    </Page>
  );
}

function AlertTable(props: { alerts: Alert[] }) {
  const now = new Date().toISOString();
  return (
    <table class="table alert-table">
      <thead>
        <tr>
          <th scope="col">Alert</th>
          <th scope="col">State</th>
          <th scope="col">Severity</th>
          <th scope="col">Since</th>
          <th scope="col">Active for</th>
          <th scope="col">Likeliest cause</th>
        </tr>
      </thead>
      <tbody>
        {props.alerts.map((alert) => (
          <tr key={alert.id} class={`alert-row alert-${alert.state}`} data-testid="alert-row">
            <th scope="row">
              <a href={linkTo(`/alerts/${alert.id}`)}>{alert.summary}</a>
              <div class="muted small">
                #{alert.id} {alert.rule}
                {alert.silencedBy !== undefined ? ` · silenced by #${alert.silencedBy}` : ""}
              </div>
            </th>
            <td>
              <Badge tone={stateTone(alert.state)}>{alert.state}</Badge>
            </td>
            <td>
              <Badge tone={severityTone(alert.severity)}>{alert.severity}</Badge>
            </td>
            <td class="nowrap">
              <Time iso={stateSince(alert)} />
            </td>
            <td class="nowrap">{activeFor(alert, now)}</td>
            <td>
              {alert.suspects[0] ? (
                <span class="small">{alert.suspects[0].summary}</span>
              ) : (
                <span class="muted small">
                  {alert.state === "pending" ? "ranked when it fires" : "none found"}
                </span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
