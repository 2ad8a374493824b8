// Overview: is everything running what was approved, and is anything on fire? Nodes with their
// health, version and drift; the last change; firing alerts; open incidents.
import type { NodeStatus } from "../../../src/control/api-types.js";
import { useCluster } from "../cluster.js";
import { Badge, Empty, ErrorNote, Loading, Page } from "../components/page.js";
import { Time } from "../components/time.js";
import { severityTone } from "../data/alert-list.js";
import { linkTo } from "../router.js";
import { useSession } from "../session.js";
import { usePoll } from "../use-poll.js";

export function OverviewPage() {
  const { api } = useSession();
  const { name } = useCluster();
  const view = usePoll(async () => {
    if (!name) return undefined;
    const [cluster, changes, alerts, incidents] = await Promise.all([
      api.cluster(name),
      api.changes(name),
      api.alerts({ cluster: name, state: "firing" }),
      api.incidents({ cluster: name, state: "open" }),
    ]);
    return { cluster, lastChange: changes[0], alerts, incidents };
  }, [name]);

  if (!name) {
    return (
      <Page title="Overview">
        <Empty title="No cluster is registered yet.">
          An admin registers one with <code>lbguard cluster create NAME --config haproxy.cfg</code>;{" "}
          <code>lbguard demo</code> sets up a whole lab cluster.
        </Empty>
      </Page>
    );
  }
  const data = view.data;
  return (
    <Page title={`Overview of ${name}`}>
      {view.error ? <ErrorNote error={view.error} doing="load the overview" /> : null}
      {!data ? (
        <Loading what="the cluster" />
      ) : (
        <div class="overview-grid">
          <section class="card" aria-labelledby="nodes-title">
            <h2 id="nodes-title">Nodes</h2>
            <p class="muted">
              Version <strong>{data.cluster.currentVersion}</strong> is current.
            </p>
            {data.cluster.nodes.length === 0 ? (
              <Empty title="No node reports to this cluster yet.">
                Add one with <code>lbguard nodes add NAME</code> and start the agent command it prints on the
                load balancer.
              </Empty>
            ) : (
              <table class="table" data-testid="nodes">
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">HAProxy</th>
                    <th scope="col">Version</th>
                    <th scope="col">Traffic</th>
                    <th scope="col">Drift</th>
                    <th scope="col">Last report</th>
                  </tr>
                </thead>
                <tbody>
                  {data.cluster.nodes.map((node) => (
                    <NodeRow key={node.name} node={node} current={data.cluster.currentVersion} />
                  ))}
                </tbody>
              </table>
            )}
            {data.cluster.nodes.length === 1 ? (
              <p class="warn-line">
                One load balancer node only: it is a single point of failure. Add a second node and a
                keepalived pair (docs/vrrp.md).
              </p>
            ) : null}
          </section>

          <section class="card" aria-labelledby="alerts-title">
            <h2 id="alerts-title">Firing alerts</h2>
            {data.alerts.length === 0 ? (
              <Empty title="Nothing is firing." />
            ) : (
              <ul class="list" data-testid="firing-alerts">
                {data.alerts.map((alert) => (
                  <li key={alert.id}>
                    <Badge tone={severityTone(alert.severity)}>{alert.severity}</Badge>{" "}
                    <a href={linkTo(`/alerts/${alert.id}`)}>{alert.summary}</a>{" "}
                    <span class="muted">
                      since <Time iso={alert.firedAt ?? alert.activeAt} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section class="card" aria-labelledby="incidents-title">
            <h2 id="incidents-title">Open incidents</h2>
            {data.incidents.length === 0 ? (
              <Empty title="No open incident." />
            ) : (
              <ul class="list" data-testid="open-incidents">
                {data.incidents.map((incident) => (
                  <li key={incident.id}>
                    <Badge tone={severityTone(incident.severity)}>{incident.severity}</Badge>{" "}
                    <a href={linkTo(`/incidents/${incident.id}`)}>
                      #{incident.id} {incident.title}
                    </a>{" "}
                    <span class="muted">
                      opened <Time iso={incident.openedAt} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>

          <section class="card" aria-labelledby="last-change-title">
            <h2 id="last-change-title">Last change</h2>
            {data.lastChange ? (
              <p>
                <a href={linkTo(`/changes/${data.lastChange.id}`)}>
                  #{data.lastChange.id} {data.lastChange.message}
                </a>{" "}
                by {data.lastChange.author}, <Time iso={data.lastChange.updatedAt} />:{" "}
                <Badge tone="info">{data.lastChange.state}</Badge>
              </p>
            ) : (
              <Empty title="No change was proposed yet.">
                Propose one on the <a href={linkTo("/changes")}>Changes</a> page or with{" "}
                <code>lbguard propose haproxy.cfg -m "why"</code>.
              </Empty>
            )}
          </section>
        </div>
      )}
    </Page>
  );
}

function NodeRow(props: { node: NodeStatus; current: number }) {
  const { node } = props;
  const up = node.health?.haproxy === "up";
  const behind = node.appliedVersion !== undefined && node.appliedVersion !== props.current;
  return (
    <tr>
      <th scope="row">{node.name}</th>
      <td>
        {node.health ? (
          <Badge tone={up ? "good" : "bad"} title={node.health.error}>
            {up ? "up" : "down"}
          </Badge>
        ) : (
          <Badge tone="muted">no report</Badge>
        )}
        {node.health?.serversTotal !== undefined ? (
          <span class="muted">
            {" "}
            {node.health.serversUp}/{node.health.serversTotal} servers up
          </span>
        ) : null}
      </td>
      <td>
        {node.appliedVersion ?? "none"}
        {behind ? <span class="muted"> (wants {node.desiredVersion})</span> : null}
      </td>
      <td>{node.health?.requestRate !== undefined ? `${node.health.requestRate.toFixed(1)} req/s` : "–"}</td>
      <td>
        {node.drift && node.drift.length > 0 ? (
          <Badge tone="warn" title={node.drift.map((d) => d.diff).join("\n")}>
            {node.drift.map((d) => d.kind).join(", ")} drift
          </Badge>
        ) : (
          <Badge tone="good">none</Badge>
        )}
      </td>
      <td>
        <Time iso={node.lastSeenAt} />
      </td>
    </tr>
  );
}
