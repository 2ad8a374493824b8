// Live traffic: per backend, how each server's share of the requests moves against the share the
// simulator expects for the approved version, and the responses by class. Samples are fetched
// every second, only those since the last ones held.
import { useMemo, useRef, useState } from "preact/hooks";
import type { ExpectedShares } from "../../../src/control/api-types.js";
import type { MetricSample } from "../../../src/monitor/types.js";
import { useClusterName } from "../cluster.js";
import { Empty, ErrorNote, Loading, Page } from "../components/page.js";
import { Time } from "../components/time.js";
import { useSession } from "../session.js";
import {
  completeUntilMs,
  mergeSamples,
  nextFetchFromMs,
  shapeTraffic,
  type ExpectedEpoch,
  type SamplesByNode,
} from "../traffic-series.js";
import { REFRESH_MS, usePoll } from "../use-poll.js";
import { BackendCard } from "./traffic-card.js";
import "./traffic.css";

/** The windows offered, in minutes. */
const WINDOWS_MIN = [1, 5, 15] as const;
/** Seconds each chart point averages over. */
const SMOOTH_S = 5;
/** Seconds the table's "now" covers. */
const NOW_S = 10;
/** The prediction changes only with an approved change: asked less often than the stats. */
const EXPECTED_REFRESH_MS = 2000;
/** No stats for this long and the page says so. */
const QUIET_MS = 10_000;

export function TrafficPage() {
  const name = useClusterName();
  const [windowMin, setWindowMin] = useState<number>(5);
  const windowS = windowMin * 60;
  const samples = useLiveSamples(name, windowS);
  const expected = useExpectedEpochs(name);

  const view = useMemo(() => {
    const nodes = samples.data?.nodes;
    if (!nodes) return undefined;
    const until = completeUntilMs(nodes);
    if (until === undefined) return { until, backends: [] };
    const toS = Math.floor(until / 1000);
    const window = { fromS: toS - windowS, toS, smoothS: SMOOTH_S, nowS: NOW_S };
    return { until, backends: shapeTraffic(nodes, expected.data?.epochs ?? [], window) };
  }, [samples.data, expected.data, windowS]);

  const windowSelect = (
    <label class="traffic-window">
      <span>Window</span>
      <select
        value={String(windowMin)}
        onChange={(e) => setWindowMin(Number((e.target as HTMLSelectElement).value))}
      >
        {WINDOWS_MIN.map((m) => (
          <option key={m} value={String(m)}>
            last {m} min
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <Page title="Live traffic" actions={windowSelect}>
      {samples.error ? <ErrorNote error={samples.error} doing="load the stats" /> : null}
      {expected.error ? <ErrorNote error={expected.error} doing="load the expected shares" /> : null}
      {!view ? (
        <Loading what="the stats" />
      ) : view.until === undefined || view.backends.length === 0 ? (
        <Empty title={`No traffic stats from ${name} in the last ${windowMin} min.`}>
          Each node's agent sends its HAProxy's stats every second once it runs:{" "}
          <code>lbguard nodes add NAME</code> prints the <code>lbguard agent --server … --token …</code>{" "}
          command to start on the load balancer. <code>lbguard demo</code> starts a lab cluster with live
          traffic.
        </Empty>
      ) : (
        <>
          <Status until={view.until} nodes={samples.data?.nodes ?? {}} expected={expected.data?.latest} />
          {view.backends.map((traffic) => (
            <BackendCard key={traffic.backend} traffic={traffic} smoothS={SMOOTH_S} nowS={NOW_S} />
          ))}
        </>
      )}
    </Page>
  );
}

function Status(props: { until: number; nodes: SamplesByNode; expected: ExpectedShares | undefined }) {
  const reporting = Object.values(props.nodes).filter((s) => s.length > 0).length;
  const quietMs = Date.now() - props.until;
  const { expected } = props;
  return (
    <div class="traffic-status">
      <p class="muted">
        Stats from {reporting} node{reporting === 1 ? "" : "s"}, added up, as of{" "}
        <Time iso={new Date(props.until).toISOString()} />.{" "}
        {expected ? (
          <>
            Expected shares: the simulator's prediction for version {expected.version}
            {expected.runtimeChanges.length > 0
              ? ` with runtime change${expected.runtimeChanges.length === 1 ? "" : "s"} ${expected.runtimeChanges.map((c) => `#${c}`).join(", ")}`
              : ""}
            , shared out over the servers taking requests.
          </>
        ) : null}
      </p>
      {quietMs > QUIET_MS ? (
        <p class="warn-line" role="status">
          No new stats for {Math.round(quietMs / 1000)} s: are the agents running and able to reach the
          control plane?
        </p>
      ) : null}
    </div>
  );
}

/** The samples of the last `windowS` seconds (and a margin for the averages), kept fresh. */
function useLiveSamples(cluster: string, windowS: number) {
  const { api } = useSession();
  const held = useRef<{ key: string; nodes: Record<string, MetricSample[]> }>({ key: "", nodes: {} });
  return usePoll(
    async () => {
      const key = `${cluster}:${windowS}`;
      if (held.current.key !== key) held.current = { key, nodes: {} };
      const marginMs = (windowS + Math.max(SMOOTH_S, NOW_S) + 5) * 1000;
      const from = nextFetchFromMs(held.current.nodes, Date.now() - marginMs);
      const answer = await api.metrics(cluster, { from: new Date(from).toISOString() });
      // The cluster or window changed while this was on its way: its answer belongs to no one.
      if (held.current.key !== key) return { nodes: held.current.nodes };
      const merged = mergeSamples(held.current.nodes, answer.nodes, -Infinity);
      const until = completeUntilMs(merged) ?? Date.now();
      held.current.nodes = mergeSamples(merged, {}, until - marginMs);
      return { nodes: held.current.nodes };
    },
    [cluster, windowS],
    REFRESH_MS,
  );
}

/** The prediction now, and each one seen since the page opened, from when it took effect. */
function useExpectedEpochs(cluster: string) {
  const { api } = useSession();
  const known = useRef<{ cluster: string; epochs: ExpectedEpoch[] }>({ cluster: "", epochs: [] });
  return usePoll(
    async () => {
      const latest = await api.expectedShares(cluster);
      if (known.current.cluster !== cluster) known.current = { cluster, epochs: [] };
      const key = `${latest.version}:${latest.runtimeChanges.join(",")}:${latest.since}`;
      if (!known.current.epochs.some((e) => e.key === key)) {
        known.current.epochs = [
          ...known.current.epochs,
          { key, sinceMs: Date.parse(latest.since), backends: latest.backends },
        ];
      }
      return { latest, epochs: known.current.epochs };
    },
    [cluster],
    EXPECTED_REFRESH_MS,
  );
}
