// Where the plan predicts traffic will go: for each backend, each server's share of its
// backend's requests before and after the change as two bars side by side, with the figures,
// the move in points, and the server's capacity marked on the after bar. This is the picture
// reviewers decide from, so it is also a real table: every figure is text a screen reader reads.
import type { Plan } from "../../../src/plan/types.js";
import { formatRps, formatShare } from "../../../src/plan/format.js";
import { deltaText, planBars, type BackendBars, type ServerBar } from "../data/plan-bars.js";
import { Badge, Empty } from "./page.js";
import "./plan-bars.css";

export function PlanBars(props: { plan: Plan }) {
  const backends = planBars(props.plan);
  if (backends.length === 0) {
    return (
      <Empty title="This plan has no traffic prediction.">
        The control plane predicts traffic when the cluster has an inventory and a request rate (
        <code>lbguard cluster create NAME --config haproxy.cfg --inventory inventory.yaml --rps N</code>).
      </Empty>
    );
  }
  const moved = backends.filter((b) => b.moved);
  const still = backends.filter((b) => !b.moved);
  return (
    <div class="plan-bars" data-testid="plan-bars">
      <Legend />
      {moved.length === 0 ? <p class="muted">No backend's traffic is predicted to move.</p> : null}
      {moved.map((b) => (
        <BackendChart key={b.backend} bars={b} />
      ))}
      {still.length > 0 ? (
        <details class="plan-bars-still" open={moved.length === 0}>
          <summary>
            {still.length} backend{still.length === 1 ? "" : "s"} whose traffic does not move
          </summary>
          {still.map((b) => (
            <BackendChart key={b.backend} bars={b} />
          ))}
        </details>
      ) : null}
    </div>
  );
}

function Legend() {
  return (
    <p class="plan-bars-legend small">
      <span class="legend-swatch legend-before" aria-hidden="true" /> before{" "}
      <span class="legend-swatch legend-after" aria-hidden="true" /> after{" "}
      <span class="legend-swatch legend-capacity" aria-hidden="true" /> capacity{" "}
      <span class="muted">— bar length: the server's share of its backend's requests, 0 to 100%</span>
    </p>
  );
}

function rateText(rps: number | undefined): string {
  return rps === undefined ? "absent" : `${formatRps(rps)} req/s`;
}

function BackendChart(props: { bars: BackendBars }) {
  const b = props.bars;
  const id = `plan-bars-${b.backend}`;
  return (
    <section class="plan-backend" aria-labelledby={id} data-testid={`plan-bars-${b.backend}`}>
      <h3 id={id}>
        backend {b.backend}{" "}
        <span class="muted small">
          {rateText(b.beforeRps)} → {rateText(b.afterRps)}
        </span>
      </h3>
      <table class="plan-bars-table" aria-labelledby={id}>
        <thead>
          <tr>
            <th scope="col">Server</th>
            <th scope="col">
              Before <Scale />
            </th>
            <th scope="col">
              After <Scale />
            </th>
            <th scope="col">Move</th>
          </tr>
        </thead>
        <tbody>
          {b.servers.map((s) => (
            <ServerRow key={s.server} bar={s} />
          ))}
          {b.unserved ? (
            <tr class="plan-unserved">
              <th scope="row">
                no server <span class="muted small">(503)</span>
              </th>
              <td>
                <Bar
                  share={b.unserved.before}
                  rps={shareRate(b.unserved.before, b.beforeRps)}
                  side="before"
                  bad
                />
              </td>
              <td>
                <Bar
                  share={b.unserved.after}
                  rps={shareRate(b.unserved.after, b.afterRps)}
                  side="after"
                  bad
                />
              </td>
              <td>{deltaText(((b.unserved.after ?? 0) - (b.unserved.before ?? 0)) * 100)}</td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </section>
  );
}

function shareRate(share: number | undefined, rps: number | undefined): number | undefined {
  return share === undefined || rps === undefined ? undefined : share * rps;
}

/** The axis above each bar column: 0, 50 and 100%. */
function Scale() {
  return (
    <span class="plan-scale" aria-hidden="true">
      <span>0</span>
      <span>50</span>
      <span>100%</span>
    </span>
  );
}

function ServerRow(props: { bar: ServerBar }) {
  const s = props.bar;
  const tone = Math.abs(s.deltaPoints) >= 20 ? "big" : s.moved ? "some" : "none";
  return (
    <tr class={`plan-server move-${tone}`} data-testid={`plan-server-${s.server}`}>
      <th scope="row">
        {s.server}
        {s.role ? (
          <>
            {" "}
            <Badge tone="bad" title={`inventory role ${s.role}: not a web server`}>
              {s.role}
            </Badge>
          </>
        ) : null}
        {s.presence === "added" ? (
          <>
            {" "}
            <Badge tone="info">new</Badge>
          </>
        ) : s.presence === "removed" ? (
          <>
            {" "}
            <Badge tone="muted">removed</Badge>
          </>
        ) : null}
      </th>
      <td>
        <Bar
          share={s.before?.share}
          rps={s.before?.rps}
          state={s.before?.state}
          side="before"
          capacityShare={s.capacityShareBefore}
        />
      </td>
      <td>
        <Bar
          share={s.after?.share}
          rps={s.after?.rps}
          state={s.after?.state}
          side="after"
          capacityShare={s.capacityShare}
          bad={s.overCapacity}
        />
        {s.capacityRps !== undefined ? (
          <div class={`plan-capacity small${s.overCapacity ? " over" : ""}`}>
            {s.overCapacity ? "over capacity: " : "capacity "}
            {formatRps(s.capacityRps)} req/s
            {s.loadAfter !== undefined ? ` (${Math.round(s.loadAfter * 100)}% used)` : ""}
          </div>
        ) : null}
      </td>
      <td class="plan-move">
        <strong>{deltaText(s.deltaPoints)}</strong>
      </td>
    </tr>
  );
}

function Bar(props: {
  share: number | undefined;
  rps: number | undefined;
  state?: string;
  side: "before" | "after";
  capacityShare?: number;
  bad?: boolean;
}) {
  if (props.share === undefined) {
    return <span class="muted small">{props.side === "before" ? "not in before" : "not in after"}</span>;
  }
  const width = `${Math.min(100, Math.max(0, props.share * 100))}%`;
  // `active` is the normal case; backup, drained, disabled or down explain a share.
  const unusual = props.state !== undefined && props.state !== "active";
  return (
    <div class="plan-bar-cell">
      <div class="plan-bar-track">
        <div class={`plan-bar plan-bar-${props.side}${props.bad ? " plan-bar-bad" : ""}`} style={{ width }} />
        {props.capacityShare !== undefined ? (
          <div
            class="plan-bar-capacity"
            style={{ left: `${props.capacityShare * 100}%` }}
            title="capacity"
            aria-hidden="true"
          />
        ) : null}
      </div>
      <span class="plan-bar-label">
        {formatShare(props.share)}
        {props.rps !== undefined ? <span class="muted"> · {formatRps(props.rps)} req/s</span> : null}
        {unusual ? <span class="muted"> · {props.state}</span> : null}
      </span>
    </div>
  );
}
