// History: every version of the cluster's haproxy.cfg, newest first, and the diff between any two.
// The pair compared is in the address (`#/history/3/5`), so a diff can be linked from a review.
import type { VersionInfo } from "../../../src/control/api-types.js";
import { useClusterName } from "../cluster.js";
import { DiffView } from "../components/diff-view.js";
import { Badge, Empty, ErrorNote, Loading, Page } from "../components/page.js";
import { Time } from "../components/time.js";
import { pairPath, pairToShow, previousVersion, type VersionPair } from "../data/version-compare.js";
import { linkTo, navigate } from "../router.js";
import { useSession } from "../session.js";
import { usePoll } from "../use-poll.js";
import "../components/field.css";
import "./history.css";

export function HistoryPage(props: { params: Record<string, string> }) {
  const { api } = useSession();
  const name = useClusterName();
  const view = usePoll(
    async () => {
      const [cluster, versions] = await Promise.all([api.cluster(name), api.versions(name)]);
      return { current: cluster.currentVersion, versions };
    },
    [name],
    2000,
  );

  const data = view.data;
  const pair = data ? pairToShow(props.params, data.versions) : undefined;
  return (
    <Page title={`History of ${name}`}>
      {view.error ? <ErrorNote error={view.error} doing="load the versions" /> : null}
      {!data ? (
        <Loading what="the versions" />
      ) : (
        <>
          <section class="card" aria-labelledby="compare-title">
            <h2 id="compare-title">Compare two versions</h2>
            {pair ? (
              <Comparison pair={pair} versions={data.versions} />
            ) : (
              <Empty title="There is only one version so far.">
                A change that is rolled out makes the next one: propose it on the{" "}
                <a href={linkTo("/changes")}>Changes</a> page or with{" "}
                <code>lbguard propose haproxy.cfg -m "why"</code>.
              </Empty>
            )}
          </section>
          <section class="card" aria-labelledby="versions-title">
            <h2 id="versions-title">Versions, newest first</h2>
            <VersionTable versions={data.versions} current={data.current} pair={pair} />
          </section>
        </>
      )}
    </Page>
  );
}

function Comparison(props: { pair: VersionPair; versions: VersionInfo[] }) {
  const { api } = useSession();
  const { from, to } = props.pair;
  // Two versions never change: the diff is asked for again only when the pair does.
  const diff = usePoll(() => api.diff(from, to), [from, to], 5 * 60_000);
  const choose = (next: VersionPair) => navigate(pairPath(next));
  return (
    <>
      <form class="field-row" onSubmit={(e) => e.preventDefault()}>
        <VersionSelect
          id="compare-from"
          label="Old version"
          value={from}
          versions={props.versions}
          onChange={(value) => choose({ from: value, to })}
        />
        <button
          type="button"
          class="button"
          aria-label="Swap the old and new versions"
          onClick={() => choose({ from: to, to: from })}
        >
          ⇄ Swap
        </button>
        <VersionSelect
          id="compare-to"
          label="New version"
          value={to}
          versions={props.versions}
          onChange={(value) => choose({ from, to: value })}
        />
      </form>
      {diff.error ? <ErrorNote error={diff.error} doing={`diff version ${from} with version ${to}`} /> : null}
      {diff.data ? (
        <DiffView
          diff={diff.data.diff}
          label={`Diff from version ${from} to version ${to}`}
          emptyText={`Versions ${from} and ${to} are the same.`}
          testId="version-diff"
        />
      ) : diff.error ? null : (
        <Loading what="the diff" />
      )}
    </>
  );
}

function VersionSelect(props: {
  id: string;
  label: string;
  value: number;
  versions: VersionInfo[];
  onChange: (value: number) => void;
}) {
  const known = props.versions.some((v) => v.id === props.value);
  return (
    <label class="field" for={props.id}>
      <span>{props.label}</span>
      <select
        id={props.id}
        value={String(props.value)}
        onChange={(e) => props.onChange(Number((e.currentTarget as HTMLSelectElement).value))}
      >
        {known ? null : <option value={String(props.value)}>version {props.value}</option>}
        {props.versions.map((v) => (
          <option key={v.id} value={String(v.id)}>
            version {v.id}: {v.message} ({v.author})
          </option>
        ))}
      </select>
    </label>
  );
}

function VersionTable(props: { versions: VersionInfo[]; current: number; pair: VersionPair | undefined }) {
  return (
    <table class="table" data-testid="version-list">
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">Message</th>
          <th scope="col">Author</th>
          <th scope="col">Made</th>
          <th scope="col">Diff</th>
        </tr>
      </thead>
      <tbody>
        {props.versions.map((v) => {
          const previous = previousVersion(props.versions, v.id);
          const shown = props.pair?.to === v.id || props.pair?.from === v.id;
          return (
            <tr key={v.id} class={shown ? "version-shown" : undefined}>
              <th scope="row">
                {v.id}{" "}
                {v.id === props.current ? (
                  <Badge tone="good" title="The version every node should run">
                    current
                  </Badge>
                ) : null}
              </th>
              <td>{v.message}</td>
              <td>{v.author}</td>
              <td>
                <Time iso={v.createdAt} />
              </td>
              <td>
                {previous !== undefined ? (
                  <a href={linkTo(pairPath({ from: previous, to: v.id }))}>compare with {previous}</a>
                ) : (
                  <span class="muted">first version</span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
