// One backend on the Live traffic page: the share chart (observed solid, expected dashed, one
// colour per server), the response-rate chart, and the per-server table the charts summarise.
import { useMemo } from "preact/hooks";
import type uPlot from "uplot";
import { Badge, type Tone } from "../components/page.js";
import { UplotChart } from "../components/uplot-chart.js";
import { RATE_CLASSES, type BackendTraffic, type RateClass, type ServerNow } from "../traffic-series.js";

/** Okabe–Ito colours: told apart with the common colour-vision deficiencies. */
const SERVER_COLOURS = [
  "#0072b2",
  "#e69f00",
  "#009e73",
  "#cc79a7",
  "#d55e00",
  "#56b4e9",
  "#555555",
  "#8c6d31",
];
const CLASS_COLOURS: Record<RateClass, string> = { "2xx": "#1e7b3c", "4xx": "#b07a00", "5xx": "#b3261e" };
/** The imbalance alert's default limit, in points: a difference beyond it is marked. */
const MARKED_POINTS = 15;
const CHART_HEIGHT = 220;

export function serverColour(index: number): string {
  return SERVER_COLOURS[index % SERVER_COLOURS.length] ?? "#000000";
}

export function BackendCard(props: { traffic: BackendTraffic; smoothS: number; nowS: number }) {
  const { traffic } = props;
  const id = `backend-${traffic.backend.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  return (
    <section class="card traffic-card" aria-labelledby={id}>
      <header class="traffic-card-header">
        <h2 id={id}>Backend {traffic.backend}</h2>
        <span class="muted">
          {rate(traffic.nowRequestsPerS)} req/s, {rate(traffic.nowRates["5xx"])} 5xx/s over the last{" "}
          {props.nowS} s
        </span>
      </header>
      <div class="traffic-charts">
        <figure class="traffic-figure" data-testid={`traffic-chart-${traffic.backend}`}>
          <figcaption>
            <h3>Share of requests per server</h3>
            <p class="muted small">
              Solid: observed, the server's part of the balancer's picks on all nodes, {props.smoothS}-second
              average. Dashed, same colour: expected by the simulator.
            </p>
          </figcaption>
          <ShareChart traffic={traffic} />
        </figure>
        <figure class="traffic-figure" data-testid={`rate-chart-${traffic.backend}`}>
          <figcaption>
            <h3>Responses by class</h3>
            <p class="muted small">
              Requests per second, {props.smoothS}-second average. Now: 2xx {rate(traffic.nowRates["2xx"])},
              4xx {rate(traffic.nowRates["4xx"])}, 5xx {rate(traffic.nowRates["5xx"])} req/s.
            </p>
          </figcaption>
          <RateChart traffic={traffic} />
        </figure>
      </div>
      <ShareTable traffic={traffic} nowS={props.nowS} />
    </section>
  );
}

function ShareChart(props: { traffic: BackendTraffic }) {
  const { servers } = props.traffic;
  const options = useMemo(() => shareOptions(servers), [servers.join("\n")]);
  const data = useMemo(
    (): uPlot.AlignedData => [props.traffic.times, ...props.traffic.observed, ...props.traffic.expected],
    [props.traffic],
  );
  return <UplotChart options={options} data={data} height={CHART_HEIGHT} />;
}

function RateChart(props: { traffic: BackendTraffic }) {
  const options = useMemo(rateOptions, []);
  const data = useMemo(
    (): uPlot.AlignedData => [props.traffic.times, ...RATE_CLASSES.map((cls) => props.traffic.rates[cls])],
    [props.traffic],
  );
  return <UplotChart options={options} data={data} height={CHART_HEIGHT} />;
}

/** 24-hour clock times, with seconds while the ticks are less than a minute apart. */
const timeAxis: uPlot.Axis = {
  label: "Time (local)",
  labelSize: 20,
  space: 60,
  values: (_u, ticks, _axis, _space, incr) => ticks.map((t) => clock(t, incr < 60)),
};

/** The legend's time: the second under the cursor (or the latest), with seconds. */
const timeSeries: uPlot.Series = {
  label: "Time",
  value: (_u, v: number | null | undefined) => (typeof v === "number" ? clock(v, true) : "–"),
};

function clock(seconds: number, withSeconds: boolean): string {
  const d = new Date(seconds * 1000);
  const parts = [d.getHours(), d.getMinutes(), ...(withSeconds ? [d.getSeconds()] : [])];
  return parts.map((n) => String(n).padStart(2, "0")).join(":");
}

function shareOptions(servers: readonly string[]): Omit<uPlot.Options, "width" | "height"> {
  // uPlot passes null or undefined where a series has no point.
  const percent = (_u: uPlot, value: number | null | undefined) =>
    typeof value === "number" ? `${value.toFixed(1)} %` : "–";
  return {
    scales: { x: { time: true }, y: { auto: false, range: [0, 100] } },
    axes: [
      timeAxis,
      {
        label: "Share of requests (%)",
        labelSize: 20,
        size: 50,
        values: (_u, ticks) => ticks.map((t) => `${t}%`),
      },
    ],
    series: [
      timeSeries,
      ...servers.map((server, i) => ({ label: server, stroke: serverColour(i), width: 2, value: percent })),
      ...servers.map((server, i) => ({
        label: `${server} expected`,
        stroke: serverColour(i),
        width: 1.5,
        dash: [6, 4],
        value: percent,
      })),
    ],
  };
}

function rateOptions(): Omit<uPlot.Options, "width" | "height"> {
  return {
    scales: {
      x: { time: true },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
    },
    axes: [timeAxis, { label: "Responses (req/s)", labelSize: 20, size: 50 }],
    series: [
      timeSeries,
      ...RATE_CLASSES.map((cls) => ({
        label: cls,
        stroke: CLASS_COLOURS[cls],
        width: 2,
        value: (_u: uPlot, v: number | null | undefined) =>
          typeof v === "number" ? `${rate(v)} req/s` : "–",
      })),
    ],
  };
}

function ShareTable(props: { traffic: BackendTraffic; nowS: number }) {
  const { traffic } = props;
  return (
    <table class="table share-table" data-testid={`share-table-${traffic.backend}`}>
      <caption class="muted small">
        Each server over the last {props.nowS} s, all nodes added up. Observed: its part of the balancer's
        picks. Expected: the simulator's share, shared out over the servers taking requests now.
      </caption>
      <thead>
        <tr>
          <th scope="col">Server</th>
          <th scope="col">Observed</th>
          <th scope="col">Expected</th>
          <th scope="col">Difference</th>
          <th scope="col">Requests</th>
          <th scope="col">5xx</th>
          <th scope="col">Status</th>
          <th scope="col">Weight</th>
        </tr>
      </thead>
      <tbody>
        {traffic.now.map((row, i) => (
          <ShareRow
            key={row.server}
            row={row}
            colour={serverColour(i)}
            hasTraffic={traffic.nowRequestsPerS > 0}
          />
        ))}
      </tbody>
    </table>
  );
}

function ShareRow(props: { row: ServerNow; colour: string; hasTraffic: boolean }) {
  const { row } = props;
  const marked = row.diffPoints !== undefined && Math.abs(row.diffPoints) >= MARKED_POINTS;
  return (
    <tr
      data-server={row.server}
      data-observed={row.observedPct.toFixed(1)}
      data-expected={row.expectedPct?.toFixed(1)}
      data-predicted={row.predictedPct?.toFixed(1)}
    >
      <th scope="row">
        <span class="swatch" style={{ background: props.colour }} aria-hidden="true" />
        {row.server}
      </th>
      <td>{props.hasTraffic ? `${row.observedPct.toFixed(1)} %` : "–"}</td>
      <td
        title={
          row.predictedPct !== undefined
            ? `predicted ${row.predictedPct.toFixed(1)} % for the approved version`
            : "not in the approved version's prediction"
        }
      >
        {row.expectedPct !== undefined ? `${row.expectedPct.toFixed(1)} %` : "–"}
      </td>
      <td class={marked ? "traffic-off" : undefined}>
        {row.diffPoints !== undefined && props.hasTraffic ? `${signed(row.diffPoints)} pts` : "–"}
      </td>
      <td>{rate(row.requestsPerS)} req/s</td>
      <td class={row.errors5xxPerS > 0 ? "traffic-off" : undefined}>{rate(row.errors5xxPerS)}/s</td>
      <td>
        <Statuses row={row} />
      </td>
      <td>{weights(row)}</td>
    </tr>
  );
}

/** One badge when every node agrees, else one per node. */
function Statuses(props: { row: ServerNow }) {
  const { nodes } = props.row;
  if (nodes.length === 0) return <Badge tone="muted">not reported</Badge>;
  const distinct = new Set(nodes.map((n) => n.status));
  if (distinct.size === 1) {
    const status = nodes[0]?.status ?? "";
    return <Badge tone={statusTone(status)}>{status}</Badge>;
  }
  return (
    <span class="traffic-statuses">
      {nodes.map((n) => (
        <Badge key={n.node} tone={statusTone(n.status)}>
          {n.node}: {n.status}
        </Badge>
      ))}
    </span>
  );
}

function statusTone(status: string): Tone {
  if (status.startsWith("UP") || status === "no check" || status === "OPEN") return "good";
  if (status.startsWith("DOWN")) return "bad";
  return "warn";
}

function weights(row: ServerNow): string {
  const distinct = [...new Set(row.nodes.map((n) => n.weight).filter((w) => w !== undefined))];
  if (distinct.length === 0) return "–";
  if (distinct.length === 1) return String(distinct[0]);
  return row.nodes.map((n) => `${n.node}: ${n.weight ?? "–"}`).join(", ");
}

function rate(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function signed(points: number): string {
  const fixed = points.toFixed(1);
  return points > 0 && fixed !== "0.0" ? `+${fixed}` : fixed === "-0.0" ? "0.0" : fixed;
}
